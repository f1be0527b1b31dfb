package io.longhaul.transport.core;

import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deadline messages under 5% loss with a deadline of 2 RTT: each arrives at its deadline (or
 * earlier if complete), the sender repairs nothing after the deadline, and the missing ranges the
 * receiver reports are exactly the chunks of which no copy got through in time.
 */
class DeadlineTest {
    private static final long RTT_NS = 10_000_000L;
    private static final long ONE_WAY_NS = RTT_NS / 2;
    private static final int MESSAGE_BYTES = 256 << 10;
    private static final int MESSAGES = 20;

    /** Per message: chunk offset -> earliest arrival of any copy at the receiver. */
    private final Map<Long, TreeMap<Integer, Long>> arrivals = new HashMap<>();
    /** Per message: the latest time a DATA packet of it left the sender. */
    private final Map<Long, Long> lastSent = new HashMap<>();

    @Test
    void shouldDeliverAtTheDeadlineWithExactlyTheRangesThatNeverArrived() {
        final long seed = 5;
        final LinkSpec forward = LinkSpec.parse("delay=5ms,rate=1gbit,loss=5%");
        final LinkSpec backward = LinkSpec.parse("delay=5ms,rate=1gbit");
        final SimTransfer t = new SimTransfer(seed, new CoreConfig().congestionControl("fixed:rate=900mbit"), forward, backward);
        t.net.tap((now, from, to, d, fate) -> {
            final int at = d.position();
            if (from.node() != t.client.index() || PacketFlyweight.type(d, at) != PacketFlyweight.TYPE_DATA
                || DataFlyweight.mode(d, at) != DataFlyweight.MODE_DEADLINE) {
                return;
            }
            final long id = DataFlyweight.messageId(d, at);
            lastSent.merge(id, now, Math::max);
            if (!fate.dropped() && !fate.corrupted()) {
                arrivals.computeIfAbsent(id, k -> new TreeMap<>())
                    .merge(DataFlyweight.messageOffset(d, at), fate.deliverAtNs(), Math::min);
            }
        });
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();

        final Map<Long, Long> deadlines = new HashMap<>();
        final Map<Long, Integer> tags = new HashMap<>();
        final List<ByteBuffer> payloads = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            final int index = i;
            final long at = t.net.nowNs() + i * 4 * RTT_NS;
            t.net.schedule(at, () -> {
                final ByteBuffer payload = SimTransfer.payload(seed, index, MESSAGE_BYTES);
                payloads.add(payload);
                final long deadline = t.net.nowNs() + 2 * RTT_NS;
                final long id = t.connection.send(t.net.nowNs(), index, payload.duplicate(), deadline);
                deadlines.put(id, deadline);
                tags.put(id, index);
            });
        }
        assertThat(t.net.runUntil(() -> t.serverEvents.received.size() == MESSAGES && t.clientEvents.completions.size() == MESSAGES,
            t.net.nowNs() + 10_000_000_000L)).as(t.describe()).isTrue();

        int incomplete = 0;
        for (final SimTransfer.Received r : t.serverEvents.received) {
            final long id = r.messageId();
            final long deadline = deadlines.get(id);
            final int chunk = t.connection.chunkSize();
            final TreeMap<Integer, Long> got = arrivals.getOrDefault(id, new TreeMap<>());
            final List<Long> expected = new ArrayList<>();
            for (int offset = 0; offset < MESSAGE_BYTES; offset += chunk) {
                final Long arrival = got.get(offset);
                if (arrival == null || arrival > r.atNs()) {
                    final int length = Math.min(chunk, MESSAGE_BYTES - offset);
                    final int n = expected.size();
                    if (n > 0 && expected.get(n - 2) + expected.get(n - 1) == offset) {
                        expected.set(n - 1, expected.get(n - 1) + length);
                    } else {
                        expected.add((long) offset);
                        expected.add((long) length);
                    }
                }
            }
            final MissingRanges want = MissingRanges.of(expected.stream().mapToLong(Long::longValue).toArray());
            assertThat(r.missing()).as("seed=%d message %d", seed, id).isEqualTo(want);
            // Bytes that arrived are the sender's bytes; missing ones are left zero.
            final ByteBuffer sent = payloads.get(tags.get(id));
            for (int offset = 0; offset < MESSAGE_BYTES; offset += chunk) {
                if (!r.missing().contains(offset)) {
                    assertThat(r.data().get(offset)).isEqualTo(sent.get(offset));
                }
            }
            assertThat(lastSent.get(id)).as("no repair after the deadline").isLessThanOrEqualTo(deadline);
            if (r.missing().isEmpty()) {
                assertThat(r.atNs()).isLessThanOrEqualTo(deadline + ONE_WAY_NS + 1_000_000L);
                assertThat(t.clientEvents.completions.get(id).status()).isIn(SendStatus.DELIVERED, SendStatus.EXPIRED);
            } else {
                incomplete++;
                // The receiver places the deadline on its own clock: sender's deadline + one-way delay.
                assertThat(r.atNs()).as("message %d delivered at its deadline", id)
                    .isBetween(deadline + ONE_WAY_NS, deadline + ONE_WAY_NS + 100_000L);
                assertThat(t.clientEvents.completions.get(id).status()).isEqualTo(SendStatus.EXPIRED);
            }
        }
        System.out.printf("deadline messages: %d of %d delivered with missing ranges%n", incomplete, MESSAGES);
        assertThat(incomplete).as("5%% loss with a 2 RTT deadline leaves some holes").isGreaterThan(0);
        assertThat(t.serverConnection().reassemblingMessages()).isZero();
    }
}
