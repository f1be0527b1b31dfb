package io.longhaul.transport.path;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {
    private static final long RATE = 12_500_000L; // 100 Mbit/s in bytes per second
    private static final int DATAGRAM = 1472;
    private static final long NS_PER_DATAGRAM = DATAGRAM * 1_000_000_000L / RATE; // 117.76 us

    private static final long QUANTUM = Pacer.quantumBytes(RATE, 1_000_000, DATAGRAM);
    private static final long LEAD = Pacer.leadNs(RATE, QUANTUM, DATAGRAM);

    /** Sends everything the pacer allows at {@code nowNs}; @return bytes sent. */
    private static long sendAllowed(final Pacer pacer, final long nowNs, final long depthNs, final boolean[] hostLimited) {
        long sent = 0;
        while (pacer.ready(nowNs)) {
            if (pacer.onSent(nowNs, DATAGRAM, RATE, LEAD, depthNs)) {
                hostLimited[0] = true;
            }
            sent += DATAGRAM;
        }
        pacer.hold();
        return sent;
    }

    @Test
    void shouldKeepItsRateWhenEveryWakeUpIsLateButWithinTheDepth() {
        final long lateness = 400_000;
        final long depth = Pacer.depthNs(RATE, LEAD, lateness, 2_000_000, Long.MAX_VALUE, DATAGRAM);
        final Pacer pacer = new Pacer();
        final SplittableRandom random = new SplittableRandom(7);
        final boolean[] hostLimited = {false};
        long now = 0;
        long sent = sendAllowed(pacer, now, depth, hostLimited);
        final long end = 1_000_000_000L;
        while (now < end) {
            now = pacer.wakeTimeNs() + random.nextLong(lateness);
            sent += sendAllowed(pacer, now, depth, hostLimited);
        }
        final double rate = sent * 1e9 / now;
        assertThat(rate).isBetween(0.99 * RATE, 1.01 * RATE);
        assertThat(hostLimited[0]).isFalse();
        assertThat(pacer.lostNs()).isZero();
    }

    @Test
    void shouldSendOneQuantumPerWakeUpWhenWokenOnTime() {
        final long depth = Pacer.depthNs(RATE, LEAD, 0, 2_000_000, Long.MAX_VALUE, DATAGRAM);
        final Pacer pacer = new Pacer();
        final boolean[] hostLimited = {false};
        sendAllowed(pacer, 0, depth, hostLimited);
        long previous = pacer.wakeTimeNs();
        for (int i = 0; i < 10; i++) {
            final long wake = pacer.wakeTimeNs();
            final long sent = sendAllowed(pacer, wake, depth, hostLimited);
            assertThat(sent).isBetween(QUANTUM / DATAGRAM * DATAGRAM, (QUANTUM / DATAGRAM + 1) * DATAGRAM);
            if (i > 0) {
                // Wake-ups come one quantum apart, and the first packet of each goes at once.
                assertThat(pacer.wakeTimeNs() - wake).isCloseTo(sent * 1_000_000_000L / RATE, org.assertj.core.data.Offset.offset(2L));
            }
            previous = wake;
        }
        assertThat(previous).isPositive();
        assertThat(hostLimited[0]).isFalse();
    }

    @Test
    void shouldReportTheHostWhenAWakeUpIsLaterThanTheBucketCovers() {
        final long depth = 1_000_000;
        final Pacer pacer = new Pacer();
        final boolean[] hostLimited = {false};
        sendAllowed(pacer, 0, depth, hostLimited);
        final long due = pacer.wakeTimeNs();
        final long stall = 5_000_000;
        final long sent = sendAllowed(pacer, due + stall, depth, hostLimited);
        assertThat(hostLimited[0]).isTrue();
        assertThat(pacer.lostNs()).isEqualTo(stall - depth);
        assertThat(pacer.hostLimitedSends()).isEqualTo(1);
        // The burst after the stall is the bucket's depth plus one quantum.
        assertThat(sent).isBetween((depth + LEAD) / NS_PER_DATAGRAM * DATAGRAM, ((depth + LEAD) / NS_PER_DATAGRAM + 2) * DATAGRAM);
    }

    @Test
    void shouldNotBlameTheHostForCreditLostWhileTheSenderHadNothingToSend() {
        final Pacer pacer = new Pacer();
        pacer.onSent(0, DATAGRAM, RATE, LEAD, 1_000_000);
        pacer.release();
        assertThat(pacer.onSent(50_000_000, DATAGRAM, RATE, LEAD, 1_000_000)).isFalse();
        pacer.hold();
        pacer.release();
        assertThat(pacer.onSent(100_000_000, DATAGRAM, RATE, LEAD, 1_000_000)).isFalse();
        assertThat(pacer.lostNs()).isZero();
    }

    @Test
    void shouldLetEveryPacketGoWhenUnpaced() {
        final Pacer pacer = new Pacer();
        for (int i = 0; i < 100; i++) {
            assertThat(pacer.ready(5)).isTrue();
            assertThat(pacer.onSent(5, DATAGRAM, Long.MAX_VALUE, 0, 0)).isFalse();
        }
    }

    @Test
    void shouldBoundTheDepthByTwoDatagramsTheMaximumBurstAndTheWindow() {
        assertThat(QUANTUM).isEqualTo(12_500);
        assertThat(LEAD).isEqualTo((12_500 - DATAGRAM) * 1_000_000_000L / RATE);
        assertThat(Pacer.quantumBytes(RATE, 1_000, DATAGRAM)).isEqualTo(2L * DATAGRAM);
        assertThat(Pacer.quantumBytes(125_000_000_000L, 1_000_000, DATAGRAM)).isEqualTo(Pacer.MAX_QUANTUM_BYTES);
        assertThat(Pacer.quantumBytes(125_000_000_000L, 1_000_000, 65_000)).isEqualTo(130_000);
        // the measured lateness
        assertThat(Pacer.depthNs(RATE, LEAD, 300_000, 2_000_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(300_000);
        // a 5 ms lateness: depth plus lead capped at the maximum burst
        assertThat(Pacer.depthNs(RATE, LEAD, 5_000_000, 2_000_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(2_000_000 - LEAD);
        // never more than the window (10 datagrams here: 1177.6 us at 100 Mbit/s) with the lead
        assertThat(Pacer.depthNs(RATE, LEAD, 5_000_000, 2_000_000, 10L * DATAGRAM, DATAGRAM)).isEqualTo(1_177_600 - LEAD);
        // never less than two datagrams
        assertThat(Pacer.depthNs(RATE, LEAD, 0, 2_000_000, Long.MAX_VALUE, DATAGRAM)).isEqualTo(235_520);
    }
}
