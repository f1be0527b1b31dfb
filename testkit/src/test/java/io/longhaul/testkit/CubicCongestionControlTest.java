package io.longhaul.testkit;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.CubicCongestionControl;
import io.longhaul.transport.cc.LossSample;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CubicCongestionControlTest {
    private static final int MSS = 1000;
    private static final long RTT = 10_000_000L;
    private final CongestionControlConfig config = CongestionControlConfig.defaults(MSS);
    private final AckSample ack = new AckSample();
    private final LossSample loss = new LossSample();

    private void ack(final CubicCongestionControl cc, final long nowNs, final long sentNs, final long bytes) {
        cc.onRttSample(nowNs, RTT, RTT, RTT);
        cc.onAck(nowNs, ack.set(bytes, 0, sentNs, 0, 0, -1, false, RTT, RTT, RTT));
    }

    @Test
    void shouldComputeKAsInRfc9438() {
        // K = cbrt(W_max (1 - beta) / C) when the epoch starts at beta * W_max.
        assertThat(CubicCongestionControl.kSeconds(100, 70)).isCloseTo(Math.cbrt(30 / 0.4), within(1e-12));
        assertThat(CubicCongestionControl.kSeconds(100, 70)).isCloseTo(4.2172, within(1e-4));
        assertThat(CubicCongestionControl.kSeconds(100, 120)).isZero();
        assertThat(CubicCongestionControl.cubicWindowSegments(CubicCongestionControl.kSeconds(100, 70), CubicCongestionControl.kSeconds(100, 70), 100))
            .isCloseTo(100, within(1e-9));
        assertThat(CubicCongestionControl.cubicWindowSegments(0, CubicCongestionControl.kSeconds(100, 70), 100)).isCloseTo(70, within(1e-9));
        assertThat(CubicCongestionControl.ALPHA).isCloseTo(3 * 0.3 / 1.7, within(1e-12));
    }

    @Test
    void shouldSetTheWindowToBetaTimesWmaxAfterALoss() {
        final CubicCongestionControl cc = new CubicCongestionControl(config);
        ack(cc, 1_000, 0, 90L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(100L * MSS);
        cc.onLoss(2_000, loss.set(MSS, 1, 1_500, 0, 0, false));
        assertThat(cc.wMaxBytes()).isEqualTo(100L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(70L * MSS);
        // Same recovery period: no second reduction.
        cc.onLoss(2_100, loss.set(MSS, 1, 1_900, 0, 0, false));
        assertThat(cc.congestionWindowBytes()).isEqualTo(70L * MSS);
        // A new congestion event below W_max: fast convergence lowers W_max to cwnd (1 + beta) / 2.
        cc.onLoss(3_000, loss.set(MSS, 1, 2_500, 0, 0, false));
        assertThat(cc.wMaxBytes()).isEqualTo((long) (70 * MSS * 1.7 / 2));
        assertThat(cc.congestionWindowBytes()).isEqualTo(49L * MSS);
    }

    @Test
    void shouldClimbBackToWmaxAfterKSeconds() {
        // Long RTT and large W_max, so that the cubic curve, not the Reno-friendly line, governs.
        final long rtt = 100_000_000L;
        final CubicCongestionControl cc = new CubicCongestionControl(config);
        cc.onRttSample(1_000, rtt, rtt, rtt);
        cc.onAck(1_000, ack.set(990L * MSS, 0, 0, 0, 0, -1, false, rtt, rtt, rtt));
        final long lossNs = 2_000;
        cc.onLoss(lossNs, loss.set(MSS, 1, 1_500, 0, 0, false));
        assertThat(cc.congestionWindowBytes()).isEqualTo(700L * MSS);
        final double kNs = CubicCongestionControl.kSeconds(1000, 700) * 1e9;
        long halfway = -1;
        long now = lossNs + 1;
        // One window of ACKs per RTT, until K has passed.
        while (now - lossNs < kNs) {
            final long window = cc.congestionWindowBytes();
            for (long acked = 0; acked < window; acked += MSS) {
                final long t = now + acked * rtt / window;
                cc.onRttSample(t, rtt, rtt, rtt);
                cc.onAck(t, ack.set(MSS, 0, now, 0, 0, -1, false, rtt, rtt, rtt));
            }
            now += rtt;
            if (halfway < 0 && now - lossNs >= kNs / 2) {
                halfway = cc.congestionWindowBytes();
            }
        }
        // Concave region: W(K/2) = W_max - C (K/2)^3 segments, reached one RTT ahead.
        final double expectedHalfway = 1000 - 0.4 * Math.pow(kNs / 2e9, 3);
        assertThat(halfway / (double) MSS).isCloseTo(expectedHalfway, within(15.0));
        assertThat(cc.congestionWindowBytes() / (double) MSS).isCloseTo(1000.0, within(15.0));
    }

    @Test
    void shouldFollowTheRenoFriendlyWindowWhenItIsLarger() {
        // With a tiny W_max reduction region, a long RTT makes W_est outgrow W_cubic.
        final CubicCongestionControl cc = new CubicCongestionControl(config);
        ack(cc, 1_000, 0, 10L * MSS);
        cc.onLoss(2_000, loss.set(MSS, 1, 1_500, 0, 0, false));
        final long start = cc.congestionWindowBytes();
        // Many ACKs in a very short time: t stays ~0, so W_cubic(t) ~ beta * W_max; only W_est grows.
        for (int i = 0; i < 1_000; i++) {
            ack(cc, 3_000 + i, 2_500, MSS);
        }
        assertThat(cc.congestionWindowBytes()).isGreaterThan(start);
    }
}
