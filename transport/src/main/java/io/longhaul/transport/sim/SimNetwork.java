package io.longhaul.transport.sim;

import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.DatagramSink;
import io.longhaul.transport.core.Endpoint;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A deterministic discrete-event network: a virtual clock, an event queue, transport
 * {@link Endpoint}s as nodes and a {@link LinkModel} per direction and path between them. The same
 * transport core that runs on real sockets runs here, so thousands of seeded lossy transfers take
 * seconds and every run replays exactly from its seeds.
 *
 * <p>Datagrams from node A's path p to node B travel the link registered with
 * {@link #link(SimNode, SimNode, int, LinkSpec, LinkSpec)}; a datagram without a link is counted
 * in {@link #unrouted()} and dropped.
 */
public final class SimNetwork {
    /** Sees every datagram offered to a link and what the link did with it (for tests and traces). */
    @FunctionalInterface
    public interface Tap {
        void onOffered(long nowNs, SimAddress from, SimAddress to, ByteBuffer datagram, LinkModel.Fate fate);
    }

    private static final int KIND_DELIVER = 0;
    private static final int KIND_WAKE = 1;
    private static final int KIND_ACTION = 2;

    private static final class Event {
        final long timeNs;
        final long seq;
        final int kind;
        final SimNode node;
        final byte[] data;
        final SimAddress from;
        final Runnable action;

        Event(final long timeNs, final long seq, final int kind, final SimNode node, final byte[] data,
              final SimAddress from, final Runnable action) {
            this.timeNs = timeNs;
            this.seq = seq;
            this.kind = kind;
            this.node = node;
            this.data = data;
            this.from = from;
            this.action = action;
        }
    }

    /** One simulated host: a transport endpoint with its own wake-up timer. */
    public final class SimNode {
        private final int index;
        private final String name;
        private final Endpoint endpoint;
        private long wakeAtNs = Long.MAX_VALUE;
        private final DatagramSink sink;

        SimNode(final int index, final String name, final Endpoint endpoint) {
            this.index = index;
            this.name = name;
            this.endpoint = endpoint;
            this.sink = (remote, pathId, datagram) -> transmit(this, (SimAddress) remote, pathId, datagram);
        }

        public Endpoint endpoint() {
            return endpoint;
        }

        public String name() {
            return name;
        }

        public int index() {
            return index;
        }

        /** @return this node's address on path {@code pathId}. */
        public SimAddress address(final int pathId) {
            return new SimAddress(index, pathId);
        }

        /** @return this node's addresses for paths 0..count-1, as {@link Endpoint#connect} takes them. */
        public Object[] addresses(final int count) {
            final Object[] result = new Object[count];
            for (int i = 0; i < count; i++) {
                result[i] = address(i);
            }
            return result;
        }

        @Override
        public String toString() {
            return name + "(" + index + ")";
        }
    }

    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> {
        final int c = Long.compare(a.timeNs, b.timeNs);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    });
    private final List<SimNode> nodes = new ArrayList<>();
    private final Map<Long, LinkModel> links = new HashMap<>();
    private final LinkModel.Fate fate = new LinkModel.Fate();
    private long nowNs;
    private long seq;
    private long unrouted;
    private long eventsProcessed;
    private Tap tap;

    /** @return the virtual time. */
    public long nowNs() {
        return nowNs;
    }

    /** Adds a node running a transport endpoint with {@code config}. */
    public SimNode addNode(final String name, final CoreConfig config, final ConnectionHandler handler) {
        final SimNode node = new SimNode(nodes.size(), name, new Endpoint(config, handler));
        nodes.add(node);
        return node;
    }

    /** Connects {@code a} and {@code b} on {@code pathId} with one link model per direction. */
    public SimNetwork link(final SimNode a, final SimNode b, final int pathId, final LinkSpec aToB, final LinkSpec bToA) {
        links.put(key(a.index, b.index, pathId), new LinkModel(aToB));
        links.put(key(b.index, a.index, pathId), new LinkModel(bToA));
        return this;
    }

    /** @return the link model carrying {@code from}'s path {@code pathId} toward {@code to}, or null. */
    public LinkModel linkModel(final SimNode from, final SimNode to, final int pathId) {
        return links.get(key(from.index, to.index, pathId));
    }

    private static long key(final int from, final int to, final int pathId) {
        return ((long) from << 36) | ((long) to << 8) | pathId;
    }

    /** Observes every datagram offered to a link. */
    public SimNetwork tap(final Tap value) {
        tap = value;
        return this;
    }

    /** Runs {@code action} at virtual time {@code atNs}, then polls every node. */
    public void schedule(final long atNs, final Runnable action) {
        events.add(new Event(Math.max(atNs, nowNs), seq++, KIND_ACTION, null, null, null, action));
    }

    /** Polls {@code node} now (call after touching its endpoint from outside an event, e.g. a send). */
    public void wake(final SimNode node) {
        pollNode(node);
    }

    private void transmit(final SimNode source, final SimAddress to, final int pathId, final ByteBuffer datagram) {
        final LinkModel link = to == null || to.node() < 0 || to.node() >= nodes.size() ? null
            : links.get(key(source.index, to.node(), pathId));
        if (link == null) {
            unrouted++;
            return;
        }
        final int length = datagram.remaining();
        final boolean delivered = link.offer(nowNs, length, fate);
        final SimAddress from = new SimAddress(source.index, pathId);
        if (tap != null) {
            tap.onOffered(nowNs, from, to, datagram.duplicate(), fate);
        }
        if (!delivered) {
            return;
        }
        final SimNode target = nodes.get(to.node());
        final byte[] copy = new byte[length];
        datagram.duplicate().get(copy);
        if (fate.duplicated()) {
            events.add(new Event(fate.duplicateDeliverAtNs(), seq++, KIND_DELIVER, target, copy.clone(), from, null));
        }
        if (fate.corrupted() && length > 0) {
            copy[fate.corruptByteIndex() % length] ^= (byte) fate.corruptBitMask();
        }
        events.add(new Event(fate.deliverAtNs(), seq++, KIND_DELIVER, target, copy, from, null));
    }

    private void pollNode(final SimNode node) {
        final long next = node.endpoint.poll(nowNs, node.sink);
        if (next != Long.MAX_VALUE) {
            final long at = Math.max(next, nowNs + 1);
            if (at < node.wakeAtNs) {
                node.wakeAtNs = at;
                events.add(new Event(at, seq++, KIND_WAKE, node, null, null, null));
            }
        }
    }

    /**
     * Runs events until {@code done} holds (checked after every event) or virtual time passes
     * {@code untilNs}.
     *
     * @return whether {@code done} became true.
     */
    public boolean runUntil(final BooleanSupplier done, final long untilNs) {
        for (final SimNode node : nodes) {
            pollNode(node);
        }
        if (done.getAsBoolean()) {
            return true;
        }
        while (!events.isEmpty()) {
            final Event e = events.peek();
            if (e.timeNs > untilNs) {
                nowNs = untilNs;
                return done.getAsBoolean();
            }
            events.poll();
            nowNs = e.timeNs;
            eventsProcessed++;
            switch (e.kind) {
                case KIND_DELIVER:
                    e.node.endpoint.onDatagram(nowNs, e.from, ByteBuffer.wrap(e.data));
                    pollNode(e.node);
                    break;
                case KIND_WAKE:
                    if (e.timeNs != e.node.wakeAtNs) {
                        continue;
                    }
                    e.node.wakeAtNs = Long.MAX_VALUE;
                    pollNode(e.node);
                    break;
                default:
                    e.action.run();
                    for (final SimNode node : nodes) {
                        pollNode(node);
                    }
                    break;
            }
            if (done.getAsBoolean()) {
                return true;
            }
        }
        return done.getAsBoolean();
    }

    /** Runs for {@code durationNs} of virtual time. */
    public void runFor(final long durationNs) {
        final long until = nowNs + durationNs;
        runUntil(() -> false, until);
        nowNs = Math.max(nowNs, until);
    }

    public List<SimNode> nodes() {
        return List.copyOf(nodes);
    }

    /** @return datagrams sent toward an address with no link. */
    public long unrouted() {
        return unrouted;
    }

    public long eventsProcessed() {
        return eventsProcessed;
    }
}
