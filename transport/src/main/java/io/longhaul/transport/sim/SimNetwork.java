package io.longhaul.transport.sim;

import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.DatagramSink;
import io.longhaul.transport.core.Endpoint;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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
 * {@link #link(SimNode, SimNode, int, LinkSpec, LinkSpec)}; without one, between the two sides of
 * an ECMP fabric ({@link #fabric(List, List, FabricSpec)}), they cross the fabric's link their
 * 4-tuple hashes to; a datagram with neither is counted in {@link #unrouted()} and dropped.
 *
 * <p>Ports. A node's endpoint gives every datagram a destination: a {@link SimAddress} (node,
 * port), sent from the port equal to the path id, or a {@link SimRoute} (a {@code SimAddress} plus
 * the local port to send from), as {@link DatagramSink#repath} hands out. The receiver sees the
 * sender's {@code SimAddress(node, port)}; when the datagram arrived at one of the receiver's
 * re-path ports (at or above {@link #FIRST_REPATH_PORT}), it sees a {@code SimRoute} of that address
 * and the port it arrived at, so its replies leave from that port, as a real socket's would. Ports
 * below {@value #FIRST_REPATH_PORT} are the path ports of plain addresses, seen as before.
 */
public final class SimNetwork {
    /** Sees every datagram offered to a link and what the link did with it (for tests and traces). */
    @FunctionalInterface
    public interface Tap {
        void onOffered(long nowNs, SimAddress from, SimAddress to, ByteBuffer datagram, LinkModel.Fate fate);
    }

    /** The first port {@link DatagramSink#repath} hands out on a node; lower ports are path ids. */
    public static final int FIRST_REPATH_PORT = 1024;
    /** The last port it hands out before counting again from {@link #FIRST_REPATH_PORT} (ports are 16-bit). */
    public static final int LAST_REPATH_PORT = 65_535;

    private static final int KIND_DELIVER = 0;
    private static final int KIND_WAKE = 1;
    private static final int KIND_ACTION = 2;
    private static final int KIND_RESUME = 3;

    private static final class Event {
        final long timeNs;
        final long seq;
        final int kind;
        final SimNode node;
        final byte[] data;
        /** What the receiver sees as the source: a SimAddress, or a SimRoute naming its arrival port. */
        final Object from;
        final Runnable action;
        /** The node's wake-up latency has been paid for this event (it was deferred once already). */
        final boolean woken;
        /** When the event was first due (a deferred timer's deadline). */
        final long dueNs;

        Event(final long timeNs, final long seq, final int kind, final SimNode node, final byte[] data,
              final Object from, final Runnable action) {
            this(timeNs, seq, kind, node, data, from, action, false, timeNs);
        }

        Event(final long timeNs, final long seq, final int kind, final SimNode node, final byte[] data,
              final Object from, final Runnable action, final boolean woken, final long dueNs) {
            this.dueNs = dueNs;
            this.timeNs = timeNs;
            this.seq = seq;
            this.kind = kind;
            this.node = node;
            this.data = data;
            this.from = from;
            this.action = action;
            this.woken = woken;
        }
    }

    /** One simulated host: a transport endpoint with its own wake-up timer, on a modelled machine. */
    public final class SimNode {
        private final int index;
        private final String name;
        private final Endpoint endpoint;
        private long wakeAtNs = Long.MAX_VALUE;
        private final DatagramSink sink;
        /** Null on an ideal machine, so exact runs take exactly the paths they always took. */
        private final MachineModel.State machine;
        /** When the datagram being sent leaves the host (after the CPU cost of those before it). */
        private long txNs;
        private long lateWakeups;
        private long maxWakeLatenessNs;
        /** Datagrams that arrived while the node could not run, in arrival order (a RESUME is due while not empty). */
        private final ArrayDeque<Event> backlog = new ArrayDeque<>();
        /** The next port {@link DatagramSink#repath} hands out. */
        private int nextRepathPort = FIRST_REPATH_PORT;
        private boolean suspended;
        private long lostWhileSuspended;

        SimNode(final int index, final String name, final Endpoint endpoint, final MachineModel model) {
            this.index = index;
            this.name = name;
            this.endpoint = endpoint;
            this.machine = model.isIdeal() ? null : model.new State(nowNs, index);
            this.sink = new DatagramSink() {
                @Override
                public void send(final Object remote, final int pathId, final ByteBuffer datagram) {
                    transmit(SimNode.this, remote, pathId, datagram);
                }

                @Override
                public Object repath(final Object remote, final int pathId) {
                    return SimNode.this.repath(remote);
                }
            };
        }

        /**
         * The sink this node's endpoint sends through. Its {@link DatagramSink#repath} answers a
         * {@link SimRoute} to the same peer from a fresh local port of this node: ports count up
         * from {@link #FIRST_REPATH_PORT}, one per call, deterministically (after
         * {@link #LAST_REPATH_PORT} they start again).
         */
        public DatagramSink sink() {
            return sink;
        }

        private Object repath(final Object remote) {
            final SimAddress peer = remote instanceof SimRoute ? ((SimRoute) remote).remote()
                : remote instanceof SimAddress ? (SimAddress) remote : null;
            if (peer == null) {
                return null;
            }
            final int port = nextRepathPort;
            nextRepathPort = port == LAST_REPATH_PORT ? FIRST_REPATH_PORT : port + 1;
            return new SimRoute(peer, port);
        }

        /**
         * Stops this node for good, as SIGSTOP stops a process: from now on it handles no datagram
         * and no timer and sends nothing, and datagrams reaching it are lost. Its peers see only
         * silence.
         */
        public void suspend() {
            suspended = true;
        }

        /** @return datagrams that reached this node after it was {@link #suspend suspended}. */
        public long lostWhileSuspended() {
            return lostWhileSuspended;
        }

        /** @return the machine this node runs on. */
        public MachineModel machine() {
            return machine == null ? MachineModel.IDEAL : machine.model();
        }

        /** @return timer wake-ups that ran after their deadline (busy, stalled or woken late). */
        public long lateWakeups() {
            return lateWakeups;
        }

        /** @return the largest lateness of a timer wake-up. */
        public long maxWakeLatenessNs() {
            return maxWakeLatenessNs;
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
    private final List<EcmpFabric> fabrics = new ArrayList<>();
    /** (from, to) node pair to fabric index × 2 + direction. */
    private final Map<Long, Integer> fabricPairs = new HashMap<>();
    /** Flow handles by packed 4-tuple (from node, from port, to node, to port; 16 bits each). */
    private final Map<Long, EcmpFabric.Flow> fabricFlows = new HashMap<>();
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
        return addNode(name, config, handler, MachineModel.IDEAL);
    }

    /** Adds a node running a transport endpoint with {@code config} on a machine as rough as {@code machine}. */
    public SimNode addNode(final String name, final CoreConfig config, final ConnectionHandler handler,
                           final MachineModel machine) {
        final SimNode node = new SimNode(nodes.size(), name, new Endpoint(config, handler), machine);
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

    /**
     * Joins {@code sideA} and {@code sideB} by an ECMP fabric: datagrams between a node of A and a
     * node of B (either way) for which no {@link #link} is registered cross {@code spec}'s links, each
     * flow on the link its 4-tuple (from node, from port, to node, to port) hashes to
     * ({@link EcmpFabric#linkFor(SimAddress, SimAddress)}); A → B is direction 0, B → A direction 1.
     * Each node is a host with its own NIC when the spec has {@code nic=} (a node in two fabrics has
     * a NIC in each). Event times count from virtual time 0. Explicit links keep working and take
     * precedence.
     *
     * @throws IllegalArgumentException if a side is empty, the sides overlap, a node is another
     *                                  network's, or a pair of nodes is already joined by a fabric.
     */
    public SimNetwork fabric(final List<SimNode> sideA, final List<SimNode> sideB, final FabricSpec spec) {
        if (sideA.isEmpty() || sideB.isEmpty()) {
            throw new IllegalArgumentException("fabric: both sides need at least one node (got " + sideA.size() + " and " + sideB.size() + ")");
        }
        for (final SimNode n : sideA) {
            checkOwnNode(n);
            if (sideB.contains(n)) {
                throw new IllegalArgumentException("fabric: node " + n + " is on both sides");
            }
        }
        for (final SimNode n : sideB) {
            checkOwnNode(n);
        }
        for (final SimNode a : sideA) {
            for (final SimNode b : sideB) {
                if (fabricPairs.containsKey(pair(a.index, b.index))) {
                    throw new IllegalArgumentException("fabric: nodes " + a + " and " + b + " are already joined by a fabric");
                }
            }
        }
        final int index = fabrics.size();
        fabrics.add(new EcmpFabric(spec, 2, 0));
        for (final SimNode a : sideA) {
            for (final SimNode b : sideB) {
                fabricPairs.put(pair(a.index, b.index), 2 * index);
                fabricPairs.put(pair(b.index, a.index), 2 * index + 1);
            }
        }
        return this;
    }

    private void checkOwnNode(final SimNode n) {
        if (n.index >= nodes.size() || nodes.get(n.index) != n) {
            throw new IllegalArgumentException("fabric: node " + n + " is not a node of this network");
        }
        if (n.index > 0xFFFF) {
            throw new IllegalArgumentException("fabric: node " + n + " has an index above 65535; a fabric joins nodes 0 to 65535");
        }
    }

    private static long pair(final int from, final int to) {
        return ((long) from << 32) | (to & 0xFFFFFFFFL);
    }

    /** @return the fabrics, in the order they were added. */
    public List<EcmpFabric> fabrics() {
        return List.copyOf(fabrics);
    }

    /** @return the fabric that carries datagrams between {@code a} and {@code b}, or null. */
    public EcmpFabric fabricBetween(final SimNode a, final SimNode b) {
        final Integer f = fabricPairs.get(pair(a.index, b.index));
        return f == null ? null : fabrics.get(f >> 1);
    }

    /** The flow handle of a datagram from (source, fromPort) to {@code to}, or null if no fabric joins them. */
    private EcmpFabric.Flow fabricFlow(final SimNode source, final int fromPort, final SimAddress to) {
        if (fabricPairs.isEmpty()) {
            return null;
        }
        final Integer f = fabricPairs.get(pair(source.index, to.node()));
        if (f == null) {
            return null;
        }
        final long id = ((long) source.index << 48) | ((long) (fromPort & 0xFFFF) << 32) | ((long) to.node() << 16) | (to.path() & 0xFFFF);
        EcmpFabric.Flow flow = fabricFlows.get(id);
        if (flow == null) {
            flow = fabrics.get(f >> 1).flow(f & 1, new SimAddress(source.index, fromPort & 0xFFFF), new SimAddress(to.node(), to.path() & 0xFFFF));
            fabricFlows.put(id, flow);
        }
        return flow;
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

    private void transmit(final SimNode source, final Object remote, final int pathId, final ByteBuffer datagram) {
        final SimAddress to;
        final int fromPort;
        if (remote instanceof SimRoute) {
            to = ((SimRoute) remote).remote();
            fromPort = ((SimRoute) remote).localPort();
        } else {
            to = remote instanceof SimAddress ? (SimAddress) remote : null;
            fromPort = pathId;
        }
        final boolean known = to != null && to.node() >= 0 && to.node() < nodes.size();
        final LinkModel link = known ? links.get(key(source.index, to.node(), pathId)) : null;
        final EcmpFabric.Flow flow = known && link == null ? fabricFlow(source, fromPort, to) : null;
        if (link == null && flow == null) {
            unrouted++;
            return;
        }
        final int length = datagram.remaining();
        final long atNs = source.machine == null ? nowNs : (source.txNs = source.machine.charge(source.txNs));
        final boolean delivered = link != null ? link.offer(atNs, length, fate) : flow.owner.offer(atNs, flow, length, fate);
        final SimAddress from = new SimAddress(source.index, fromPort);
        if (tap != null) {
            tap.onOffered(atNs, from, to, datagram.duplicate(), fate);
        }
        if (!delivered) {
            return;
        }
        final SimNode target = nodes.get(to.node());
        final Object seen = to.path() >= FIRST_REPATH_PORT ? new SimRoute(from, to.path()) : from;
        final byte[] copy = new byte[length];
        datagram.duplicate().get(copy);
        if (fate.duplicated()) {
            events.add(new Event(fate.duplicateDeliverAtNs(), seq++, KIND_DELIVER, target, copy.clone(), seen, null));
        }
        if (fate.corrupted() && length > 0) {
            copy[fate.corruptByteIndex() % length] ^= (byte) fate.corruptBitMask();
        }
        events.add(new Event(fate.deliverAtNs(), seq++, KIND_DELIVER, target, copy, seen, null));
    }

    /** Polls {@code node} now, or when its CPU is free if it is still catching up (its clock never goes back). */
    private void pollNode(final SimNode node) {
        pollNode(node, node.machine == null ? nowNs : Math.max(nowNs, node.machine.busyUntilNs()));
    }

    /** Polls {@code node} at its own time {@code atNs} (later than the network's on a node catching up). */
    private void pollNode(final SimNode node, final long atNs) {
        if (node.suspended) {
            return;
        }
        if (node.machine != null) {
            node.txNs = Math.max(atNs, node.machine.busyUntilNs());
        }
        final long next = node.endpoint.poll(atNs, node.sink);
        if (next != Long.MAX_VALUE) {
            final long at = Math.max(next, atNs + 1);
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
                    if (e.node.suspended) {
                        e.node.lostWhileSuspended++;
                    } else if (e.node.machine == null) {
                        e.node.endpoint.onDatagram(nowNs, e.from, ByteBuffer.wrap(e.data));
                        pollNode(e.node);
                    } else {
                        receiveOnRoughMachine(e);
                    }
                    break;
                case KIND_RESUME:
                    drainBacklog(e.node);
                    break;
                case KIND_WAKE:
                    if (e.timeNs != e.node.wakeAtNs || e.node.suspended) {
                        continue;
                    }
                    if (e.node.machine != null) {
                        final long ready = e.node.machine.readyAtNs(nowNs, e.woken);
                        if (ready - nowNs > 0) {
                            // Busy, stalled or slow to wake: the timer runs late.
                            e.node.wakeAtNs = ready;
                            events.add(new Event(ready, seq++, KIND_WAKE, e.node, null, null, null, true, e.dueNs));
                            continue;
                        }
                        if (nowNs != e.dueNs) {
                            e.node.lateWakeups++;
                        }
                    }
                    e.node.wakeAtNs = Long.MAX_VALUE;
                    e.node.maxWakeLatenessNs = Math.max(e.node.maxWakeLatenessNs, nowNs - e.dueNs);
                    e.node.endpoint.onTimer(e.dueNs, nowNs);
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

    /**
     * A datagram reaches a node on a rough machine. If the node is free it is handled now; if it is
     * busy, stalled, or asleep and slow to wake, it joins the node's backlog, which the node works
     * through in arrival order once it runs (as a driver reads a batch after a late wake-up).
     */
    private void receiveOnRoughMachine(final Event e) {
        final SimNode node = e.node;
        if (node.backlog.isEmpty()) {
            final long ready = node.machine.readyAtNs(nowNs, false);
            if (ready - nowNs <= 0) {
                handle(node, e, nowNs);
                return;
            }
            events.add(new Event(ready, seq++, KIND_RESUME, node, null, null, null));
        }
        node.backlog.add(e);
    }

    /**
     * Works through a node's backlog at the node's own pace: each datagram starts when the CPU is
     * free of the one before (and of any stall), so the node's clock may run ahead of the network's;
     * datagrams arriving meanwhile queue behind the backlog.
     */
    private void drainBacklog(final SimNode node) {
        long atNs = nowNs;
        Event e;
        while ((e = node.backlog.poll()) != null) {
            atNs = node.machine.readyAtNs(Math.max(atNs, node.machine.busyUntilNs()), true);
            handle(node, e, atNs);
        }
    }

    private void handle(final SimNode node, final Event e, final long atNs) {
        node.endpoint.onDatagram(atNs, e.from, ByteBuffer.wrap(e.data));
        node.machine.charge(atNs);
        pollNode(node, atNs);
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
