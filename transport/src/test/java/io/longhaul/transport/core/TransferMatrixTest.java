package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
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

    /**
     * A message sent as a header and a body arrives as their concatenation, whatever the split:
     * empty either side, a header smaller than, equal to and longer than a frame's payload, and
     * both ends of a body that starts inside a frame; over a lossy link, so frames cut from both
     * parts are repaired too. Part-way through, every send is detached and its buffers overwritten:
     * what is still to be sent or repaired comes from the transport's own copy.
     */
    @Test
    void shouldDeliverAHeaderAndABodyAsOneMessage() {
        final long seed = 17;
        final SimTransfer t = new SimTransfer(seed, new CoreConfig(), LinkSpec.parse("delay=2ms,rate=1gbit,loss=5%"),
            LinkSpec.parse("delay=2ms,rate=1gbit"));
        final int frame = new CoreConfig().maxChunkBytes();
        final int[][] splits = {{0, 1}, {1, 0}, {32, 100_000}, {frame, frame}, {frame + 7, 3 * frame - 1}, {2 * frame + 1, 5}};
        final ByteBuffer[] whole = new ByteBuffer[splits.length];
        final ByteBuffer[] vectors = new ByteBuffer[splits.length];
        final long[] ids = new long[splits.length];
        for (int i = 0; i < splits.length; i++) {
            whole[i] = SimTransfer.payload(seed, i, splits[i][0] + splits[i][1]);
            // The body is a window of a larger buffer, as a collective sends a chunk of its vector.
            final ByteBuffer vector = ByteBuffer.allocateDirect(splits[i][1] + 64);
            vector.position(40).put(whole[i].duplicate().position(splits[i][0])).position(40).limit(40 + splits[i][1]);
            ids[i] = t.connection.send(t.net.nowNs(), i, whole[i].duplicate().limit(splits[i][0]), vector);
            vectors[i] = vector;
        }
        t.net.wake(t.client);
        // Some chunks out and acknowledged, most not: detached, the caller's buffers are its own again.
        t.net.runFor(6_000_000L);
        for (int i = 0; i < splits.length; i++) {
            t.connection.detach(ids[i]);
            for (int b = 0; b < vectors[i].limit(); b++) {
                vectors[i].put(b, (byte) 0x5a);
            }
        }
        assertThat(t.runUntilCompleted(splits.length, 60_000_000_000L)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received).hasSize(splits.length);
        for (final SimTransfer.Received r : t.serverEvents.received) {
            assertThat(r.data()).as("split %s, seed=%d", Arrays.toString(splits[r.tag()]), seed).isEqualTo(whole[r.tag()]);
        }
        assertThat(t.connection.stats().sum(PathStats::retransmittedPackets)).as("the lossy link made repairs").isPositive();
    }
}
