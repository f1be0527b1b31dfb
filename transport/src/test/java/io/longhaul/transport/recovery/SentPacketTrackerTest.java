package io.longhaul.transport.recovery;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SentPacketTrackerTest {
    private static final class Recorder implements SentPacketTracker.Listener<Integer> {
        final List<Integer> acked = new ArrayList<>();
        final List<Integer> lost = new ArrayList<>();
        int spurious;

        @Override
        public void onAcked(final Integer message, final int chunk, final boolean wasDeclaredLost) {
            acked.add(chunk);
            if (wasDeclaredLost) {
                spurious++;
            }
        }

        @Override
        public void onLost(final Integer message, final int chunk) {
            lost.add(chunk);
        }
    }

    @Test
    void shouldAgreeWithANaiveModelUnderRandomAckRanges() {
        for (long seed = 1; seed <= 50; seed++) {
            final SplittableRandom r = new SplittableRandom(seed);
            final SentPacketTracker<Integer> tracker = new SentPacketTracker<>(16, 1 << 16);
            final Recorder rec = new Recorder();
            final BitSet ackedModel = new BitSet();
            long now = 0;
            int sent = 0;
            long inflightModel = 0;
            for (int step = 0; step < 500; step++) {
                final int burst = r.nextInt(20);
                for (int i = 0; i < burst; i++) {
                    tracker.onSent(now, 100, 1, sent++);
                    inflightModel += 100;
                }
                now += 1_000;
                if (sent == 0) {
                    continue;
                }
                // A receiver that saw a random subset: acknowledge a few random ranges.
                tracker.beginAck();
                final int ranges = 1 + r.nextInt(4);
                for (int k = 0; k < ranges; k++) {
                    final long hi = r.nextInt(sent);
                    final long lo = Math.max(0, hi - r.nextInt(10));
                    final int before = rec.acked.size();
                    assertThat(tracker.onAckRange(lo, hi, now, rec)).isTrue();
                    int newly = 0;
                    for (long pn = lo; pn <= hi; pn++) {
                        if (!ackedModel.get((int) pn)) {
                            ackedModel.set((int) pn);
                            newly++;
                        }
                    }
                    assertThat(rec.acked.size() - before).as("seed=%d newly acked in [%d,%d]", seed, lo, hi).isEqualTo(newly);
                }
                tracker.endAck(-1);
                tracker.detectLosses(now, 3_000, 3, rec);
                // Keep lost packets tracked so that every late ACK is seen (and counted as spurious).
                tracker.advanceBase(-1);
            }
            assertThat(rec.acked).doesNotHaveDuplicates();
            assertThat(rec.acked).hasSize(ackedModel.cardinality());
            assertThat(rec.lost).doesNotHaveDuplicates();
            final long ackedNotLost = rec.acked.size() - rec.spurious;
            assertThat(tracker.bytesInFlight()).as("seed=%d", seed)
                .isEqualTo(inflightModel - 100 * (ackedNotLost + rec.lost.size()));
            assertThat(tracker.spuriousRetransmissions()).isEqualTo(rec.spurious);
        }
    }

    @Test
    void shouldDeclareLossByPacketThresholdAndByTime() {
        final SentPacketTracker<Integer> tracker = new SentPacketTracker<>(16, 1024);
        final Recorder rec = new Recorder();
        for (int i = 0; i < 10; i++) {
            tracker.onSent(i * 10L, 100, 1, i);
        }
        tracker.beginAck();
        tracker.onAckRange(5, 5, 1_000, rec);
        tracker.endAck(-1);
        // Packets 0..2 are three or more below the largest acknowledged (5): lost by count.
        tracker.detectLosses(1_000, 5_000, 3, rec);
        assertThat(rec.lost).containsExactly(0, 1, 2);
        // 3 and 4 are lost once they were sent more than the loss delay ago.
        assertThat(tracker.lossTimeNs()).isEqualTo(30 + 5_000);
        tracker.detectLosses(5_030, 5_000, 3, rec);
        assertThat(rec.lost).containsExactly(0, 1, 2, 3);
        tracker.detectLosses(5_040, 5_000, 3, rec);
        assertThat(rec.lost).containsExactly(0, 1, 2, 3, 4);
        assertThat(tracker.lossTimeNs()).isEqualTo(Long.MAX_VALUE);
        // A late ACK for a packet declared lost is a spurious retransmission.
        tracker.beginAck();
        tracker.onAckRange(1, 1, 6_000, rec);
        assertThat(tracker.spuriousRetransmissions()).isEqualTo(1);
        assertThat(rec.spurious).isEqualTo(1);
    }

    @Test
    void shouldRejectAcksForUnsentPacketsAndGrowToLargeWindows() {
        final SentPacketTracker<Integer> tracker = new SentPacketTracker<>(16, 1 << 18);
        final Recorder rec = new Recorder();
        for (int i = 0; i < 100_000; i++) {
            tracker.onSent(i, 1500, 1, i);
        }
        assertThat(tracker.capacity()).isGreaterThanOrEqualTo(100_000);
        assertThat(tracker.bytesInFlight()).isEqualTo(150_000_000L);
        tracker.beginAck();
        assertThat(tracker.onAckRange(99_999, 100_000, 200_000, rec)).isFalse();
        assertThat(tracker.onAckRange(0, 99_999, 200_000, rec)).isTrue();
        assertThat(rec.acked).hasSize(100_000);
        assertThat(tracker.latestRttNs()).isEqualTo(200_000 - 99_999);
        assertThat(tracker.bytesInFlight()).isZero();
    }

    @Test
    void shouldSampleDeliveryRate() {
        final SentPacketTracker<Integer> tracker = new SentPacketTracker<>(16, 1024);
        final Recorder rec = new Recorder();
        // 10 packets of 1000 bytes sent 1 us apart, acknowledged together 10 ms later.
        for (int i = 0; i < 10; i++) {
            tracker.onSent(i * 1_000L, 1000, 1, i);
        }
        tracker.beginAck();
        tracker.onAckRange(0, 9, 10_000_000L, rec);
        final long rate = tracker.endAck(1_000_000L);
        // delivered 10,000 bytes over max(send interval 9 us, ack interval 10 ms) = 10 ms.
        assertThat(rate).isEqualTo(1_000_000L);
    }
}
