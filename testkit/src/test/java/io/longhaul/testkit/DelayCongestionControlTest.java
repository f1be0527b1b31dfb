package io.longhaul.testkit;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.DelayCongestionControl;
import io.longhaul.transport.cc.LossSample;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DelayCongestionControlTest {
    private static final int MSS = 1000;
    private static final long BASE_RTT = 10_000_000L;
    private final AckSample ack = new AckSample();

    /** One ACK with a smoothed RTT of 15 ms; every ACK starts a new round. */
    private void ack(final DelayCongestionControl cc, final long nowNs, final long rttNs, final long bytes, final long delivered) {
        ack(cc, nowNs, rttNs, bytes, delivered, delivered - bytes);
    }

    private void ack(final DelayCongestionControl cc, final long nowNs, final long rttNs, final long bytes, final long delivered,
        final long priorDelivered) {
        final long srtt = 15_000_000L;
        cc.onRttSample(nowNs, rttNs, BASE_RTT, srtt);
        cc.onAck(nowNs, ack.set(bytes, 0, nowNs - rttNs, delivered, priorDelivered, -1, false, rttNs, BASE_RTT, srtt));
    }

    @Test
    void shouldDefaultTheTargetToATenthOfTheBaseRttButAtLeast100Microseconds() {
        final DelayCongestionControl cc = new DelayCongestionControl(CongestionControlConfig.defaults(MSS));
        assertThat(cc.targetNs()).isEqualTo(100_000L);
        ack(cc, 1, BASE_RTT, MSS, MSS);
        assertThat(cc.targetNs()).isEqualTo(1_000_000L);
        final DelayCongestionControl configured = new DelayCongestionControl(
            CongestionControlConfig.defaults(MSS).withParameters(Map.of("target", "2ms")));
        assertThat(configured.targetNs()).isEqualTo(2_000_000L);
    }

    @Test
    void shouldDecreaseInProportionToTheExcessDelayAtMostOncePerRtt() {
        final DelayCongestionControl cc = new DelayCongestionControl(CongestionControlConfig.defaults(MSS));
        ack(cc, 1_000, BASE_RTT, 90L * MSS, 90L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(100L * MSS);
        // RTT 15 ms against a target of 10 + 1 ms: factor 1 - 0.8 * 4 / 15.
        ack(cc, 2_000, 15_000_000L, MSS, 91L * MSS);
        assertThat(cc.inSlowStart()).isFalse();
        final long expected = (long) (100.0 * MSS * (1 - 0.8 * 4 / 15.0));
        assertThat(cc.congestionWindowBytes()).isEqualTo(expected);
        // Within the same RTT: no further decrease.
        ack(cc, 3_000, 40_000_000L, MSS, 92L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(expected);
        // A smoothed RTT later, a huge delay is capped by max_mdf = 0.5.
        ack(cc, 2_000 + 15_000_000L, 400_000_000L, MSS, 93L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(expected / 2);
    }

    @Test
    void shouldIncreaseAdditivelyBelowTheTargetAfterSlowStart() {
        final DelayCongestionControl cc = new DelayCongestionControl(CongestionControlConfig.defaults(MSS));
        ack(cc, 1_000, BASE_RTT, 90L * MSS, 90L * MSS);
        cc.onLoss(2_000, new LossSample().set(MSS, 1, 1_500, 0, 0, false));
        assertThat(cc.congestionWindowBytes()).isEqualTo(50L * MSS);
        // One round of 50 ACKs (all sent after the round began): one datagram of growth.
        long delivered = 90L * MSS;
        for (int i = 0; i < 50; i++) {
            delivered += MSS;
            ack(cc, 3_000 + i, BASE_RTT, MSS, delivered, 90L * MSS);
        }
        assertThat(cc.congestionWindowBytes()).isBetween(50L * MSS + MSS / 2, 51L * MSS);
    }

    @Test
    void shouldKeepTheQueueNearTheTargetOnASimulatedPath() {
        final DelayCongestionControl cc = new DelayCongestionControl(CongestionControlConfig.defaults(1250));
        final long rateBits = 100_000_000L;
        final PathDriver path = new PathDriver(cc, rateBits, BASE_RTT, 4 * rateBits / 8 / 100, 0, 1250, 9, 0);
        path.runFor(1_000_000_000L);
        final long acked = path.ackedBytes();
        final double[] maxRtt = {0};
        path.runFor(2_000_000_000L, (now, c) -> maxRtt[0] = Math.max(maxRtt[0], path.smoothedRttNs()));
        assertThat(maxRtt[0]).as("smoothed RTT with a 1 ms target").isLessThan(BASE_RTT + 3 * 1_000_000.0);
        assertThat((path.ackedBytes() - acked) / (rateBits / 8.0 * 2)).as("utilization").isGreaterThan(0.9);
    }
}
