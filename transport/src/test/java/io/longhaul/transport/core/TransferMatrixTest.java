package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1 B, 1 MiB and 64 MiB messages sent concurrently arrive intact and exactly once under every
 * fault the link model has, on one path or on two paths of different delay.
 */
class TransferMatrixTest {
    private static final int[] SIZES = {1, 1 << 20, 64 << 20};

    static Stream<Arguments> scenarios() {
        final String base = "delay=5ms,rate=1gbit";
        return Stream.of(
            Arguments.of("no loss", new String[] {base}, new String[] {base}),
            Arguments.of("1% loss", new String[] {base + ",loss=1%"}, new String[] {base}),
            Arguments.of("5% loss", new String[] {base + ",loss=5%"}, new String[] {base}),
            Arguments.of("Gilbert-Elliott bursts", new String[] {base + ",burst=gilbert:p=0.5%:r=20%"}, new String[] {base}),
            Arguments.of("10% reordering", new String[] {base + ",reorder=10%:2ms"}, new String[] {base}),
            Arguments.of("duplication", new String[] {base + ",dup=2%"}, new String[] {base + ",dup=2%"}),
            Arguments.of("corruption", new String[] {base + ",corrupt=1%"}, new String[] {base + ",corrupt=1%"}),
            Arguments.of("lossy ACK direction", new String[] {base}, new String[] {base + ",loss=10%"}),
            Arguments.of("two paths of 1 ms and 12 ms",
                new String[] {"delay=500us,rate=1gbit", "delay=6ms,rate=1gbit"},
                new String[] {"delay=500us,rate=1gbit", "delay=6ms,rate=1gbit"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void shouldDeliverEveryMessageIntactAndExactlyOnce(final String name, final String[] forward, final String[] backward) {
        final long seed = name.hashCode();
        final LinkSpec[] fwd = new LinkSpec[forward.length];
        final LinkSpec[] back = new LinkSpec[backward.length];
        for (int i = 0; i < forward.length; i++) {
            fwd[i] = LinkSpec.parse(forward[i]);
            back[i] = LinkSpec.parse(backward[i]);
        }
        final SimTransfer t = new SimTransfer(seed, new CoreConfig(), fwd, back);
        final ByteBuffer[] sent = new ByteBuffer[SIZES.length];
        for (int i = 0; i < SIZES.length; i++) {
            sent[i] = SimTransfer.payload(seed, i, SIZES[i]);
            t.send(i, sent[i].duplicate());
        }
        assertThat(t.runUntilCompleted(SIZES.length, 120_000_000_000L)).as(t.describe()).isTrue();
        t.net.runFor(100_000_000L);

        assertThat(t.serverEvents.received).as(t.describe()).hasSize(SIZES.length);
        assertThat(t.serverEvents.duplicateDeliveries).isZero();
        for (final SimTransfer.Received r : t.serverEvents.received) {
            assertThat(r.missing().isEmpty()).isTrue();
            assertThat(r.data()).as("message %d, seed=%d", r.tag(), seed).isEqualTo(sent[r.tag()]);
        }
        for (final SimTransfer.Completion c : t.clientEvents.completions.values()) {
            assertThat(c.status()).isEqualTo(SendStatus.DELIVERED);
        }
        final ConnectionStats stats = t.connection.stats();
        if (name.startsWith("two paths")) {
            assertThat(stats.paths()).allSatisfy(p -> {
                assertThat(p.packetsSent()).as("both paths carry data").isGreaterThan(1000);
                assertThat(p.spuriousRetransmissions()).as("different delays are not loss").isZero();
            });
            assertThat(stats.sum(PathStats::lostPackets)).as("nothing lost but queue overflow: %s", stats)
                .isEqualTo(t.net.linkModel(t.client, t.server, 0).droppedByQueue()
                    + t.net.linkModel(t.client, t.server, 1).droppedByQueue());
        }
        if (name.equals("corruption")) {
            assertThat(t.server.endpoint().dropped(DropReason.BAD_CHECKSUM)).isGreaterThan(0);
        }
        if (name.equals("no loss")) {
            assertThat(stats.sum(PathStats::retransmittedPackets)).isEqualTo(
                t.net.linkModel(t.client, t.server, 0).droppedByQueue());
        }
        System.out.printf("%-28s virtual %.2fs, retransmitted %d, lost %d, spurious %d, redundant %d%n", name,
            t.net.nowNs() / 1e9, stats.sum(PathStats::retransmittedPackets), stats.sum(PathStats::lostPackets),
            stats.sum(PathStats::spuriousRetransmissions), stats.redundantRepairs());
    }
}
