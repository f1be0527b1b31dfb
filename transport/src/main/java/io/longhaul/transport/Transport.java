package io.longhaul.transport;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.DropReason;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.media.UdpDriver;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A longhaul transport bound to a local UDP address: accepts sessions from peers and opens sessions
 * to them, each carrying messages over one or more paths.
 *
 * <pre>{@code
 * try (Transport server = Transport.open(new TransportContext().bindAddress("0.0.0.0:9000")
 *          .messageHandler((session, tag, data, missing) -> process(data)));
 *      Transport client = Transport.open(new TransportContext().link("delay=5ms,loss=0.1%"))) {
 *     Session session = client.connect(new InetSocketAddress("10.0.0.2", 9000), 4);
 *     session.send(7, ByteBuffer.wrap(bytes)).join();          // DELIVERED
 * }
 * }</pre>
 *
 * <p>One Netty event loop (epoll on Linux, else NIO; see {@link #ioMode()}) owns the protocol
 * endpoint and every socket of the transport; the methods here are thread-safe and hand work to it.
 * Datagrams from unknown peers and malformed ones are dropped and counted ({@link #drops()}),
 * never creating state.
 */
public final class Transport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Transport.class.getName());
    private static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    /** Extra path sockets stay open this long after their session closes, for the CLOSE exchange. */
    private static final long PORT_LINGER_MS = 1_000;

    /**
     * Counters of the egress link emulator, summed over this transport's sockets.
     *
     * @param offered     datagrams offered to the emulated link.
     * @param lost        datagrams dropped by the loss model.
     * @param queueDrops  datagrams tail-dropped by the emulated bottleneck queue.
     * @param duplicated  datagrams delivered twice.
     * @param corrupted   datagrams delivered with a bit flipped.
     */
    public record EmulatorCounters(long offered, long lost, long queueDrops, long duplicated, long corrupted) {
    }

    private final TransportContext context;
    private final MessageHandler handler;
    private final UdpDriver driver;
    private final Object primaryPort;
    private final InetSocketAddress localAddress;
    private final Semaphore permits;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final LinkSpec link;
    private final FabricSpec fabric;
    private volatile boolean closed;

    private Transport(final TransportContext context) {
        this.context = context;
        this.handler = context.messageHandler();
        this.permits = new Semaphore(context.sendQueueCapacity());
        final CoreConfig core = context.coreConfig();
        core.secureConnectionIds(true);
        announceSecurity(context);
        final LinkSpec spec = context.resolvedLink();
        this.link = spec;
        this.fabric = context.resolvedFabric();
        final IoMode io = context.resolvedIoMode();
        final UdpDriver.Settings settings = new UdpDriver.Settings(
            io == IoMode.EPOLL || io == IoMode.IO_URING, context.gso(), context.gro(),
            (int) context.socketBufferBytes(), core.maxDatagramBytes(), context.receiveBatchDatagrams(),
            spec.isPerfect() ? null : spec, spec.seed(), context.sendQueueCapacity() + 1, context.threadName(),
            context.sharedEventLoops(), fabric, io == IoMode.IO_URING);
        this.driver = new UdpDriver(settings, core, new Events());
        driver.call(() -> driver.endpoint().acceptIncoming(context.acceptIncoming()), CLOSE_TIMEOUT_NS);
        try {
            primaryPort = driver.open(context.resolvedBindAddress()).get(context.connectTimeoutNs(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            driver.close(CLOSE_TIMEOUT_NS);
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            driver.close(CLOSE_TIMEOUT_NS);
            throw new IllegalStateException("cannot bind " + context.resolvedBindAddress() + ": " + e, e);
        }
        localAddress = driver.localAddress(primaryPort);
        LOG.log(System.Logger.Level.INFO, "longhaul transport on " + localAddress + ", io " + driver.ioModeDescription()
            + ", cc " + core.congestionControl() + (spec.isPerfect() ? "" : ", emulated egress link " + spec)
            + (fabric == null ? "" : ", emulated egress fabric " + fabric));
        LOG.log(System.Logger.Level.DEBUG, "effective configuration: " + context);
    }

    /**
     * Validates {@code context} ({@link TransportContext#conclude()}), binds its address and starts the
     * event loop.
     *
     * @throws IllegalArgumentException for a bad knob; IllegalStateException if the socket cannot be bound.
     */
    public static Transport open(final TransportContext context) {
        return new Transport(context.conclude());
    }

    /** The local address the transport is bound to (with the actual port when 0 was asked). */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /** The I/O mode in use, e.g. {@code epoll (gso, gro, recvmmsg, sendmmsg)} or {@code nio}. */
    public String ioMode() {
        return driver.ioModeDescription();
    }

    public TransportContext context() {
        return context;
    }

    /** The emulated egress link, or the perfect link when none (also with a fabric: see {@link #fabric()}). */
    public LinkSpec link() {
        return link;
    }

    /**
     * The emulated egress ECMP fabric, or null when none. It models this transport's egress only:
     * another transport, even in this JVM, has its own fabric and link queues.
     */
    public FabricSpec fabric() {
        return fabric;
    }

    /** The open sessions (incoming and outgoing). */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    public boolean isClosed() {
        return closed;
    }

    UdpDriver driver() {
        return driver;
    }

    /** Opens a session with {@link TransportContext#paths()} paths, waiting up to the connect timeout. */
    public Session connect(final InetSocketAddress remote) {
        return connect(remote, context.paths());
    }

    /**
     * Opens a session with {@code paths} paths (one local UDP socket, so one source port, per path),
     * waiting up to {@link TransportContext#connectTimeoutNs()} for the handshake.
     *
     * @throws IllegalStateException naming the peer if it does not answer in time.
     */
    public Session connect(final InetSocketAddress remote, final int paths) {
        if (paths < 1 || paths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths = " + paths + " is out of range; accepted: [1, " + TransportContext.MAX_PATHS + "]");
        }
        return connect(java.util.Collections.nCopies(paths, new PathAddress(null, remote)));
    }

    /**
     * One path's addresses for {@link #connect(List)}: on multi-homed hosts each path may leave
     * from its own local address and go to its own remote address, so paths take disjoint routes.
     *
     * @param local  the local address to send from (port 0 for any), or null for this transport's
     *               address; every path but one sending from the transport's own socket gets its
     *               own socket, hence its own source port.
     * @param remote the peer's address for this path.
     */
    public record PathAddress(InetSocketAddress local, InetSocketAddress remote) {
        public PathAddress {
            java.util.Objects.requireNonNull(remote, "remote");
        }

        /**
         * Parses {@code LOCAL[=REMOTE[:PORT]],...}, one entry per path, as {@code --path-addrs}
         * takes it: {@code 10.0.0.1=10.1.0.1,10.0.0.2=10.1.0.2:9001}. A missing remote is
         * {@code target}; a remote without a port takes {@code target}'s port.
         *
         * @throws IllegalArgumentException naming the entry that is malformed or does not resolve.
         */
        public static List<PathAddress> parseList(final String text, final InetSocketAddress target) {
            final List<PathAddress> result = new ArrayList<>();
            for (final String raw : text.split(",", -1)) {
                final String entry = raw.trim();
                final int eq = entry.indexOf('=');
                final String local = (eq < 0 ? entry : entry.substring(0, eq)).trim();
                final String remote = eq < 0 ? "" : entry.substring(eq + 1).trim();
                if (local.isEmpty()) {
                    throw new IllegalArgumentException("path address '" + raw + "' has no local address; expected LOCAL[=REMOTE[:PORT]]");
                }
                final InetSocketAddress remoteAddress;
                if (remote.isEmpty()) {
                    remoteAddress = target;
                } else {
                    final int colon = remote.lastIndexOf(':');
                    final boolean hasPort = colon > 0 && remote.indexOf(':') == colon;
                    final int port;
                    try {
                        port = hasPort ? Integer.parseInt(remote.substring(colon + 1)) : target.getPort();
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("path address '" + raw + "': bad port; expected LOCAL[=REMOTE[:PORT]]");
                    }
                    remoteAddress = new InetSocketAddress(hasPort ? remote.substring(0, colon) : remote, port);
                }
                final InetSocketAddress localAddress = new InetSocketAddress(local, 0);
                if (localAddress.isUnresolved() || remoteAddress.isUnresolved()) {
                    throw new IllegalArgumentException("path address '" + raw + "' does not resolve");
                }
                result.add(new PathAddress(localAddress, remoteAddress));
            }
            if (result.size() > TransportContext.MAX_PATHS) {
                throw new IllegalArgumentException(result.size() + " path addresses; at most " + TransportContext.MAX_PATHS);
            }
            return result;
        }
    }

    /** Opens a session without waiting; the future completes once the handshake completed. */
    public CompletableFuture<Session> connectAsync(final InetSocketAddress remote, final int paths) {
        if (paths < 1 || paths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths = " + paths + " is out of range; accepted: [1, " + TransportContext.MAX_PATHS + "]");
        }
        return connectAsync(java.util.Collections.nCopies(paths, new PathAddress(null, remote)));
    }

    /**
     * Opens a session whose path i uses {@code paths.get(i)}, waiting up to the connect timeout.
     * The handshake goes over path 0; the peer learns every other path's address from the first
     * packet that arrives on it.
     */
    public Session connect(final List<PathAddress> paths) {
        final CompletableFuture<Session> future = connectAsync(paths);
        final InetSocketAddress remote = paths.get(0).remote();
        try {
            return future.get(context.connectTimeoutNs(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.thenAccept(Session::close);
            future.cancel(false);
            throw new IllegalStateException("no answer from " + remote + " within "
                + TimeUnit.NANOSECONDS.toMillis(context.connectTimeoutNs()) + " ms (is a longhaul server listening there, "
                + (context.key() != null ? "with the same job key? one with another key or none ignores this one's handshake)"
                : "without a job key? one with a key ignores unauthenticated handshakes)"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + remote, e);
        } catch (ExecutionException e) {
            final Throwable cause = e.getCause();
            throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
    }

    /** Opens a session over the given per-path addresses without waiting. @see #connect(List) */
    public CompletableFuture<Session> connectAsync(final List<PathAddress> pathAddresses) {
        final int paths = pathAddresses.size();
        if (paths < 1 || paths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths = " + paths + " is out of range; accepted: [1, " + TransportContext.MAX_PATHS + "]");
        }
        for (final PathAddress a : pathAddresses) {
            if (a.remote().isUnresolved()) {
                throw new IllegalArgumentException("cannot resolve " + a.remote());
            }
            if (a.local() != null && a.local().isUnresolved()) {
                throw new IllegalArgumentException("cannot resolve local address " + a.local());
            }
        }
        final InetSocketAddress remote = pathAddresses.get(0).remote();
        final Session session = new Session(this, true, paths, remote);
        if (closed) {
            session.established().completeExceptionally(new SessionClosedException("transport is closed"));
            return session.established();
        }
        // Path 0 uses this transport's socket unless it names its own local address.
        final boolean ownFirst = pathAddresses.get(0).local() != null;
        final List<CompletableFuture<Object>> opens = new ArrayList<>();
        for (int i = ownFirst ? 0 : 1; i < paths; i++) {
            final InetSocketAddress local = pathAddresses.get(i).local();
            opens.add(driver.open(local != null ? local : new InetSocketAddress(localAddress.getAddress(), 0)));
        }
        CompletableFuture.allOf(opens.toArray(new CompletableFuture<?>[0])).whenComplete((ignored, error) -> {
            final List<Object> ports = new ArrayList<>();
            for (final CompletableFuture<Object> f : opens) {
                if (!f.isCompletedExceptionally()) {
                    ports.add(f.join());
                }
            }
            if (error != null) {
                ports.forEach(driver::closePort);
                session.established().completeExceptionally(error instanceof java.util.concurrent.CompletionException
                    ? error.getCause() : error);
                return;
            }
            driver.execute(() -> {
                if (closed) {
                    ports.forEach(driver::closePort);
                    session.onClosed("transport closed", false);
                    return;
                }
                final Object[] routes = new Object[paths];
                for (int i = 0; i < paths; i++) {
                    final Object port = ownFirst ? ports.get(i) : i == 0 ? primaryPort : ports.get(i - 1);
                    routes[i] = driver.route(port, pathAddresses.get(i).remote());
                }
                final Connection c = driver.endpoint().connect(UdpDriver.nowNs(), routes);
                session.attach(c, routes, ports);
                sessions.add(session);
            });
        });
        return session.established();
    }

    /** @param header sent in front of {@code data} (reliable messages only), or null. */
    CompletableFuture<SendStatus> send(final Session session, final int tag, final ByteBuffer header, final ByteBuffer data,
                                       final boolean deadlineMode, final long deadlineNs, final boolean block) {
        final CompletableFuture<SendStatus> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new SessionClosedException("transport closed"));
            return future;
        }
        final String reason = session.closeReason();
        if (reason != null) {
            future.completeExceptionally(new SessionClosedException("session closed: " + reason));
            return future;
        }
        boolean acquired;
        if (!block || driver.inLoop() || context.sendTimeoutNs() == 0) {
            acquired = permits.tryAcquire();
        } else {
            try {
                acquired = permits.tryAcquire(context.sendTimeoutNs(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                acquired = false;
            }
        }
        if (!acquired) {
            future.completeExceptionally(new SendQueueFullException("send queue full: " + context.sendQueueCapacity()
                + " messages are pending (sendQueueCapacity)" + (block && !driver.inLoop()
                ? " and none completed within " + TimeUnit.NANOSECONDS.toMillis(context.sendTimeoutNs()) + " ms (sendTimeout)" : "")));
            return future;
        }
        final ByteBuffer payload = data.slice();
        final ByteBuffer head = header == null ? null : header.slice();
        if (!driver.submit(() -> session.startSend(tag, head, payload, deadlineMode, deadlineNs, future))) {
            complete(future, null, new SessionClosedException(closed || driver.isClosed() ? "transport closed"
                : "send queue full"));
        }
        return future;
    }

    /** Completes a send future and gives its queue slot back. */
    void complete(final CompletableFuture<SendStatus> future, final SendStatus status, final Throwable error) {
        permits.release();
        if (error != null) {
            future.completeExceptionally(error);
        } else {
            future.complete(status);
        }
    }

    /** Datagrams dropped by the protocol for {@code reason} (malformed, unknown peer, ...). */
    public long dropped(final DropReason reason) {
        return driver.call(() -> driver.endpoint().dropped(reason), CLOSE_TIMEOUT_NS);
    }

    /** Every drop counter of the protocol endpoint. */
    public Map<DropReason, Long> drops() {
        return driver.call(() -> {
            final Map<DropReason, Long> map = new EnumMap<>(DropReason.class);
            for (final DropReason r : DropReason.values()) {
                map.put(r, driver.endpoint().dropped(r));
            }
            return map;
        }, CLOSE_TIMEOUT_NS);
    }

    /** INITs answered with a stateless RETRY (see {@link CoreConfig#retryThreshold(int)}). */
    public long retriesSent() {
        return driver.call(() -> driver.endpoint().retriesSent(), CLOSE_TIMEOUT_NS);
    }

    /** Datagrams received by the endpoint (valid or not). */
    public long datagramsReceived() {
        return driver.call(() -> driver.endpoint().datagramsReceived(), CLOSE_TIMEOUT_NS);
    }

    /** Connections the endpoint currently holds (incoming, outgoing, closing). */
    public int connectionCount() {
        return driver.call(() -> driver.endpoint().connections().size(), CLOSE_TIMEOUT_NS);
    }

    /**
     * How late the driver's timers have fired since the transport opened (fire time minus the
     * deadline the protocol asked for), in nanoseconds.
     *
     * @param samples timer wake-ups measured.
     * @param p50Ns   median lateness.
     * @param p99Ns   99th percentile.
     * @param maxNs   largest.
     */
    public record TimerLateness(long samples, long p50Ns, long p99Ns, long maxNs) {
    }

    /** @return the driver's timer lateness so far (the pacer sizes its bucket by it). */
    public TimerLateness timerLateness() {
        final org.HdrHistogram.Histogram h = driver.call(driver::timerLateness, CLOSE_TIMEOUT_NS);
        if (h.getTotalCount() == 0) {
            return new TimerLateness(0, 0, 0, 0);
        }
        return new TimerLateness(h.getTotalCount(), h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue());
    }

    /**
     * The egress fabric's counters: per link (direction 0 only: this transport's egress), per NIC,
     * and the link each flow (local port, peer address) hashed to; null without a fabric.
     */
    public EcmpFabric.Counters fabricCounters() {
        return fabric == null ? null : driver.call(driver::fabricCounters, CLOSE_TIMEOUT_NS);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean ANNOUNCED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Says once per process, on standard error, that sessions are not authenticated, unless they are. */
    private static void announceSecurity(final TransportContext context) {
        if (context.key() == null && ANNOUNCED.compareAndSet(false, true)) {
            System.err.println(context.insecure()
                ? "longhaul: sessions are NOT authenticated (insecure mode): anyone who can reach these ports can read, inject or close them"
                : "longhaul: warning: sessions are NOT authenticated (no job key): anyone who can reach these ports can read, inject or "
                + "close them; give every rank the same key (--key-file FILE or LONGHAUL_KEY), or say --insecure");
        }
    }

    /** @return whether this transport's sessions are keyed (authenticated and sealed). */
    public boolean authenticated() {
        return context.key() != null;
    }

    /** Counters of the egress link emulator or fabric (all zero without emulation). */
    public EmulatorCounters emulatorCounters() {
        final long[] c = driver.call(driver::emulatorCounters, CLOSE_TIMEOUT_NS);
        return new EmulatorCounters(c[0], c[1], c[2], c[3], c[4]);
    }

    /**
     * Closes every session (pending sends fail with {@link SessionClosedException}, peers are told),
     * then the sockets and the event loop. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!driver.isClosed()) {
            try {
                driver.call(() -> {
                    for (final Session s : List.copyOf(sessions)) {
                        s.closeOnLoop("transport closed");
                    }
                    driver.runPoll();
                    return null;
                }, CLOSE_TIMEOUT_NS);
            } catch (IllegalStateException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing sessions: " + e.getMessage());
            }
        }
        driver.close(CLOSE_TIMEOUT_NS);
        for (final Session s : List.copyOf(sessions)) {
            s.onClosed("transport closed", false);
        }
        sessions.clear();
    }

    @Override
    public String toString() {
        return "Transport{" + localAddress + ", " + driver.ioModeDescription() + '}';
    }

    /** Core events, on the event loop, mapped to sessions and the application's handler. */
    private final class Events implements ConnectionHandler {
        @Override
        public void onEstablished(final Connection connection) {
            if (connection.isClient()) {
                final Session s = (Session) connection.attachment();
                if (s != null) {
                    s.onEstablished(connection);
                }
                return;
            }
            final Session s = new Session(Transport.this, false, connection.pathCount(),
                UdpDriver.remoteOf(connection.remoteAddress(0)));
            s.onEstablished(connection);
            sessions.add(s);
            try {
                handler.onSessionOpened(s);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "onSessionOpened threw", e);
            }
        }

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            final Session s = (Session) connection.attachment();
            if (s == null) {
                return;
            }
            try {
                handler.onMessage(s, tag, data, missing);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "onMessage threw", e);
            }
        }

        @Override
        public ByteBuffer receiveBuffer(final Connection connection, final int tag, final int length) {
            final Session s = (Session) connection.attachment();
            return s == null ? null : handler.receiveBuffer(s, tag, length);
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            final Session s = (Session) connection.attachment();
            if (s != null) {
                s.onSendComplete(messageId, status, detail);
            }
        }

        @Override
        public void onClosed(final Connection connection, final int code, final String reason, final boolean byPeer) {
            final Session s = (Session) connection.attachment();
            if (s == null) {
                return;
            }
            s.onClosed(reason, byPeer);
            sessions.remove(s);
            for (final Object port : s.extraPorts()) {
                driver.closePortLater(port, PORT_LINGER_MS);
            }
            try {
                handler.onSessionClosed(s, s.closeReason(), byPeer);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "onSessionClosed threw", e);
            }
        }
    }
}
