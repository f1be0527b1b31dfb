package io.longhaul.collectives.fabric;

import io.longhaul.collectives.Topology;
import io.longhaul.collectives.rendezvous.LaunchEnvironment.LaunchInfo;
import io.longhaul.collectives.rendezvous.RendezvousException;
import io.longhaul.collectives.rendezvous.StoreClient;
import io.longhaul.collectives.rendezvous.StoreServer;
import io.longhaul.transport.MessageHandler;
import io.longhaul.transport.Session;
import io.longhaul.transport.Transport;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link Fabric} over the real longhaul transport: one reliable {@link Session} per pair of ranks,
 * the lower rank dialling the higher one, fabric tags carried as transport message tags.
 *
 * <p>Each rank owns one {@link Transport} (one UDP socket and event loop), or two when the topology
 * has several DCs and an emulated link is configured: a plain one for peers in its own DC and one
 * whose egress emulates the long-haul link for the others (see {@link TransportFabricConfig}). The
 * dialling rank opens the session and sends a hello naming itself; the accepting rank learns which
 * rank a session belongs to from that hello (messages that overtake it wait for it).
 *
 * <p>Arrivals are handed from the transport's event loop to one worker thread per rank, which
 * feeds the {@link MessageMatcher}, runs the collective's steps (reductions, copies) and the timers,
 * so the event loop never computes. A session that closes (the peer died, closed its fabric or went
 * silent past the idle timeout) fails every receive from that peer with a
 * {@link PeerFailureException} naming it; sends to it fail likewise.
 *
 * <p>Two ways to build one: {@link #rendezvous} for one rank per process (rank 0 hosts the
 * key-value store where ranks publish their addresses), {@link TransportCluster} for N ranks in
 * one process over loopback.
 */
