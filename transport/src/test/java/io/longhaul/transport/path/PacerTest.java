package io.longhaul.transport.path;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {
    private static final long RATE = 12_500_000L; // 100 Mbit/s in bytes per second
    private static final int DATAGRAM = 1472;
    private static final long NS_PER_DATAGRAM = DATAGRAM * 1_000_000_000L / RATE; // 117.76 us

    /** Sends everything the pacer allows at {@code nowNs}; @return bytes sent. */
    private static long sendAllowed(final Pacer pacer, final long nowNs, final long depthNs, final boolean[] hostLimited) {
        long sent = 0;
        while (pacer.ready(nowNs)) {
            if (pacer.onSent(nowNs, DATAGRAM, RATE, depthNs)) {
                hostLimited[0] = true;
            }
            sent += DATAGRAM;
        }
        pacer.hold();
        return sent;
    }

    @Test
    void shouldKeepItsRateWhenEveryWakeUpIsLateButWithinTheDepth() {
        final long quantum = Pacer.quantumBytes(RATE, 1_000_000, DATAGRAM);
        final long lateness = 400_000;
        final long depth = Pacer.depthNs(RATE, quantum, lateness, 2_000_000, Long.MAX_VALUE, DATAGRAM);
        final Pacer pacer = new Pacer();
        final SplittableRandom random = new SplittableRandom(7);
        final boolean[] hostLimited = {false};
        long now = 0;
        long sent = sendAllowed(pacer, now, depth, hostLimited);
        final long end = 1_000_000_000L;
        while (now < end) {
            now = pacer.wakeTimeNs(RATE, quantum, DATAGRAM) + random.nextLong(lateness);
            sent += sendAllowed(pacer, now, depth, hostLimited);
        }
        final double rate = sent * 1e9 / now;
        assertThat(rate).isBetween(0.99 * RATE, 1.01 * RATE);
        assertThat(hostLimited[0]).isFalse();
        assertThat(pacer.lostNs()).isZero();
    }

    @Test
    void shouldSendOneQuantumPerWakeUpWhenWokenOnTime() {
        final long quantum = Pacer.quantumBytes(RATE, 1_000_000, DATAGRAM);
        final long depth = Pacer.depthNs(RATE, quantum, 0, 2_000_000, Long.MAX_VALUE, DATAGRAM);
        final Pacer pacer = new Pacer();
        final boolean[] hostLimited = {false};
        sendAllowed(pacer, 0, depth, hostLimited);
        for (int i = 0; i < 10; i++) {
            final long wake = pacer.wakeTimeNs(RATE, quantum, DATAGRAM);
            assertThat(sendAllowed(pacer, wake, depth, hostLimited)).isEqualTo(quantum / DATAGRAM * DATAGRAM);
        }
        assertThat(hostLimited[0]).isFalse();
    }

    @Test
    void shouldReportTheHostWhenAWakeUpIsLaterThanTheBucketCovers() {
        final long depth = 1_000_000;
        final Pacer pacer = new Pacer();
        final boolean[] hostLimited = {false};
        sendAllowed(pacer, 0, depth, hostLimited);
        final long due = pacer.nextSendTimeNs();
        final long stall = 5_000_000;
        final long sent = sendAllowed(pacer, due + stall, depth, hostLimited);
        assertThat(hostLimited[0]).isTrue();
        assertThat(pacer.lostNs()).isEqualTo(stall - depth);
        assertThat(pacer.hostLimitedSends()).isEqualTo(1);
        // The burst after the stall is the bucket's depth (plus the packet that may go at zero credit).
        assertThat(sent).isBetween(depth / NS_PER_DATAGRAM * DATAGRAM, (depth / NS_PER_DATAGRAM + 2) * DATAGRAM);
    }

    @Test
    void shouldNotBlameTheHostForCreditLostWhileTheSenderHadNothingToSend() {
        final Pacer pacer = new Pacer();
        pacer.onSent(0, DATAGRAM, RATE, 1_000_000);
        pacer.release();
        assertThat(pacer.onSent(50_000_000, DATAGRAM, RATE, 1_000_000)).isFalse();
        pacer.hold();
        pacer.release();
        assertThat(pacer.onSent(100_000_000, DATAGRAM, RATE, 1_000_000)).isFalse();
        assertThat(pacer.lostNs()).isZero();
    }

    @Test
    void shouldLetEveryPacketGoWhenUnpaced() {
        final Pacer pacer = new Pacer();
        for (int i = 0; i < 100; i++) {
            assertThat(pacer.ready(5)).isTrue();
            assertThat(pacer.onSent(5, DATAGRAM, Long.MAX_VALUE, 0)).isFalse();
        }
    }

    @Test
    void shouldBoundTheDepthByTwoDatagramsTheMaximumBurstAndTheWindow() {
        final long quantum = Pacer.quantumBytes(RATE, 1_000_000, DATAGRAM);
        assertThat(quantum).isEqualTo(12_500);
        assertThat(Pacer.quantumBytes(RATE, 1_000, DATAGRAM)).isEqualTo(2L * DATAGRAM);
        assertThat(Pacer.quantumBytes(125_000_000_000L, 1_000_000, DATAGRAM)).isEqualTo(Pacer.MAX_QUANTUM_BYTES);
        assertThat(Pacer.quantumBytes(125_000_000_000L, 1_000_000, 65_000)).isEqualTo(130_000);
        // quantum (1 ms) + lateness (300 us)
        assertThat(Pacer.depthNs(RATE, quantum, 300_000, 2_000_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(1_300_000);
        // a 5 ms lateness is capped at the maximum burst
        assertThat(Pacer.depthNs(RATE, quantum, 5_000_000, 2_000_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(2_000_000);
        // never more than the window (5 datagrams here: 588.8 us at 100 Mbit/s)
        assertThat(Pacer.depthNs(RATE, quantum, 0, 2_000_000, 5L * DATAGRAM, DATAGRAM)).isEqualTo(588_800);
        // never less than two datagrams
        assertThat(Pacer.depthNs(RATE, DATAGRAM, 0, 1_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(2 * DATAGRAM * 1_000_000_000L / RATE);
    }
}
