package io.longhaul.transport.core;

import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every built-in scheduler moves data intact over two paths of very different delay (1 ms and
 * 12 ms RTT, 1 Gbit/s each, 0.1% loss), and packets overtaking each other across the paths are
 * never taken for losses: each path has its own packet numbers, so spraying costs no spurious
 * repairs.
 */
class MultipathSchedulerTest {
    static List<String> schedulers() {
        return PathSchedulers.available();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schedulers")
    void shouldDeliverIntactWithoutSpuriousRepairsAcrossPathsOfDifferentDelay(final String scheduler) {
        final LinkSpec fast = LinkSpec.parse("delay=500us,rate=1gbit,loss=0.1%");
        final LinkSpec slow = LinkSpec.parse("delay=6ms,rate=1gbit,loss=0.1%");
        long worstSpurious = 0;
        for (long seed = 1; seed <= 3; seed++) {
            final SimTransfer t = new SimTransfer(seed, new CoreConfig().pathScheduler(scheduler),
                new LinkSpec[] {fast, slow}, new LinkSpec[] {fast, slow});
            final ByteBuffer[] sent = new ByteBuffer[4];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = SimTransfer.payload(seed, i, 8 << 20);
                t.send(i, sent[i].duplicate());
            }
            assertThat(t.runUntilCompleted(sent.length, 60_000_000_000L)).as("%s seed=%d %s", scheduler, seed, t.describe()).isTrue();
            for (final SimTransfer.Received r : t.serverEvents.received) {
                assertThat(r.data()).as("%s seed=%d message %d", scheduler, seed, r.tag()).isEqualTo(sent[r.tag()]);
            }
            assertThat(t.serverEvents.duplicateDeliveries).isZero();
            final ConnectionStats stats = t.connection.stats();
            final long spurious = stats.sum(PathStats::spuriousRetransmissions);
            final long lost = stats.sum(PathStats::lostPackets);
            worstSpurious = Math.max(worstSpurious, spurious);
            // A handful may be genuine (a repair racing its own late original on a lossy path);
            // cross-path reordering would make them thousands.
            assertThat(spurious).as("%s seed=%d spurious repairs (lost %d): %s", scheduler, seed, lost, stats)
                .isLessThanOrEqualTo(Math.max(5, lost / 20));
            // A backlogged sender never pauses for the 11 ms RTT difference, so a flowlet never ends
            // and flowlet switching stays on one path, as single does by design.
            if (!scheduler.equals("single") && !scheduler.equals("flowlet")) {
                assertThat(stats.paths()).as("%s seed=%d both paths carry data", scheduler, seed)
                    .allSatisfy(p -> assertThat(p.packetsSent()).isGreaterThan(100));
            }
            System.out.printf("%-8s seed %d: %.3fs, path0 %d pkts, path1 %d pkts, lost %d, spurious %d%n", scheduler, seed,
                t.net.nowNs() / 1e9, stats.paths().get(0).packetsSent(), stats.paths().get(1).packetsSent(), lost, spurious);
        }
        System.out.printf("%-8s worst spurious %d%n", scheduler, worstSpurious);
    }
}
