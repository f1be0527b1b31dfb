package io.longhaul.transport.cc;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BBR decides that inflight is too high, that Startup hit a full pipe, and that the lower bounds
 * must shrink only when the loss rate is significantly above {@code loss_thresh}. Random loss at
 * half the threshold must not pass for congestion at any window size; a queue overflow must.
 */
class BbrLossSignificanceTest {
    private static final int MSS = 1472;
    private final BbrCongestionControl bbr = new BbrCongestionControl(
        new CongestionControlConfig(MSS, 10L * MSS, 2L * MSS, Map.of()));

    private boolean lossy(final long lostPackets, final long packets) {
        return bbr.lossExceedsThreshold(lostPackets * MSS, packets * MSS);
    }

    @Test
    void shouldNotReadOnePercentRandomLossAsCongestionAtAnyWindow() {
        final SplittableRandom random = new SplittableRandom(42);
        for (final int packets : new int[] {10, 30, 100, 300, 1_000, 10_000}) {
            int falseAlarms = 0;
            final int trials = 20_000;
            for (int t = 0; t < trials; t++) {
                int lost = 0;
                for (int i = 0; i < packets; i++) {
                    if (random.nextDouble() < 0.01) {
                        lost++;
                    }
                }
                if (lossy(lost, packets)) {
                    falseAlarms++;
                }
            }
            assertThat((double) falseAlarms / trials).as("false alarms over %d packets", packets).isLessThanOrEqualTo(1e-3);
        }
    }

    @Test
    void shouldReadAQueueOverflowAsCongestion() {
        assertThat(lossy(5, 30)).as("17% of a 30-packet round").isTrue();
        assertThat(lossy(20, 200)).as("10% of a 200-packet round").isTrue();
        assertThat(lossy(60, 1_000)).as("6% of 1000 packets").isTrue();
        assertThat(lossy(300, 10_000)).as("3% of 10000 packets").isTrue();
        assertThat(lossy(1, 30)).as("one loss in 30 packets is not 2%+ beyond doubt").isFalse();
        assertThat(lossy(0, 0)).isFalse();
    }
}
