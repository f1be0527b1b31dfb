package io.longhaul.harness.train;

import io.longhaul.collectives.DataType;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainComparisonTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final TrainConfig TINY = new TrainConfig(512 << 10, 128 << 10, 2 * MS, 4 * MS, 2, 1, DataType.FLOAT32);

    /** The simulator, but claiming to be a real-time backend, and recording the inter-DC link of every cluster it opens. */
    private static final class RecordingBackend implements FabricBackend {
        final SimBackend sim = new SimBackend();
        final List<String> opened = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public String description() {
            return "the simulator, recording";
        }

        @Override
        public Cluster open(final ClusterSpec spec) {
            opened.add(spec.interDcLink().toString());
            return sim.open(spec);
        }
    }

    private static String link(final Scenario s) {
        return ClusterSpec.of(s).interDcLink().toString();
    }

    @Test
    void shouldInterleaveTwinAndDistanceRunsAlternatingWhichGoesFirst() {
        final RecordingBackend backend = new RecordingBackend();
        final Scenario s = ScenarioLoader.load("dci-1000km").withDistanceKm(1000);
        final TrainComparison c = TrainComparison.run(backend, s, TINY, 5);
        final String zero = link(s.atZeroDistance());
        final String far = link(s);
        assertThat(far).isNotEqualTo(zero);
        assertThat(backend.opened).containsExactly(zero, far, far, zero, zero, far, far, zero, zero, far);
        // Virtual time under the hood: every pair is the same, so the interval is the point.
        final Efficiency exact = TrainComparison.run(new SimBackend(), s, TINY).estimate();
        assertThat(exact.exact()).isTrue();
        assertThat(c.estimate().exact()).isFalse();
        assertThat(c.estimate().pairs()).isEqualTo(5);
        assertThat(c.estimate().value()).isEqualTo(exact.value());
        assertThat(c.estimate().low()).isEqualTo(exact.value());
        assertThat(c.estimate().high()).isEqualTo(exact.value());
        assertThat(c.result().stepNs()).as("every measured step of the 5 distance runs").hasSize(5 * TINY.steps());
        assertThat(exact.value()).as("1000 km costs this model time").isLessThan(0.99);
        assertThat(exact.label()).endsWith("% (exact)");
    }

    @Test
    void shouldCallACellWithoutADistanceEffectNoMeasurableLossOnTheExactBackend() {
        // 10 m of fiber add 50 ns each way to a step of 6 ms (the equipment delay is in both runs).
        final Scenario near = ScenarioLoader.load("dci-1000km").withDistanceKm(0.01);
        final TrainComparison c = TrainComparison.run(new SimBackend(), near, TINY);
        assertThat(c.estimate().exact()).isTrue();
        assertThat(c.efficiency()).isLessThanOrEqualTo(1.0).isGreaterThan(1 - Efficiency.EXACT_TOLERANCE);
        assertThat(c.estimate().label()).isEqualTo("no measurable loss (exact)");
        // A 0 km cell is its own baseline, run once.
        final RecordingBackend backend = new RecordingBackend();
        assertThat(TrainComparison.run(backend, near.withDistanceKm(0), TINY, 5).estimate()).isEqualTo(Efficiency.exact(1));
        assertThat(backend.opened).containsExactly(link(near.withDistanceKm(0)));
    }

    @Test
    void shouldRefuseAnAbsurdNumberOfPairs() {
        final Scenario s = ScenarioLoader.load("dci-1000km");
        assertThatThrownBy(() -> TrainComparison.run(new SimBackend(), s, TINY, -1)).hasMessageContaining("--pairs -1 is out of range");
        assertThatThrownBy(() -> TrainComparison.run(new SimBackend(), s, TINY, 1_001)).hasMessageContaining("accepted: 1 to 1000");
    }
}
