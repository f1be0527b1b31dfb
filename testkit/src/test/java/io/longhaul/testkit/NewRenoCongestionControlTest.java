package io.longhaul.testkit;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.LossSample;
import io.longhaul.transport.cc.NewRenoCongestionControl;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NewRenoCongestionControlTest {
    private static final int MSS = 1200;
    private static final long RTT = 10_000_000L;
    private final CongestionControlConfig config = CongestionControlConfig.defaults(MSS);
    private final AckSample ack = new AckSample();
    private final LossSample loss = new LossSample();

    private void ack(final NewRenoCongestionControl cc, final long nowNs, final long sentNs, final long bytes) {
        cc.onRttSample(nowNs, RTT, RTT, RTT);
        cc.onAck(nowNs, ack.set(bytes, 0, sentNs, 0, 0, -1, false, RTT, RTT, RTT));
    }

    private void lose(final NewRenoCongestionControl cc, final long nowNs, final long sentNs) {
        cc.onLoss(nowNs, loss.set(MSS, 1, sentNs, 0, 0, false));
    }

    @Test
    void shouldGrowByAckedBytesInSlowStart() {
        final NewRenoCongestionControl cc = new NewRenoCongestionControl(config);
        ack(cc, 100, 0, 5 * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(15L * MSS);
        assertThat(cc.pacingRateBytesPerSecond()).isEqualTo((long) (1.25 * 15 * MSS * 1e9 / RTT));
    }

    @Test
    void shouldHalveOncePerRecoveryPeriod() {
        final NewRenoCongestionControl cc = new NewRenoCongestionControl(config);
        ack(cc, 1_000, 0, 30L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(40L * MSS);

        lose(cc, 2_000, 1_500);
        assertThat(cc.congestionWindowBytes()).isEqualTo(20L * MSS);
        assertThat(cc.slowStartThresholdBytes()).isEqualTo(20L * MSS);
        assertThat(cc.inRecovery()).isTrue();

        // More losses of packets sent before recovery started: same congestion event.
        lose(cc, 2_100, 1_600);
        lose(cc, 2_200, 2_000);
        assertThat(cc.congestionWindowBytes()).isEqualTo(20L * MSS);

        // ACKs of packets sent before recovery do not grow the window.
        ack(cc, 2_300, 1_900, 10L * MSS);
        assertThat(cc.congestionWindowBytes()).isEqualTo(20L * MSS);

        // An ACK of a packet sent after recovery started ends it; growth is now additive.
        ack(cc, 3_000, 2_500, 20L * MSS);
        assertThat(cc.inRecovery()).isFalse();
        assertThat(cc.congestionWindowBytes()).isEqualTo(21L * MSS);

        // A loss of a packet sent after recovery started is a new congestion event.
        lose(cc, 4_000, 2_600);
        assertThat(cc.congestionWindowBytes()).isEqualTo(21L * MSS / 2);
    }

    @Test
    void shouldGrowByOneDatagramPerWindowInCongestionAvoidance() {
        final NewRenoCongestionControl cc = new NewRenoCongestionControl(config);
        ack(cc, 1_000, 0, 30L * MSS);
        lose(cc, 2_000, 1_500);
        final long window = cc.congestionWindowBytes();
        for (int i = 0; i < 20; i++) {
            ack(cc, 3_000 + i, 2_500, MSS);
        }
        assertThat(cc.congestionWindowBytes()).isEqualTo(window + MSS);
    }

    @Test
    void shouldCollapseToTheMinimumWindowOnPersistentCongestion() {
        final NewRenoCongestionControl cc = new NewRenoCongestionControl(config);
        ack(cc, 1_000, 0, 30L * MSS);
        cc.onLoss(2_000, loss.set(10L * MSS, 10, 1_500, 0, 0, true));
        assertThat(cc.congestionWindowBytes()).isEqualTo(config.minimumWindowBytes());
        // The next loss, even of an old packet, reduces again from there, never below the minimum.
        lose(cc, 2_100, 1_000);
        assertThat(cc.congestionWindowBytes()).isEqualTo(config.minimumWindowBytes());
    }
}
