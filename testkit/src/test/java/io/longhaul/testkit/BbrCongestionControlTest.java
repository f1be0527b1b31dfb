package io.longhaul.testkit;

import io.longhaul.transport.cc.BbrCongestionControl;
import io.longhaul.transport.cc.BbrCongestionControl.Mode;
import io.longhaul.transport.cc.CongestionControlConfig;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BbrCongestionControlTest {
    private static final int MSS = 1250;
    private static final long RTT_NS = 10_000_000L;
    private static final long RATE_BITS = 100_000_000L;
    private static final double RATE_BYTES = RATE_BITS / 8.0;

    private static PathDriver path(final BbrCongestionControl cc, final long rateBits, final double loss, final long seed) {
        final long bdp = rateBits / 8 * RTT_NS / 1_000_000_000L;
        return new PathDriver(cc, rateBits, RTT_NS, bdp, loss, MSS, seed, 0);
    }

    /** Integrates the pacing rate over virtual time. */
    private static final class PacingAverage implements PathDriver.Observer {
        private long lastNs = Long.MIN_VALUE;
        private long lastRate;
        private double integral;
        private long spanNs;

        @Override
        public void onEvent(final long nowNs, final io.longhaul.transport.cc.CongestionControl cc) {
            if (lastNs != Long.MIN_VALUE) {
                integral += (double) lastRate * (nowNs - lastNs);
                spanNs += nowNs - lastNs;
            }
            lastNs = nowNs;
            lastRate = cc.pacingRateBytesPerSecond();
        }

        double average() {
            return integral / spanNs;
        }
    }

    @Test
    void shouldLeaveStartupAndSettleInProbeBwPacedAtTheBottleneckRate() {
        final BbrCongestionControl cc = new BbrCongestionControl(CongestionControlConfig.defaults(MSS));
        final PathDriver path = path(cc, RATE_BITS, 0, 1);
        final Set<Mode> seen = EnumSet.noneOf(Mode.class);
        path.runFor(1_000_000_000L, (now, c) -> seen.add(cc.mode()));
        assertThat(seen).contains(Mode.STARTUP, Mode.DRAIN, Mode.PROBE_BW_DOWN, Mode.PROBE_BW_CRUISE);
        assertThat(cc.filledPipe()).isTrue();

        final PacingAverage pacing = new PacingAverage();
        final long acked = path.ackedBytes();
        path.runFor(3_000_000_000L, pacing);
        assertThat(cc.mode().isProbeBw()).as("%s", cc).isTrue();
        assertThat((double) cc.maxBandwidthBytesPerSecond()).isCloseTo(RATE_BYTES, within(0.03 * RATE_BYTES));
        assertThat((double) cc.minRttNs()).isCloseTo(RTT_NS, within(0.02 * RTT_NS));
        assertThat(pacing.average() / RATE_BYTES).as("average pacing / bottleneck").isBetween(0.95, 1.05);
        assertThat((path.ackedBytes() - acked) / (RATE_BYTES * 3)).as("utilization").isGreaterThan(0.95);
    }

    @Test
    void shouldKeepPacingNearTheBottleneckRateAtOnePercentRandomLoss() {
        final long rateBits = 1_000_000_000L;
        final double rateBytes = rateBits / 8.0;
        final BbrCongestionControl cc = new BbrCongestionControl(CongestionControlConfig.defaults(MSS));
        final PathDriver path = path(cc, rateBits, 0.01, 2024);
        path.runFor(2_000_000_000L);
        final PacingAverage pacing = new PacingAverage();
        final long sent = path.sentBytes();
        path.runFor(4_000_000_000L, pacing);
        assertThat(pacing.average() / rateBytes).as("average pacing / bottleneck at 1%% loss, seed 2024; %s", cc)
            .isGreaterThanOrEqualTo(0.90);
        assertThat((path.sentBytes() - sent) / (rateBytes * 4)).as("link utilization at 1%% loss, seed 2024; %s", cc)
            .isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void shouldProbeRttAboutEveryFiveSecondsAtHalfTheBdp() {
        final BbrCongestionControl cc = new BbrCongestionControl(CongestionControlConfig.defaults(MSS));
        final PathDriver path = path(cc, RATE_BITS, 0, 3);
        final long[] firstProbeRtt = {-1};
        final long[] lastProbeRtt = {-1};
        final long[] maxWindowInProbeRtt = {0};
        path.runFor(8_000_000_000L, (now, c) -> {
            if (cc.mode() == Mode.PROBE_RTT) {
                if (firstProbeRtt[0] < 0) {
                    firstProbeRtt[0] = now;
                }
                if (firstProbeRtt[0] >= 0 && now - firstProbeRtt[0] < 1_000_000_000L) {
                    lastProbeRtt[0] = now;
                    maxWindowInProbeRtt[0] = Math.max(maxWindowInProbeRtt[0], c.congestionWindowBytes());
                }
            }
        });
        assertThat(firstProbeRtt[0]).as("first ProbeRTT").isBetween(5_000_000_000L, 6_000_000_000L);
        assertThat(lastProbeRtt[0] - firstProbeRtt[0]).as("time in ProbeRTT").isBetween(200_000_000L, 300_000_000L);
        final double bdp = RATE_BYTES * RTT_NS * 1e-9;
        assertThat((double) maxWindowInProbeRtt[0]).as("cwnd in ProbeRTT").isLessThanOrEqualTo(0.5 * bdp + 2 * MSS);
        assertThat(cc.mode().isProbeBw()).isTrue();
    }

    @Test
    void shouldLeaveStartupEarlyWhenARoundLosesTooMuch() {
        final BbrCongestionControl cc = new BbrCongestionControl(CongestionControlConfig.defaults(MSS));
        final PathDriver path = path(cc, RATE_BITS, 0.1, 5);
        path.runFor(300_000_000L);
        assertThat(cc.filledPipe()).isTrue();
        assertThat(cc.mode()).isNotEqualTo(Mode.STARTUP);
    }
}