public final class TransportFabric implements Fabric {
    private static final System.Logger LOG = System.getLogger(TransportFabric.class.getName());
    /** Transport message tag of the hello a dialling rank sends first ("LHHI"). */
    static final int HELLO_TAG = 0x4C48_4849;
    private static final int HELLO_MAGIC = 0x4C48_4849;
    private static final int HELLO_BYTES = 16;
    /** Sends handed to a transport and not yet acknowledged, over all peers. */
    private static final int SEND_QUEUE_CAPACITY = 1 << 16;
    /** Samples sessions' RTT for {@link #rttNs}, for every fabric of the process. */
    private static final java.util.concurrent.ExecutorService RTT_SAMPLER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        final Thread t = new Thread(r, "longhaul-fabric-rtt");
        t.setDaemon(true);
        return t;
    });
    /** How long {@link #close()} waits for sends in flight to be acknowledged. */
    private static final long CLOSE_DRAIN_NS = TimeUnit.SECONDS.toNanos(10);

    private final int rank;
    private final int size;
    private final Topology topology;
    private final TransportFabricConfig config;
    private final MessageMatcher matcher;
    /** Receive buffers the collectives handed back, reassembled into again. */
    private final MessagePool pool = new MessagePool(MessagePool.DEFAULT_MAX_BYTES);
    /** In-place sends not yet delivered, by the future {@link #send(int, int, ByteBuffer, ByteBuffer)} returned. */
    private final Map<CompletableFuture<Void>, InPlaceSend> inPlace = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor worker;
    private final Transport local;
    private final Transport remote;
    private final Session[] sessions;
    private final CompletableFuture<?>[] ready;
    private final Map<Session, Integer> peerOf = new ConcurrentHashMap<>();
    /** Messages from sessions whose hello has not arrived yet; guarded by itself. */
    private final Map<Session, List<Object[]>> early = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    /** Smoothed RTT per peer as last sampled, -1 before; refreshed on the worker at most every 100 ms. */
    private final long[] rtt;
    private final long[] rttSampledNs;
    private volatile boolean closing;
    private volatile boolean closed;
    private StoreClient store;
    private StoreServer storeServer;

    /** Opens this rank's transport(s) on {@code bindHost}; peers are connected by {@link #connectPeers}. */
    TransportFabric(final int rank, final int size, final TransportFabricConfig config, final String bindHost) {
        config.validate();
        this.rank = rank;
        this.size = size;
        this.config = config.copy();
        this.topology = config.topology() == null ? Topology.flat(size) : config.topology();
        if (topology.size() != size) {
            throw new IllegalArgumentException("topology " + topology + " has " + topology.size() + " ranks but the world has " + size);
        }
        this.matcher = new MessageMatcher(size);
        this.sessions = new Session[size];
        this.ready = new CompletableFuture<?>[size];
        this.rtt = new long[size];
        this.rttSampledNs = new long[size];
        java.util.Arrays.fill(rtt, -1);
        java.util.Arrays.fill(rttSampledNs, Long.MIN_VALUE);
        for (int p = 0; p < size; p++) {
            ready[p] = new CompletableFuture<Void>();
        }
        ready[rank].complete(null);
        worker = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "longhaul-fabric-rank" + rank);
            t.setDaemon(true);
            return t;
        });
        worker.setRemoveOnCancelPolicy(true);
        final MessageHandler handler = new Handler();
        final String shaped = config.emulates() ? config.link() : "";
        final long seed = config.linkSeed() + 2L * rank;
        Transport plain = null;
        try {
            if (config.splitsTransports()) {
                plain = Transport.open(context(bindHost, "", seed, handler, "intra"));
                this.local = plain;
                this.remote = Transport.open(context(bindHost, shaped, seed + 1, handler, "inter"));
            } else {
                this.local = Transport.open(context(bindHost, shaped, seed, handler, "all"));
                this.remote = local;
            }
        } catch (final RuntimeException e) {
            if (plain != null) {
                plain.close();
            }
            worker.shutdownNow();
            throw e;
        }
    }

    private TransportContext context(final String bindHost, final String link, final long seed, final MessageHandler handler,
                                     final String role) {
        final TransportContext context = new TransportContext();
        final InetSocketAddress bind = new InetSocketAddress(bindHost, 0);
        if (config.maxPayloadBytes() > 0) {
            context.maxPayloadBytes(config.maxPayloadBytes());
        } else if (bind.getAddress() != null && bind.getAddress().isLoopbackAddress()) {
            // Bound to loopback, it only ever talks over loopback: jumbo frames, as in-process clusters use.
            context.maxPayloadBytes(TransportCluster.LOOPBACK_MAX_PAYLOAD_BYTES);
        }
        return context.bindAddress(bind).link(link).linkSeed(seed)
            .congestionControl(config.congestionControl()).scheduler(config.scheduler()).paths(config.paths())
            .connectTimeoutNs(config.connectTimeoutNs()).sendQueueCapacity(SEND_QUEUE_CAPACITY)
            .messageHandler(handler).threadName("longhaul-rank" + rank + "-" + role).sharedEventLoops(true)
            .key(config.key()).insecure(config.insecure()).idleTimeoutNs(config.peerTimeoutNs());
    }

    /**
     * Where rank 0 hosts the store: MASTER_ADDR's own interface when it is one of this host's
     * addresses (so MASTER_ADDR=127.0.0.1 keeps it on loopback), else every interface.
     */
    static InetSocketAddress storeBind(final InetSocketAddress master) {
        final InetSocketAddress resolved = master.isUnresolved() ? new InetSocketAddress(master.getHostString(), master.getPort()) : master;
        final java.net.InetAddress a = resolved.getAddress();
        try {
            if (a != null && (a.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(a) != null)) {
                return new InetSocketAddress(a, master.getPort());
            }
        } catch (final java.net.SocketException e) {
            // fall through: every interface
        }
        return new InetSocketAddress(master.getPort());
    }

    /**
     * Joins a job of one rank per process: rank 0 hosts the rendezvous store on the master port,
     * every rank publishes its transport address(es) there, waits for everyone's, connects to the
     * ranks above it and waits until every pair has a session, all within
     * {@link TransportFabricConfig#connectTimeoutNs()} per phase.
     *
     * @throws RendezvousException naming the ranks that never registered or never connected.
     */
    public static TransportFabric rendezvous(final LaunchInfo launch, final TransportFabricConfig given) {
        given.validate();
        final TransportFabricConfig config = given.key() != null || given.insecure() ? given : given.copy().key(JobKey.fromEnvironment());
        final long timeoutNs = config.connectTimeoutNs();
        final int rank = launch.rank();
        final int size = launch.worldSize();
        StoreServer server = null;
        StoreClient client = null;
        TransportFabric fabric = null;
        try {
            if (rank == 0) {
                server = StoreServer.start(storeBind(launch.master()), config.key());
            }
            client = StoreClient.connect(launch.master(), timeoutNs, config.key());
            final String bindHost = config.bindHost() != null ? config.bindHost() : client.localAddress().getHostAddress();
            fabric = new TransportFabric(rank, size, config, bindHost);
            fabric.store = client;
            fabric.storeServer = server;
            final String publishHost = isWildcard(bindHost) ? client.localAddress().getHostAddress() : bindHost;
            client.set("rank/" + rank, size + "|" + fabric.addresses(publishHost));
            final String[] peers = new String[size];
            final long deadline = System.nanoTime() + timeoutNs;
            for (int p = 0; p < size; p++) {
                final String v = client.get("rank/" + p, Math.max(1, deadline - System.nanoTime()));
                if (v == null) {
                    throw new RendezvousException("rendezvous timed out after " + seconds(timeoutNs) + ": "
                        + StoreClient.describeRanks(client.missing("rank/", size)) + " never registered (store at "
                        + launch.master().getHostString() + ":" + launch.master().getPort() + ")");
                }
                final int bar = v.indexOf('|');
                final int theirSize = Integer.parseInt(v.substring(0, bar));
                if (theirSize != size) {
                    throw new RendezvousException("rank " + p + " runs with world size " + theirSize + " but rank " + rank + " with "
                        + size + ": every rank must be started with the same world size");
                }
                peers[p] = v.substring(bar + 1);
            }
            fabric.connectPeers(peers, timeoutNs);
            client.barrier("ready", rank, size, timeoutNs);
            LOG.log(System.Logger.Level.INFO, "rank " + rank + " of " + size + " connected: " + fabric.describe());
            return fabric;
        } catch (final RuntimeException e) {
            if (fabric != null) {
                fabric.abort("rendezvous failed");
            } else {
                if (client != null) {
                    client.close();
                }
                if (server != null) {
                    server.close();
                }
            }
            throw e;
        }
    }

    private static boolean isWildcard(final String host) {
        try {
            return InetAddress.getByName(host).isAnyLocalAddress();
        } catch (final UnknownHostException e) {
            return false;
        }
    }

    /** @return the addresses peers dial: {@code host:port} of the plain transport, then {@code ;host:port} of the shaped one if apart. */
    String addresses(final String publishHost) {
        final String a = publishHost + ":" + local.localAddress().getPort();
        return remote == local ? a : a + ";" + publishHost + ":" + remote.localAddress().getPort();
    }

    /** @return the transport this rank uses toward {@code peer}. */
    private Transport transportFor(final int peer) {
        return topology.dcOf(peer) == topology.dcOf(rank) ? local : remote;
    }

    private InetSocketAddress peerAddress(final int peer, final String published) {
        final String[] parts = published.split(";");
        final String chosen = topology.dcOf(peer) == topology.dcOf(rank) || parts.length < 2 ? parts[0] : parts[1];
        final int colon = chosen.lastIndexOf(':');
        String host = chosen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(chosen.substring(colon + 1)));
    }

    /**
     * Dials every higher rank and waits until every peer has a session (the lower ones dial us).
     *
     * @throws RendezvousException naming the ranks without a session after {@code timeoutNs}.
     */
    void connectPeers(final String[] published, final long timeoutNs) {
        for (int p = rank + 1; p < size; p++) {
            final int peer = p;
            final InetSocketAddress address = peerAddress(p, published[p]);
            final CompletableFuture<Session> connecting;
            try {
                connecting = transportFor(p).connectAsync(address, config.paths());
            } catch (final RuntimeException e) {
                ready[p].completeExceptionally(e);
                continue;
            }
            connecting.thenCompose(s -> {
                register(peer, s);
                return s.send(HELLO_TAG, hello());
            }).whenComplete((status, error) -> {
                if (error != null) {
                    ready[peer].completeExceptionally(new RendezvousException("cannot connect rank " + rank + " to rank " + peer + " at "
                        + address + ": " + cause(error).getMessage(), cause(error)));
                } else {
                    ready[peer].complete(null);
                }
            });
        }
        try {
            CompletableFuture.allOf(ready).get(timeoutNs, TimeUnit.NANOSECONDS);
        } catch (final TimeoutException e) {
            final List<Integer> missing = new ArrayList<>();
            for (int p = 0; p < size; p++) {
                if (!ready[p].isDone()) {
                    missing.add(p);
                }
            }
            throw new RendezvousException("connection set-up timed out after " + seconds(timeoutNs) + ": rank " + rank
                + " has no session with " + StoreClient.describeRanks(missing) + " (lower ranks dial higher ones; is UDP between "
                + "the hosts blocked?)");
        } catch (final ExecutionException e) {
            throw cause(e) instanceof RuntimeException ? (RuntimeException) cause(e) : new RendezvousException(cause(e).toString(), cause(e));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RendezvousException("interrupted while connecting to peers", e);
        }
    }

    private static Throwable cause(final Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private ByteBuffer hello() {
        final ByteBuffer b = ByteBuffer.allocate(HELLO_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(HELLO_MAGIC).putInt(rank).putInt(size).putInt(topology.dcOf(rank)).flip();
        return b;
    }

    /** Binds {@code session} to {@code peer} and delivers what arrived on it before. */
    private void register(final int peer, final Session session) {
        final List<Object[]> backlog;
        synchronized (early) {
            sessions[peer] = session;
            peerOf.put(session, peer);
            backlog = early.remove(session);
        }
        if (backlog != null) {
            for (final Object[] m : backlog) {
                deliver(peer, (Integer) m[0], (ByteBuffer) m[1], (MissingRanges) m[2]);
            }
        }
        if (!session.isOpen()) {
            onClosed(peer, session, session.closeReason());
        }
    }

    private void deliver(final int peer, final int tag, final ByteBuffer data, final MissingRanges missing) {
        try {
            worker.execute(() -> matcher.deliver(peer, tag, data, missing));
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            // closed: nobody is waiting any more
        }
    }

    private void onClosed(final int peer, final Session session, final String reason) {
        if (closing) {
            return;
        }
        final PeerFailureException cause = new PeerFailureException(peer, "connection to rank " + peer + " at "
            + session.remoteAddress() + " lost: " + reason);
        ready[peer].completeExceptionally(cause);
        try {
            worker.execute(() -> matcher.failPeer(peer, cause));
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    /** Transport events, on a transport's event loop. */
    private final class Handler implements MessageHandler {
        @Override
        public ByteBuffer receiveBuffer(final Session session, final int tag, final int length) {
            return pool.take(length);
        }

        @Override
        public void onMessage(final Session session, final int tag, final ByteBuffer data, final MissingRanges missing) {
            Integer peer = peerOf.get(session);
            if (peer == null) {
                if (tag == HELLO_TAG && data.remaining() == HELLO_BYTES
                    && data.order(ByteOrder.LITTLE_ENDIAN).getInt(data.position()) == HELLO_MAGIC) {
                    onHello(session, data);
                    return;
                }
                synchronized (early) {
                    peer = peerOf.get(session);
                    if (peer == null) {
                        early.computeIfAbsent(session, s -> new ArrayList<>()).add(new Object[] {tag, data, missing});
                        return;
                    }
                }
            }
            deliver(peer, tag, data, missing);
        }

        private void onHello(final Session session, final ByteBuffer data) {
            final int p = data.position();
            final int from = data.getInt(p + 4);
            final int theirSize = data.getInt(p + 8);
            if (theirSize != size || from < 0 || from >= rank) {
                LOG.log(System.Logger.Level.WARNING, "rank " + rank + " of " + size + ": refusing a hello from " + session.remoteAddress()
                    + " claiming rank " + from + " of " + theirSize);
                session.close("rank " + rank + " of " + size + " expects hellos from ranks 0-" + (rank - 1) + " of " + size
                    + ", not rank " + from + " of " + theirSize);
                return;
            }
            if (sessions[from] != null && sessions[from] != session) {
                session.close("rank " + from + " is already connected");
                return;
            }
            register(from, session);
            ready[from].complete(null);
        }

        @Override
        public void onSessionClosed(final Session session, final String reason, final boolean byPeer) {
            final Integer peer = peerOf.get(session);
            synchronized (early) {
                early.remove(session);
            }
            if (peer != null) {
                onClosed(peer, session, reason);
            }
        }
    }

    // ------------------------------------------------------------------ Fabric

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public long nowNs() {
        return System.nanoTime();
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
        if (peer < 0 || peer >= size) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not a rank of " + size));
        }
        if (closed || closing) {
            return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " closed its fabric"));
        }
        if (peer == rank) {
            deliver(rank, tag, message, MissingRanges.NONE);
            return CompletableFuture.completedFuture(null);
        }
        final Session s = sessions[peer];
        if (s == null) {
            return CompletableFuture.failedFuture(new PeerFailureException(peer, "rank " + rank + " has no session with rank " + peer));
        }
        return track(peer, s, s.send(tag, message));
    }

    /** Frames the packets straight from {@code body}; completes once the peer acknowledged all of it. */
    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer body) {
        final Session s = peer >= 0 && peer < size && peer != rank && !closed && !closing ? sessions[peer] : null;
        if (s == null) {
            // Errors and messages to this rank itself (delivered at once, so copied) as any other send.
            return Fabric.super.send(peer, tag, header, body);
        }
        final CompletableFuture<SendStatus> sending = s.send(tag, header, body);
        final CompletableFuture<Void> f = track(peer, s, sending);
        inPlace.put(f, new InPlaceSend(s, sending));
        f.whenComplete((v, e) -> inPlace.remove(f));
        return f;
    }

    /** An in-place send still reading its body: the session and the transport's own future. */
    private record InPlaceSend(Session session, CompletableFuture<SendStatus> sending) {
    }

    @Override
    public CompletableFuture<Void> detach(final CompletableFuture<Void> send) {
        final InPlaceSend p = inPlace.get(send);
        return p == null ? CompletableFuture.completedFuture(null) : p.session().detach(p.sending());
    }

    /**
     * Sends a deadline message through the transport: repairs stop half a smoothed RTT before
     * {@code deadlineNs}, so that the receiver (which delivers at the sender's deadline plus the
     * one-way delay) has it by {@code deadlineNs}.
     */
    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message, final long deadlineNs) {
        if (peer < 0 || peer >= size) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not a rank of " + size));
        }
        if (closed || closing) {
            return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " closed its fabric"));
        }
        if (peer == rank) {
            deliver(rank, tag, message, MissingRanges.NONE);
            return CompletableFuture.completedFuture(null);
        }
        final Session s = sessions[peer];
        if (s == null) {
            return CompletableFuture.failedFuture(new PeerFailureException(peer, "rank " + rank + " has no session with rank " + peer));
        }
        final long stopNs = deadlineNs - Math.max(0, rttNs(peer)) / 2;
        return track(peer, s, s.send(tag, message, stopNs));
    }

    @Override
    public long rttNs(final int peer) {
        if (peer < 0 || peer >= size || peer == rank) {
            return peer == rank ? 0 : -1;
        }
        final long now = System.nanoTime();
        final Session s = sessions[peer];
        synchronized (rtt) {
            if (s != null && now - rttSampledNs[peer] > TimeUnit.MILLISECONDS.toNanos(100)) {
                rttSampledNs[peer] = now;
                // On a thread of its own: a stats snapshot waits for the event loop, and the worker
                // (which runs the collective's steps) must not.
                RTT_SAMPLER.execute(() -> {
                    if (closing) {
                        return;
                    }
                    try {
                        final long v = s.stats().paths().get(0).smoothedRttNs();
                        synchronized (rtt) {
                            rtt[peer] = v;
                        }
                    } catch (final RuntimeException e) {
                        // session closed or not connected yet: keep the last estimate
                    }
                });
            }
            return rtt[peer];
        }
    }

    private CompletableFuture<Void> track(final int peer, final Session s, final CompletableFuture<?> sending) {
        inFlight.incrementAndGet();
        return sending.handle((status, error) -> {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
            if (error != null) {
                throw new CompletionException(new PeerFailureException(peer, "message to rank " + peer + " at " + s.remoteAddress()
                    + " failed: " + cause(error).getMessage()));
            }
            return null;
        });
    }

    @Override
    public void release(final ByteBuffer message) {
        pool.give(message);
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
    public Timer schedule(final long delayNs, final Runnable task) {
        try {
            final ScheduledFuture<?> f = worker.schedule(task, Math.max(0, delayNs), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            return () -> { };
        }
    }

    /**
     * Waits (up to 10 s) until every message sent was acknowledged, so peers get all they expect
     * from this rank, then closes the sessions, the transport(s), the store; pending receives fail.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        awaitDrained(System.nanoTime() + CLOSE_DRAIN_NS);
        abort("rank " + rank + " closed its fabric");
    }

    /**
     * Waits until every message this rank sent was acknowledged, or until {@code deadlineNs};
     * says which sessions still wait if the deadline passes.
     *
     * @return whether everything was acknowledged.
     */
    boolean awaitDrained(final long deadlineNs) {
        synchronized (drained) {
            while (inFlight.get() > 0 && deadlineNs - System.nanoTime() > 0) {
                try {
                    drained.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())));
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (inFlight.get() == 0) {
            return true;
        }
        final StringBuilder detail = new StringBuilder();
        for (int p = 0; p < size; p++) {
            final Session s = sessions[p];
            if (s != null) {
                final var st = s.stats();
                if (st.messagesSent() != st.messagesDelivered()) {
                    detail.append("; to rank ").append(p).append(": ").append(st.messagesSent() - st.messagesDelivered())
                        .append(" messages, ").append(st.sum(io.longhaul.transport.core.PathStats::bytesInFlight)).append(" bytes in flight");
                }
            }
        }
        LOG.log(System.Logger.Level.WARNING, "rank " + rank + " closing with " + inFlight.get() + " messages still unacknowledged" + detail);
        return false;
    }

    /** Closes at once, without waiting for sends in flight (peers see the sessions close with {@code reason}). */
    void abort(final String reason) {
        if (closing) {
            return;
        }
        closing = true;
        matcher.failAll(new PeerFailureException(-1, reason));
        if (remote != local) {
            remote.close();
        }
        local.close();
        worker.shutdownNow();
        if (store != null) {
            store.close();
        }
        if (storeServer != null) {
            storeServer.close();
        }
        closed = true;
    }

    // ------------------------------------------------------------------ inspection

    public Topology topology() {
        return topology;
    }

    /** @return this rank's transports: the plain one, then the shaped one if apart. */
    public List<Transport> transports() {
        return remote == local ? List.of(local) : List.of(local, remote);
    }

    /** @return the session with {@code peer}, or null (for statistics). */
    public Session session(final int peer) {
        return sessions[peer];
    }

    /** @return e.g. {@code 10.0.0.1:40001 (dc 0), 10.0.0.1:40002 (to other DCs, link delay=5ms)}. */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        sb.append(local.localAddress()).append(" (").append(local.ioMode()).append(", cc ").append(config.congestionControl());
        if (config.paths() > 1) {
            sb.append(", ").append(config.paths()).append(" paths, scheduler ").append(config.scheduler());
        }
        if (remote == local) {
            sb.append(emulated(local).isEmpty() ? "" : ", " + emulated(local));
        } else {
            sb.append(", dc ").append(topology.dcOf(rank)).append("), ").append(remote.localAddress())
                .append(" (to other DCs, ").append(emulated(remote));
        }
        return sb.append(')').toString();
    }

    /** @return {@code link SPEC}, {@code fabric SPEC} (the transport's own egress fabric) or empty. */
    private static String emulated(final Transport t) {
        if (t.fabric() != null) {
            return "fabric " + t.fabric() + " (this rank's egress)";
        }
        return t.link().isPerfect() ? "" : "link " + t.link();
    }

    private static String seconds(final long ns) {
        final double s = ns / 1e9;
        return s == Math.rint(s) ? (long) s + " s" : String.format(java.util.Locale.ROOT, "%.1f s", s);
    }

    @Override
    public String toString() {
        return "TransportFabric[rank=" + rank + "/" + size + ", " + describe() + "]";
    }
}
