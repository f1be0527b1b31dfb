package io.longhaul.collectives.fabric;

import io.longhaul.collectives.Topology;
import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.ConnectionState;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * N ranks on a {@link SimNetwork}: one transport {@link io.longhaul.transport.core.Endpoint} per
 * rank, one reliable {@link Connection} per pair of ranks (the lower rank connects to the higher),
 * links between ranks of the same DC built from {@code intraDc}, between DCs from {@code interDc},
 * each direction seeded from the cluster seed. Everything runs on the caller's thread in virtual
 * time, so a run replays exactly from its seed: start collectives with the async API on every
 * rank, then {@link #await} them.
 *
 * <p>Between DCs there may be an ECMP fabric instead of per-pair links: every pair of DCs is then
 * joined by its own {@link EcmpFabric} ({@link SimNetwork#fabric}) shared by all ranks of the two
 * DCs, each inter-DC connection spread over {@code interDcPaths} paths (source ports 0 to
 * paths − 1), each path on the link its 4-tuple hashes to. Connections inside a DC keep one path
 * over their per-pair link.
 *
 * <p>Fabric tags are transport message tags; timers are virtual-time events.
 */
public final class SimCluster implements AutoCloseable {
    /** Close code used when {@link #kill} takes a rank down. */
    public static final int CLOSE_KILLED = 0x100;

    private final SimNetwork net = new SimNetwork();
    private final Topology topology;
    private final long seed;
    private final List<SimFabric> fabrics = new ArrayList<>();
    private final List<DcFabric> dcFabrics = new ArrayList<>();
    private final int interDcPaths;
    private boolean pollScheduled;

    /**
     * The ECMP fabric joining two DCs.
     *
     * @param dcA    the lower DC index: direction 0 of the fabric is from {@code dcA} to {@code dcB}.
     * @param dcB    the higher DC index.
     * @param fabric the model, with its counters.
     */
    public record DcFabric(int dcA, int dcB, EcmpFabric fabric) {
    }

    /**
     * Builds the network and runs the handshakes of every pair (in virtual time).
     *
     * @param config transport configuration of every endpoint (connection-id seeds are derived per rank).
     */
    public SimCluster(final Topology topology, final LinkSpec intraDc, final LinkSpec interDc, final long seed,
                      final CoreConfig config) {
        this(topology, intraDc, interDc, null, 1, seed, config);
    }

    /**
     * Builds the network, with an ECMP fabric between every pair of DCs when {@code interDcFabric}
     * is given, and runs the handshakes of every pair (in virtual time).
     *
     * @param interDc       the per-pair link between ranks of different DCs; unused with a fabric.
     * @param interDcFabric the fabric joining each pair of DCs, or null for per-pair {@code interDc}
     *                      links. Each pair of DCs gets its own instance, its links seeded from
     *                      {@code seed} and the pair (the spec's hash seed is kept).
     * @param interDcPaths  paths per connection between DCs, 1 to {@value TransportContext#MAX_PATHS};
     *                      more than one needs a fabric (a per-pair link model carries one path).
     * @param config        transport configuration of every endpoint (connection-id seeds are derived per rank).
     * @throws IllegalArgumentException if {@code interDcPaths} is out of range or above 1 without a fabric.
     */
    public SimCluster(final Topology topology, final LinkSpec intraDc, final LinkSpec interDc, final FabricSpec interDcFabric,
                      final int interDcPaths, final long seed, final CoreConfig config) {
        if (interDcPaths < 1 || interDcPaths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths " + interDcPaths + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
        }
        if (interDcPaths > 1 && (interDcFabric == null || topology.dcCount() < 2)) {
            throw new IllegalArgumentException("paths " + interDcPaths + " needs an ECMP fabric between DCs (a fabric spec with ecmp=K): "
                + "the simulator models a link per rank pair that carries one path, and " + interDcPaths + " paths would get "
                + interDcPaths + " links");
        }
        this.topology = topology;
        this.seed = seed;
        this.interDcPaths = interDcPaths;
        final int n = topology.size();
        for (int r = 0; r < n; r++) {
            final SimFabric f = new SimFabric(r, n);
            f.node = net.addNode("rank" + r, config.copy().connectionIdSeed(seed * 1_000_003L + r), f);
            fabrics.add(f);
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                final boolean sameDc = topology.dcOf(a) == topology.dcOf(b);
                if (!sameDc && interDcFabric != null) {
                    continue;
                }
                final LinkSpec spec = sameDc ? intraDc : interDc;
                final long linkSeed = seed * 7_919L + (long) a * n + b;
                net.link(fabrics.get(a).node, fabrics.get(b).node, 0, spec.withSeed(linkSeed * 2), spec.withSeed(linkSeed * 2 + 1));
            }
        }
        if (interDcFabric != null) {
            final int dcs = topology.dcCount();
            for (int a = 0; a < dcs; a++) {
                for (int b = a + 1; b < dcs; b++) {
                    final List<SimNetwork.SimNode> sideA = nodesOf(a);
                    final List<SimNetwork.SimNode> sideB = nodesOf(b);
                    if (sideA.isEmpty() || sideB.isEmpty()) {
                        continue;
                    }
                    net.fabric(sideA, sideB, interDcFabric.withSeed(seed * 7_919L + 1_000_003L * (a * (long) dcs + b)));
                    final List<EcmpFabric> all = net.fabrics();
                    dcFabrics.add(new DcFabric(a, b, all.get(all.size() - 1)));
                }
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                final int paths = topology.dcOf(a) == topology.dcOf(b) ? 1 : interDcPaths;
                final Connection c = fabrics.get(a).node.endpoint().connect(net.nowNs(), fabrics.get(b).node.addresses(paths));
                c.attachment(b);
                fabrics.get(a).connections[b] = c;
            }
        }
        final boolean up = net.runUntil(this::allEstablished, net.nowNs() + TimeUnit.SECONDS.toNanos(60));
        if (!up) {
            throw new IllegalStateException("simulated cluster of " + n + " ranks did not connect within 60 s of virtual time (seed "
                + seed + ")");
        }
    }

    /** A cluster over perfect links of the given delay and rate, all ranks in one DC. */
    public static SimCluster flat(final int ranks, final String linkSpec, final long seed) {
        final LinkSpec spec = LinkSpec.parse(linkSpec);
        return new SimCluster(Topology.flat(ranks), spec, spec, seed, new CoreConfig());
    }


    private List<SimNetwork.SimNode> nodesOf(final int dc) {
        final List<SimNetwork.SimNode> out = new ArrayList<>();
        for (final SimFabric f : fabrics) {
            if (topology.dcOf(f.rank) == dc) {
                out.add(f.node);
            }
        }
        return out;
    }

    private boolean allEstablished() {
        for (final SimFabric f : fabrics) {
            for (int p = 0; p < f.connections.length; p++) {
                if (p != f.rank && (f.connections[p] == null || f.connections[p].state() != ConnectionState.ESTABLISHED)) {
                    return false;
                }
            }
        }
        return true;
    }

    public SimNetwork network() {
        return net;
    }

    public Topology topology() {
        return topology;
    }

    public long seed() {
        return seed;
    }

    public int size() {
        return fabrics.size();
    }

    public Fabric fabric(final int rank) {
        return fabrics.get(rank);
    }

    /** @return the simulated node of {@code rank} (its index in the network, for taps and fabric lookups). */
    public SimNetwork.SimNode node(final int rank) {
        return fabrics.get(rank).node;
    }

    /** @return the ECMP fabrics between DCs, one per pair of DCs in order (a, b) with a &lt; b; empty without a fabric. */
    public List<DcFabric> dcFabrics() {
        return List.copyOf(dcFabrics);
    }

    /** @return paths per connection between DCs (connections inside a DC have one). */
    public int interDcPaths() {
        return interDcPaths;
    }

    /** @return the transport connection from {@code rank} to {@code peer} (for statistics). */
    public Connection connection(final int rank, final int peer) {
        return fabrics.get(rank).connections[peer];
    }

    /**
     * Runs the network until every future is done or {@code maxVirtualNs} of virtual time passed.
     *
     * @return whether all completed (normally or exceptionally).
     */
    public boolean await(final long maxVirtualNs, final CompletableFuture<?>... futures) {
        return runUntil(() -> {
            for (final CompletableFuture<?> f : futures) {
                if (!f.isDone()) {
                    return false;
                }
            }
            return true;
        }, maxVirtualNs);
    }

    /** Runs the network until {@code done} or {@code maxVirtualNs} of virtual time passed. */
    public boolean runUntil(final BooleanSupplier done, final long maxVirtualNs) {
        return net.runUntil(done, net.nowNs() + maxVirtualNs);
    }

    /** Takes {@code rank} down: its connections close (peers see it), its receives and sends fail. */
    public void kill(final int rank) {
        final SimFabric f = fabrics.get(rank);
        f.dead = true;
        for (final Connection c : f.connections) {
            if (c != null) {
                c.close(net.nowNs(), CLOSE_KILLED, "rank " + rank + " was killed");
            }
        }
        f.matcher.failAll(new PeerFailureException(-1, "rank " + rank + " was killed"));
        requestPoll();
    }

    /**
     * Hangs {@code rank}, as SIGSTOP would: it sends nothing, closes nothing and answers nothing,
     * so its peers learn of it only from the silence (the sessions' idle timeout).
     */
    public void stop(final int rank) {
        fabrics.get(rank).node.suspend();
    }

    @Override
    public void close() {
        for (final SimFabric f : fabrics) {
            f.close();
        }
    }

    /** Makes the network poll every node at the current virtual time (safe inside callbacks). */
    private void requestPoll() {
        if (!pollScheduled) {
            pollScheduled = true;
            net.schedule(net.nowNs(), () -> pollScheduled = false);
        }
    }

    private final class SimFabric implements Fabric, ConnectionHandler {
        private final class PendingSend {
            final int tag;
            /** Null once joined into {@link #message} (see {@link #detach}). */
            ByteBuffer header;
            ByteBuffer message;
            final long deadlineNs;
            final CompletableFuture<Void> future;

            PendingSend(final int tag, final ByteBuffer header, final ByteBuffer message, final long deadlineNs,
                        final CompletableFuture<Void> future) {
                this.tag = tag;
                this.header = header;
                this.message = message;
                this.deadlineNs = deadlineNs;
                this.future = future;
            }

            /** Not started yet: one private copy of header and body takes the caller's buffers' place. */
            void detach() {
                if (header != null) {
                    final ByteBuffer m = ByteBuffer.allocate(header.remaining() + message.remaining());
                    m.put(header.duplicate()).put(message.duplicate()).flip();
                    header = null;
                    message = m;
                }
            }
        }

        final int rank;
        final MessageMatcher matcher;
        /** Receive buffers handed back, reassembled into again, as on the transport fabric. */
        final MessagePool pool = new MessagePool(MessagePool.DEFAULT_MAX_BYTES);
        final Connection[] connections;
        final boolean[] established;
        final List<ArrayDeque<PendingSend>> waiting = new ArrayList<>();
        final List<Map<Long, CompletableFuture<Void>>> inFlight = new ArrayList<>();
        final long[] rttNs;
        final long[] rttSampledNs;
        SimNetwork.SimNode node;
        boolean dead;

        SimFabric(final int rank, final int ranks) {
            this.rank = rank;
            this.matcher = new MessageMatcher(ranks);
            this.connections = new Connection[ranks];
            this.established = new boolean[ranks];
            this.rttNs = new long[ranks];
            this.rttSampledNs = new long[ranks];
            java.util.Arrays.fill(rttNs, -1);
            java.util.Arrays.fill(rttSampledNs, Long.MIN_VALUE);
            for (int i = 0; i < ranks; i++) {
                waiting.add(new ArrayDeque<>());
                inFlight.add(new HashMap<>());
            }
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return connections.length;
        }

        @Override
        public long nowNs() {
            return net.nowNs();
        }

        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
            return send(peer, tag, null, message, false, 0);
        }

        /** Frames the packets straight from {@code body}, as the transport fabric does. */
        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer body) {
            return send(peer, tag, header.slice(), body.slice(), false, 0);
        }

        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message, final long deadlineNs) {
            return send(peer, tag, null, message, true, deadlineNs);
        }

        private CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer message,
                                             final boolean deadline, final long deadlineNs) {
            if (peer < 0 || peer >= connections.length || peer == rank) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not another rank of "
                    + connections.length));
            }
            if (dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " was killed"));
            }
            final CompletableFuture<Void> f = new CompletableFuture<>();
            final long stopNs = deadline ? deadlineNs - Math.max(0, rttNs(peer)) / 2 : Long.MAX_VALUE;
            if (!established[peer]) {
                waiting.get(peer).add(new PendingSend(tag, header, message, stopNs, f));
                return f;
            }
            transmit(peer, tag, header, message, stopNs, f);
            return f;
        }

        @Override
        public long rttNs(final int peer) {
            final Connection c = peer >= 0 && peer < connections.length ? connections[peer] : null;
            if (c == null || !established[peer]) {
                return -1;
            }
            final long now = net.nowNs();
            if (now - rttSampledNs[peer] >= TimeUnit.MILLISECONDS.toNanos(10) || rttNs[peer] < 0) {
                rttSampledNs[peer] = now;
                rttNs[peer] = c.stats().paths().get(0).smoothedRttNs();
            }
            return rttNs[peer];
        }

        private void transmit(final int peer, final int tag, final ByteBuffer header, final ByteBuffer message, final long stopNs,
                              final CompletableFuture<Void> f) {
            final Connection c = connections[peer];
            try {
                final long now = net.nowNs();
                final long id = stopNs != Long.MAX_VALUE ? c.send(now, tag, message, stopNs)
                    : header != null ? c.send(now, tag, header, message) : c.send(now, tag, message);
                inFlight.get(peer).put(id, f);
                requestPoll();
            } catch (final RuntimeException e) {
                f.completeExceptionally(new PeerFailureException(peer, "cannot send to rank " + peer + ": " + e.getMessage()));
            }
        }

        @Override
        public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
            return matcher.receive(peer, tag);
        }

        @Override
        public CompletableFuture<Received> receiveMessage(final int peer, final int tag) {
            return matcher.receiveMessage(peer, tag);
        }

        @Override
        public void discard(final int peer, final int tag) {
            matcher.discard(peer, tag);
        }

        @Override
        public void release(final ByteBuffer message) {
            pool.give(message);
        }

        /** Copies what the connection still has to send of {@code send}, as the transport fabric does; at once (virtual time). */
        @Override
        public CompletableFuture<Void> detach(final CompletableFuture<Void> send) {
            for (int peer = 0; peer < connections.length; peer++) {
                for (final Map.Entry<Long, CompletableFuture<Void>> e : inFlight.get(peer).entrySet()) {
                    if (e.getValue() == send) {
                        connections[peer].detach(e.getKey());
                        return CompletableFuture.completedFuture(null);
                    }
                }
                for (final PendingSend w : waiting.get(peer)) {
                    if (w.future == send) {
                        w.detach();
                        return CompletableFuture.completedFuture(null);
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public ByteBuffer receiveBuffer(final Connection connection, final int tag, final int length) {
            return pool.take(length);
        }

        @Override
        public Timer schedule(final long delayNs, final Runnable task) {
            final boolean[] cancelled = new boolean[1];
            net.schedule(net.nowNs() + Math.max(0, delayNs), () -> {
                if (!cancelled[0]) {
                    task.run();
                }
            });
            return () -> cancelled[0] = true;
        }

        @Override
        public void close() {
            matcher.failAll(new PeerFailureException(-1, "rank " + rank + " closed its fabric"));
        }

        // ------------------------------------------------------------------ ConnectionHandler

        @Override
        public void onEstablished(final Connection connection) {
            if (connection.attachment() == null) {
                connection.attachment(((SimAddress) connection.remoteAddress(0)).node());
            }
            final int peer = (Integer) connection.attachment();
            connections[peer] = connection;
            established[peer] = true;
            final ArrayDeque<PendingSend> q = waiting.get(peer);
            while (!q.isEmpty()) {
                final PendingSend s = q.poll();
                transmit(peer, s.tag, s.header, s.message, s.deadlineNs, s.future);
            }
        }

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            if (dead || connection.attachment() == null) {
                return;
            }
            matcher.deliver((Integer) connection.attachment(), tag, data, missing);
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            if (connection.attachment() == null) {
                return;
            }
            final int peer = (Integer) connection.attachment();
            final CompletableFuture<Void> f = inFlight.get(peer).remove(messageId);
            if (f == null) {
                return;
            }
            if (status == SendStatus.DELIVERED || status == SendStatus.EXPIRED) {
                f.complete(null);
            } else {
                f.completeExceptionally(new PeerFailureException(peer, "message to rank " + peer + " " + status
                    + (detail.isEmpty() ? "" : ": " + detail)));
            }
        }

        @Override
        public void onClosed(final Connection connection, final int code, final String reason, final boolean byPeer) {
            if (connection.attachment() == null) {
                return;
            }
            final int peer = (Integer) connection.attachment();
            final PeerFailureException cause = new PeerFailureException(peer, "connection to rank " + peer + " closed"
                + (byPeer ? " by the peer" : "") + ": " + reason);
            matcher.failPeer(peer, cause);
            final List<CompletableFuture<Void>> victims = new ArrayList<>(inFlight.get(peer).values());
            inFlight.get(peer).clear();
            for (final PendingSend s : waiting.get(peer)) {
                victims.add(s.future);
            }
            waiting.get(peer).clear();
            for (final CompletableFuture<Void> f : victims) {
                f.completeExceptionally(cause);
            }
        }

        @Override
        public String toString() {
            return "SimFabric[rank=" + rank + "/" + connections.length + "]";
        }
    }
}
