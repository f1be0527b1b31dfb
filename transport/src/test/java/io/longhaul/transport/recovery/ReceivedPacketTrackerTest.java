package io.longhaul.transport.recovery;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class ReceivedPacketTrackerTest {
    @Test
    void shouldReportTheSameRangesAsANaiveSetForAnyArrivalOrder() {
        for (long seed = 1; seed <= 200; seed++) {
            final SplittableRandom r = new SplittableRandom(seed);
            final List<Long> arrivals = new ArrayList<>();
            for (long pn = 0; pn < 300; pn++) {
                if (r.nextInt(10) != 0) {
                    arrivals.add(pn);
                }
            }
            // Local shuffles only, as reordering does, plus some duplicates.
            for (int i = 0; i < arrivals.size() - 5; i++) {
                if (r.nextInt(4) == 0) {
                    Collections.swap(arrivals, i, i + 1 + r.nextInt(5));
                }
            }
            for (int i = 0; i < 10; i++) {
                arrivals.add(arrivals.get(r.nextInt(arrivals.size())));
            }
            final ReceivedPacketTracker tracker = new ReceivedPacketTracker(1024);
            final TreeSet<Long> model = new TreeSet<>();
            for (final long pn : arrivals) {
                assertThat(tracker.onPacket(pn, 0, true)).as("seed=%d pn=%d", seed, pn).isEqualTo(model.add(pn));
            }
            final long[] lo = new long[1024];
            final long[] hi = new long[1024];
            final int n = tracker.drainRanges(lo, hi, 1024);
            final TreeSet<Long> reported = new TreeSet<>();
            for (int i = 0; i < n; i++) {
                assertThat(lo[i]).isLessThanOrEqualTo(hi[i]);
                if (i > 0) {
                    assertThat(hi[i]).as("descending, disjoint, not adjacent").isLessThan(lo[i - 1] - 1);
                }
                for (long pn = lo[i]; pn <= hi[i]; pn++) {
                    reported.add(pn);
                }
            }
            assertThat(reported).as("seed=%d", seed).isEqualTo(model);
        }
    }

    @Test
    void shouldKeepOnlyTheNewestRangesWhenFull() {
        final ReceivedPacketTracker tracker = new ReceivedPacketTracker(4);
        for (long pn = 0; pn < 20; pn += 2) {
            tracker.onPacket(pn, 0, true);
        }
        final long[] lo = new long[4];
        final long[] hi = new long[4];
        assertThat(tracker.drainRanges(lo, hi, 4)).isEqualTo(4);
        assertThat(hi).containsExactly(18, 16, 14, 12);
    }

    @Test
    void shouldDelayAcksUntilEnoughPacketsOrTheMaximumDelay() {
        final ReceivedPacketTracker tracker = new ReceivedPacketTracker(16);
        tracker.onPacket(0, 1_000, true);
        assertThat(tracker.ackDue(1_000, 2, 500)).isFalse();
        assertThat(tracker.ackDeadlineNs(500)).isEqualTo(1_500);
        assertThat(tracker.ackDue(1_500, 2, 500)).isTrue();
        tracker.onPacket(1, 1_100, true);
        assertThat(tracker.ackDue(1_100, 2, 500)).isTrue();
        tracker.drainRanges(new long[16], new long[16], 16);
        assertThat(tracker.ackDue(1_100, 2, 500)).isFalse();
        // A gap asks for an immediate ACK.
        tracker.onPacket(5, 1_200, true);
        assertThat(tracker.ackDue(1_200, 2, 500)).isTrue();
    }
}
