package io.longhaul.harness.train;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The training model on the simulated backend, in virtual time: exact and reproducible. */
class TrainingLoopTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** 1 MiB of float32 in 256 KiB buckets, 3 ms forward, 6 ms backward, 3 steps after 1 warm-up. */
    private static final TrainConfig SMALL = new TrainConfig(1L << 20, 256L << 10, 3 * MS, 6 * MS, 3, 1, DataType.FLOAT32);
    private static final SimBackend SIM = new SimBackend();

    private static Scenario twoDcs(final double km) {
        return ScenarioLoader.load("dci-1000km").withDistanceKm(km).withAlgorithm(Algorithm.HIER);
    }

    @Test
    void shouldTakeComputePlusTheTailOfTheLastBucketOnAFastNetwork() {
        final Scenario local = ScenarioLoader.parse("dcs: [{name: dc, ranks: 2}]\nlinks: {intra: delay=1us}\n", "fast.yaml", "test");
        final TrainResult r = TrainComparison.runOnce(SIM, local, SMALL);
        // The tail: one all-reduce of the last bucket, alone on the network.
        final long tail;
        try (Cluster c = SIM.open(ClusterSpec.of(local))) {
            // Warm the connections first, as the training steps (after their warm-up step) find them.
            long t0 = 0;
            for (int round = 0; round < 2; round++) {
                final List<CompletableFuture<?>> fs = new ArrayList<>();
                t0 = c.nowNs();
                for (final Communicator comm : c.communicators()) {
                    fs.add(comm.allReduceAsync(ByteBuffer.allocateDirect(256 << 10), 65536, DataType.FLOAT32, ReduceOp.SUM));
                }
                c.await(fs, TimeUnit.SECONDS.toNanos(10));
            }
            tail = c.nowNs() - t0;
        }
        assertThat(r.stepNs()).hasSize(3);
        for (final long step : r.stepNs()) {
            assertThat(step).isGreaterThan(SMALL.computeNs());
            assertThat((double) step - SMALL.computeNs()).isCloseTo(tail, within(0.25 * MS + 0.1 * tail));
        }
        assertThat(r.exposedNs()).isCloseTo(r.meanStepNs() - 9 * MS, within(1e-6));
        assertThat(r.computeFraction()).isBetween(0.5, 1.0);
    }

    @Test
    void shouldHaveEfficiencyOneAtZeroKm() {
        final TrainComparison c = TrainComparison.run(SIM, twoDcs(0), SMALL);
        assertThat(c.efficiency()).isEqualTo(1.0);
        assertThat(c.result().stepNs()).isEqualTo(c.baseline().stepNs());
        assertThat(c.distanceCostNs()).isZero();
    }

    @Test
    void shouldLoseEfficiencyAndExposeMoreCommunicationWithDistance() {
        final TrainComparison at10 = TrainComparison.run(SIM, twoDcs(10), SMALL);
        final TrainComparison at100 = TrainComparison.run(SIM, twoDcs(100), SMALL);
        final TrainComparison at1000 = TrainComparison.run(SIM, twoDcs(1000), SMALL);
        assertThat(at1000.efficiency()).isLessThan(0.9);
        assertThat(at1000.efficiency()).isLessThan(at100.efficiency());
        assertThat(at100.efficiency()).isLessThanOrEqualTo(at10.efficiency());
        assertThat(at10.result().exposedNs()).isLessThan(at100.result().exposedNs());
        assertThat(at100.result().exposedNs()).isLessThan(at1000.result().exposedNs());
        // 1000 km adds at least one round trip (2 x 4.9 ms) to each step's tail.
        assertThat(at1000.distanceCostNs()).isGreaterThan(9.8 * MS);
    }

    @Test
    void shouldReproduceEveryStepExactlyFromTheSeed() {
        final TrainResult a = TrainComparison.runOnce(SIM, twoDcs(100), SMALL);
        final TrainResult b = TrainComparison.runOnce(SIM, twoDcs(100), SMALL);
        assertThat(a.stepNs()).isEqualTo(b.stepNs());
    }

    @Test
    void shouldSplitTheGradientIntoBucketsWithASmallerLastOne() {
        final TrainConfig c = new TrainConfig(10 << 20, 4 << 20, 0, MS, 1, 0, DataType.BF16);
        assertThat(c.bucketSizes()).containsExactly(4L << 20, 4L << 20, 2L << 20);
        assertThat(TrainConfig.defaults().bucketSizes()).hasSize(4);
        assertThat(TrainConfig.defaults().computeNs()).isEqualTo(90 * MS);
    }

    @Test
    void shouldRejectConfigurationsOutOfRange() {
        assertThatThrownBy(() -> new TrainConfig(1 << 20, 2 << 20, 0, 0, 1, 0, DataType.FLOAT32))
            .hasMessageContaining("--bucket-size 2 MiB is out of range; accepted: a whole number of float elements from 4 B to the gradient size (1 MiB)");
        assertThatThrownBy(() -> new TrainConfig(6, 2, 0, 0, 1, 0, DataType.FLOAT32)).hasMessageContaining("not a whole number of float elements");
        assertThatThrownBy(() -> SMALL.withSteps(0, 0)).hasMessageContaining("--steps 0 is out of range");
        assertThatThrownBy(() -> SMALL.withCompute(-1, 0)).hasMessageContaining("accepted: 0 to 1 h each");
    }
}
