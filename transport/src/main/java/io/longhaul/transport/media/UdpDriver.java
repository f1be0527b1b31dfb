package io.longhaul.transport.media;

import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.DatagramSink;
import io.longhaul.transport.core.Endpoint;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkModel;
import io.longhaul.transport.sim.LinkSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.HdrHistogram.Histogram;
import org.jctools.queues.MpscArrayQueue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Netty UDP driver: runs one sans-I/O {@link Endpoint} on one Netty event loop, over one or
 * more local UDP sockets ({@link UdpPort}s) that all live on that loop, so protocol state needs no
 * locks.
 *
 * <ul>
 * <li><b>I/O</b>: epoll on Linux (native, {@code linux-x86_64}), NIO elsewhere; io_uring instead of
 * epoll when {@link Settings#ioUring} asks for it. With epoll,
 * received datagrams come in batches ({@code recvmmsg}, {@code MAX_DATAGRAM_PAYLOAD_SIZE} with a
 * receive buffer for {@code receiveBatchDatagrams} datagrams) and optionally coalesced by the
 * kernel ({@code UDP_GRO}); sends are coalesced into GSO batches ({@code SegmentedDatagramPacket})
 * when the kernel supports it.</li>
 * <li><b>Batching</b>: the datagrams of one receive batch are all handed to the endpoint, then the
 * endpoint is polled once; every datagram one poll produces is written, then each socket is flushed
 * once.</li>
 * <li><b>Timers</b>: one {@link DeadlineTimer}, re-armed at the endpoint's next deadline when that is
 * earlier than the armed one (a later one just lets the early wake-up poll and re-arm). The driver's
 * loops are {@link DriverEventLoop}s, on which a deadline is a field the loop waits for, so re-arming
 * allocates nothing (not a Netty scheduled task per wake-up). No slack
 * is added: the pacer asks for a wake-up when a whole send quantum is due. Each wake-up's lateness
 * (fire time minus deadline) goes to the endpoint, whose pacers size their buckets by it, and to a
 * histogram ({@link #timerLateness}).</li>
 * <li><b>Steady path without allocation</b>: each socket reads into one reused buffer and hands the
 * core one reused view of it ({@link ReceiveBuffer}); senders are cached per address
 * ({@link UdpPort#route}); the clock is read once per kernel read, not per datagram; sends go through
 * reused buffers and packets ({@link SendSlots}); the emulator keeps its delayed copies in recycled
 * buffers. {@code UdpDriverAllocationTest} measures it.</li>
 * <li><b>Other threads</b> hand work over through a bounded JCTools MPSC queue
 * ({@link #submit}); the loop is woken with {@code execute} only when no wake-up is pending.</li>
 * <li><b>Link emulation</b>: with a {@link LinkSpec}, each port has its own emulated egress link;
 * with a {@link FabricSpec}, the driver holds one {@link EcmpFabric} (this transport's egress)
 * shared by all its ports, each datagram on the link of its real 4-tuple.</li>
 * <li><b>Re-pathing</b>: the sink's {@link DatagramSink#repath} moves a path to a spare UDP port
 * bound to the same local IP. Spares are opened asynchronously, {@value #SPARE_PORTS} kept ready per
 * local IP once re-pathing has been asked for; a call with no spare ready returns null and a later
 * one succeeds. A port left behind stays open (stragglers still arrive there; every port delivers
 * to the same endpoint) until the driver closes. At most {@value #MAX_REPATH_PORTS} spare ports are
 * ever opened; then re-pathing returns null.</li>
 * </ul>
 *
 * <p>Internal: used by {@link io.longhaul.transport.Transport}; no compatibility promise.
 */
public final class UdpDriver {
    private static final System.Logger LOG = System.getLogger(UdpDriver.class.getName());
    /**
     * Netty's epoll loop waits with a millisecond {@code epoll_wait} timeout (rounded) for delays above
     * this many ms, and with a nanosecond timerfd below it; pacing and emulated delays need the latter.
     */
    public static final String EPOLL_WAIT_THRESHOLD_PROP = "io.netty.channel.epoll.epollWaitThreshold";
    static {
        preciseTimers();
    }

    /** Makes Netty's epoll timers nanosecond-precise (call before the first epoll loop starts; idempotent). */
    public static void preciseTimers() {
        if (System.getProperty(EPOLL_WAIT_THRESHOLD_PROP) == null) {
            System.setProperty(EPOLL_WAIT_THRESHOLD_PROP, "0");
        }
    }
    /** Largest timer lateness the histogram tells apart (longer ones count as this). */
    private static final long MAX_TRACKED_LATENESS_NS = 10_000_000_000L;
    private static final AtomicBoolean BUFFER_WARNING_GIVEN = new AtomicBoolean();
    /** Receive slot per datagram when GRO may hand over a coalesced batch of up to 64 KiB. */
    private static final int GRO_SLOT_BYTES = 65_536;

    /**
     * Driver knobs, already validated by the caller.
     *
     * @param epoll                 epoll native transport (else NIO).
     * @param gso                   use UDP GSO when the kernel supports it.
     * @param gro                   enable UDP GRO on receive (epoll only).
     * @param socketBufferBytes     SO_RCVBUF and SO_SNDBUF to ask for.
     * @param maxDatagramBytes      largest datagram the endpoint sends.
     * @param receiveBatchDatagrams datagrams per {@code recvmmsg}.
     * @param link                  egress link emulation, or null for none.
     * @param linkSeed              seed of the first port's link model (port i uses linkSeed + i).
     * @param commandQueueCapacity  capacity of the MPSC queue from application threads.
     * @param threadName            event loop thread name prefix.
     * @param sharedLoops           run on the process-wide loops (one per core) instead of a loop of its own.
     * @param fabric                egress ECMP fabric shared by every port (its own seed), or null;
     *                              when set, {@code link} is not used.
     */
    public record Settings(boolean epoll, boolean gso, boolean gro, int socketBufferBytes, int maxDatagramBytes,
                           int receiveBatchDatagrams, LinkSpec link, long linkSeed, int commandQueueCapacity,
                           String threadName, boolean sharedLoops, FabricSpec fabric, boolean ioUring) {
        /** Settings on epoll (native) or NIO, not io_uring. */
        public Settings(final boolean epoll, final boolean gso, final boolean gro, final int socketBufferBytes,
                        final int maxDatagramBytes, final int receiveBatchDatagrams, final LinkSpec link, final long linkSeed,
                        final int commandQueueCapacity, final String threadName, final boolean sharedLoops, final FabricSpec fabric) {
            this(epoll, gso, gro, socketBufferBytes, maxDatagramBytes, receiveBatchDatagrams, link, linkSeed, commandQueueCapacity,
                threadName, sharedLoops, fabric, false);
        }

        /** Settings without a fabric. */
        public Settings(final boolean epoll, final boolean gso, final boolean gro, final int socketBufferBytes,
                        final int maxDatagramBytes, final int receiveBatchDatagrams, final LinkSpec link, final long linkSeed,
                        final int commandQueueCapacity, final String threadName, final boolean sharedLoops) {
            this(epoll, gso, gro, socketBufferBytes, maxDatagramBytes, receiveBatchDatagrams, link, linkSeed, commandQueueCapacity,
                threadName, sharedLoops, null);
        }
    }

    /** Spare ports kept ready per local IP for {@link DatagramSink#repath}, once it has been asked for. */
    static final int SPARE_PORTS = 2;
    /** Most spare ports a driver ever opens for re-pathing. */
    static final int MAX_REPATH_PORTS = 64;

    /** Spare ports of one local IP: bound and ready, or still binding. Loop only. */
    private static final class SparePool {
        final ArrayDeque<UdpPort> ready = new ArrayDeque<>();
        int opening;
    }

    /** Process-wide event loops for drivers with {@link Settings#sharedLoops}, one per core, created on first use. */
    private static final class SharedLoops {
        private static final Map<Native, EventLoopGroup> GROUPS = new java.util.EnumMap<>(Native.class);

        static synchronized EventLoopGroup get(final Native io) {
            return GROUPS.computeIfAbsent(io, n -> DriverEventLoop.group(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("longhaul-shared-" + n.label, true), n.factory()));
        }
    }

    /** The Netty transport under the sockets. */
    enum Native {
        EPOLL("epoll"), IO_URING("io_uring"), NIO("nio");

        final String label;

        Native(final String label) {
            this.label = label;
        }

        IoHandlerFactory factory() {
            switch (this) {
                case EPOLL:
                    return EpollIoHandler.newFactory();
                case IO_URING:
                    return IoUringIoHandler.newFactory();
                default:
                    return NioIoHandler.newFactory();
            }
        }
    }

    private final Settings settings;
    private final Native io;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Endpoint endpoint;
    private final boolean gso;
    private final boolean gro;
    private final MpscArrayQueue<Runnable> commands;
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainCommands;
    private final Runnable timerTask = this::onTimer;
    private final List<UdpPort> ports = new ArrayList<>();
    private final DatagramSink sink = new DatagramSink() {
        @Override
        public void send(final Object remoteAddress, final int pathId, final ByteBuffer datagram) {
            final Route r = (Route) remoteAddress;
            r.port.send(r.remote, datagram);
        }

        @Override
        public Object repath(final Object remoteAddress, final int pathId) {
            return UdpDriver.this.repath(remoteAddress);
        }
    };
    /** This transport's egress fabric, shared by every port; null without one. Loop only. */
    private final EcmpFabric fabric;
    /** Loop only. */
    private final Map<InetAddress, SparePool> spares = new HashMap<>();
    /** Spare ports opened (or being opened) for re-pathing. Loop only. */
    private int repathPortsOpened;
    private final DeadlineTimer timer;
    private long timerDueNs;
    private final Histogram lateness = new Histogram(1, MAX_TRACKED_LATENESS_NS, 2);
    private int nextPortIndex;
    private volatile boolean closed;
    private long socketErrors;

    /** Starts the event loop and creates the endpoint; no socket is open yet (see {@link #open}). */
    public UdpDriver(final Settings settings, final CoreConfig config, final ConnectionHandler handler) {
        this.settings = settings;
        if (settings.epoll() && !Epoll.isAvailable()) {
            throw new IllegalStateException("epoll requested but not available: " + Epoll.unavailabilityCause());
        }
        if (settings.ioUring() && !IoUring.isAvailable()) {
            throw new IllegalStateException("io_uring requested but not available: " + IoUring.unavailabilityCause());
        }
        this.io = !settings.epoll() ? Native.NIO : settings.ioUring() ? Native.IO_URING : Native.EPOLL;
        this.gso = settings.gso() && (io == Native.EPOLL ? EpollDatagramChannel.isSegmentedDatagramPacketSupported()
            : io == Native.IO_URING && IoUringDatagramChannel.isSegmentedDatagramPacketSupported());
        this.gro = io == Native.EPOLL && settings.gro();
        this.group = settings.sharedLoops() ? SharedLoops.get(io)
            : DriverEventLoop.group(1, new DefaultThreadFactory(settings.threadName(), true), io.factory());
        this.loop = group.next();
        this.timer = new DeadlineTimer(loop, timerTask);
        this.endpoint = new Endpoint(config, handler);
        this.commands = new MpscArrayQueue<>(Math.max(2, settings.commandQueueCapacity()));
        // Event times count from here: the driver's creation.
        this.fabric = settings.fabric() == null ? null : new EcmpFabric(settings.fabric(), 1, System.nanoTime());
    }

    /** @return whether the io_uring native transport is usable on this machine. */
    public static boolean ioUringAvailable() {
        return IoUring.isAvailable();
    }

    /** @return why io_uring is not usable, or null. */
    public static Throwable ioUringUnavailabilityCause() {
        return IoUring.unavailabilityCause();
    }

    /** @return whether the epoll native transport is usable on this machine. */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    /** @return why epoll is not usable, or null. */
    public static Throwable epollUnavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /**
     * @return "epoll", "io_uring" or "nio", with the batching features in use, e.g.
     * {@code epoll (gso, gro, recvmmsg, sendmmsg)} or {@code io_uring (gso, recvmsg batches)}.
     */
    public String ioModeDescription() {
        if (io == Native.NIO) {
            return "nio";
        }
        final List<String> features = new ArrayList<>();
        if (gso) {
            features.add("gso");
        }
        if (gro) {
            features.add("gro");
        }
        if (io == Native.IO_URING) {
            features.add("recvmsg batches");
            return "io_uring (" + String.join(", ", features) + ")";
        }
        features.add("recvmmsg");
        features.add("sendmmsg");
        return "epoll (" + String.join(", ", features) + ")";
    }

    /** Whether a native transport (epoll or io_uring) carries the sockets. */
    public boolean epoll() {
        return settings.epoll();
    }

    /** Whether io_uring carries the sockets. */
    public boolean ioUring() {
        return io == Native.IO_URING;
    }

    public boolean gso() {
        return gso;
    }

    public boolean gro() {
        return gro;
    }

    /** The endpoint: touch it on the event loop only ({@link #inLoop()}). */
    public Endpoint endpoint() {
        return endpoint;
    }

    public boolean inLoop() {
        return loop.inEventLoop();
    }

    public boolean isClosed() {
        return closed;
    }

    /** The clock the driver gives the core. */
    public static long nowNs() {
        return System.nanoTime();
    }

    /**
     * Opens a UDP socket bound to {@code local} on the event loop.
     *
     * @return a future of the opaque port handle (pass it to {@link #route} and {@link #localAddress}).
     */
    public CompletableFuture<Object> open(final InetSocketAddress local) {
        final CompletableFuture<Object> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("transport is closed"));
            return result;
        }
        final int index;
        synchronized (this) {
            index = nextPortIndex++;
        }
        final SegmentBatch batch = new SegmentBatch(PooledByteBufAllocator.DEFAULT, gso, settings.maxDatagramBytes());
        final LinkEmulator emulator = fabric != null ? new LinkEmulator(fabric, batch)
            : settings.link() == null || settings.link().isPerfect() ? null
            : new LinkEmulator(settings.link(), settings.linkSeed() + index, batch);
        final int slot = gro ? GRO_SLOT_BYTES : settings.maxDatagramBytes();
        final ReceiveBuffer receive = new ReceiveBuffer(PooledByteBufAllocator.DEFAULT,
            io == Native.NIO ? Math.max(2048, settings.maxDatagramBytes()) : gro ? slot : slot * settings.receiveBatchDatagrams(), 64);
        final UdpPort port = new UdpPort(this, index, batch, emulator, receive);
        final Bootstrap bootstrap = new Bootstrap().group(loop)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .option(ChannelOption.SO_RCVBUF, settings.socketBufferBytes())
            .option(ChannelOption.SO_SNDBUF, settings.socketBufferBytes())
            .option(ChannelOption.RECVBUF_ALLOCATOR, receive)
            .handler(port);
        if (io == Native.EPOLL) {
            // Netty reads the GRO segment size only on its single-message recvmsg path (recvmmsg
            // would hand over a coalesced batch as one datagram), so with GRO each read takes one
            // coalesced batch of up to 64 KiB; without GRO, recvmmsg takes receiveBatchDatagrams.
            bootstrap.channelFactory(EpollDatagramChannel::new)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, gro ? 0 : slot)
                .option(EpollChannelOption.UDP_GRO, gro);
        } else if (io == Native.IO_URING) {
            // io_uring has no GRO option in Netty: each read submits receiveBatchDatagrams linked recvmsg.
            bootstrap.channelFactory(IoUringDatagramChannel::new)
                .option(IoUringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot);
        } else {
            bootstrap.channelFactory(NioDatagramChannel::new);
        }
        final ChannelFuture bind = bootstrap.bind(local);
        bind.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new IllegalStateException("cannot bind UDP socket to " + local + ": "
                    + f.cause().getMessage(), f.cause()));
                return;
            }
            final Channel channel = bind.channel();
            if (emulator != null) {
                channel.pipeline().addFirst("link-emulator", emulator);
            }
            port.channel(channel);
            ports.add(port);
            checkBuffers(channel);
            result.complete(port);
        });
        return result;
    }

    private void checkBuffers(final Channel channel) {
        final int asked = settings.socketBufferBytes();
        final int receive = channel.config().getOption(ChannelOption.SO_RCVBUF);
        final int send = channel.config().getOption(ChannelOption.SO_SNDBUF);
        // Linux doubles the value it is given (bookkeeping overhead) and caps it at rmem_max/wmem_max.
        final boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
        final long expected = linux ? 2L * asked : asked;
        if ((receive < expected || send < expected) && BUFFER_WARNING_GIVEN.compareAndSet(false, true)) {
            final long want = asked;
            LOG.log(System.Logger.Level.WARNING, "UDP socket buffers capped by the kernel: asked " + asked
                + " bytes, got SO_RCVBUF=" + receive + " SO_SNDBUF=" + send + " (the kernel reports twice its cap)."
                + " Losses at high rate and long distance will follow; to fix: sysctl -w net.core.rmem_max=" + want
                + " -w net.core.wmem_max=" + want);
        }
    }

    /** @return the local address of a port from {@link #open}. */
    public InetSocketAddress localAddress(final Object port) {
        return ((UdpPort) port).localAddress();
    }

    /** @return the address object the core uses for {@code remote} reached through {@code port}. */
    public Object route(final Object port, final InetSocketAddress remote) {
        return ((UdpPort) port).route(remote);
    }

    /** @return the peer socket address of a route. */
    public static InetSocketAddress remoteOf(final Object route) {
        return route instanceof Route ? ((Route) route).remote : null;
    }

    /** @return the local socket address a route sends from. */
    public static InetSocketAddress localOf(final Object route) {
        return route instanceof Route ? ((Route) route).port.localAddress() : null;
    }

    /** Closes a port (on the loop); datagrams still queued in its emulator are dropped. */
    public void closePort(final Object port) {
        final UdpPort p = (UdpPort) port;
        execute(() -> {
            ports.remove(p);
            if (p.channel() != null) {
                p.channel().close();
            }
        });
    }

    /** Closes a port after {@code delayMs} (lets a closing connection's last packets out). */
    public void closePortLater(final Object port, final long delayMs) {
        if (closed) {
            return;
        }
        try {
            loop.schedule(() -> closePort(port), delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: close() closes every port.
        }
    }

    // ------------------------------------------------------------------ on the loop

    /** The sink the endpoint is polled with. Loop only. */
    DatagramSink sink() {
        return sink;
    }

    /**
     * The same peer from a spare port bound to the route's local IP, or null when none is ready
     * (one is being opened) or the bound is reached. Takes a spare and tops the pool up. Loop only.
     */
    private Object repath(final Object remote) {
        if (closed || !(remote instanceof Route)) {
            return null;
        }
        final Route route = (Route) remote;
        final InetSocketAddress local = route.port.localAddress();
        if (local == null) {
            return null;
        }
        final SparePool pool = spares.computeIfAbsent(local.getAddress(), ip -> new SparePool());
        UdpPort spare;
        do {
            spare = pool.ready.poll();
        } while (spare != null && (spare.channel() == null || !spare.channel().isActive()));
        topUp(local.getAddress(), pool);
        return spare == null ? null : spare.route(route.remote);
    }

    private void topUp(final InetAddress ip, final SparePool pool) {
        while (pool.ready.size() + pool.opening < SPARE_PORTS && repathPortsOpened < MAX_REPATH_PORTS) {
            repathPortsOpened++;
            pool.opening++;
            open(new InetSocketAddress(ip, 0)).whenComplete((port, error) -> {
                // The bind listener runs on the loop.
                pool.opening--;
                if (error != null) {
                    LOG.log(System.Logger.Level.DEBUG, "cannot open a spare port on " + ip + ": " + error.getMessage());
                } else if (closed) {
                    ports.remove(port);
                    ((UdpPort) port).channel().close();
                } else {
                    pool.ready.add((UdpPort) port);
                }
            });
        }
    }

    /** Spare ports opened so far for re-pathing (at most {@link #MAX_REPATH_PORTS}). Loop only. */
    int repathPortsOpened() {
        return repathPortsOpened;
    }

    void onDatagram(final long nowNs, final Route from, final ByteBuffer datagram) {
        endpoint.onDatagram(nowNs, from, datagram);
    }

    void onSocketError(final UdpPort port, final Throwable cause) {
        socketErrors++;
        if (socketErrors == 1) {
            LOG.log(System.Logger.Level.DEBUG, "socket error on " + port + ": " + cause);
        }
    }

    /** Polls the endpoint now, writes and flushes what it produced, re-arms the timer. Loop only. */
    public void runPoll() {
        if (closed) {
            return;
        }
        final long nowNs = System.nanoTime();
        final long next = endpoint.poll(nowNs, sink);
        for (int i = 0, n = ports.size(); i < n; i++) {
            ports.get(i).flushIfDirty();
        }
        arm(next, nowNs);
    }

    private void arm(final long next, final long nowNs) {
        if (next == Long.MAX_VALUE) {
            return;
        }
        if (timer.arm(next, nowNs)) {
            // A deadline already past when armed fires as soon as possible: lateness counts from now.
            timerDueNs = next - nowNs < 0 ? nowNs : next;
        }
    }

    /** The driver's timer (loop only; for tests). */
    DeadlineTimer timer() {
        return timer;
    }

    private void onTimer() {
        final long nowNs = System.nanoTime();
        lateness.recordValue(Math.min(MAX_TRACKED_LATENESS_NS, Math.max(1, nowNs - timerDueNs)));
        endpoint.onTimer(timerDueNs, nowNs);
        runPoll();
    }

    /**
     * How late this driver's timers fired (fire time minus the deadline asked for), since the start.
     *
     * @return a copy, safe to read on any thread; call on the loop, or through {@link #call}.
     */
    public Histogram timerLateness() {
        return lateness.copy();
    }

    private void drainCommands() {
        wakeScheduled.set(false);
        Runnable command;
        while ((command = commands.poll()) != null) {
            try {
                command.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "command failed on the event loop", e);
            }
        }
        runPoll();
    }

    // ------------------------------------------------------------------ from any thread

    /**
     * Hands {@code command} to the event loop through the bounded MPSC queue; it runs before the
     * next poll. Wakes the loop only if no wake-up is already pending.
     *
     * @return false if the queue is full or the driver closed (the command will not run).
     */
    public boolean submit(final Runnable command) {
        if (closed || !commands.offer(command)) {
            return false;
        }
        if (wakeScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code task} on the loop (Netty's task queue; for rare control operations), then polls. */
    public void execute(final Runnable task) {
        if (closed) {
            return;
        }
        loop.execute(() -> {
            task.run();
            runPoll();
        });
    }

    /** Runs {@code task} on the loop and waits for its result (directly when already on the loop). */
    public <T> T call(final Callable<T> task, final long timeoutNs) {
        try {
            if (loop.inEventLoop()) {
                return task.call();
            }
            return loop.submit(task).get(timeoutNs, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("event loop did not answer within " + timeoutNs / 1_000_000 + " ms", e);
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Emulator counters summed over ports: {offered, droppedByLoss, droppedByQueue, duplicated,
     * corrupted}. With a fabric: its totals, drops while a link was down counted as loss and NIC
     * drops as queue drops. Loop only.
     */
    public long[] emulatorCounters() {
        final long[] c = new long[5];
        for (final UdpPort p : ports) {
            final LinkEmulator e = p.emulator();
            if (e != null) {
                c[2] += e.overflowDrops();
                final LinkModel m = e.model();
                if (m != null) {
                    c[0] += m.offered();
                    c[1] += m.droppedByLoss();
                    c[2] += m.droppedByQueue();
                    c[3] += m.duplicated();
                    c[4] += m.corrupted();
                }
            }
        }
        if (fabric != null) {
            final EcmpFabric.Counters f = fabric.counters();
            c[0] += f.offered();
            for (final EcmpFabric.LinkCounters l : f.links()) {
                c[1] += l.lossDrops() + l.failureDrops();
                c[2] += l.queueDrops();
                c[3] += l.duplicated();
                c[4] += l.corrupted();
            }
            for (final EcmpFabric.NicCounters n : f.nics()) {
                c[2] += n.drops();
            }
        }
        return c;
    }

    /** A snapshot of the egress fabric's counters, or null without a fabric. Loop only. */
    public EcmpFabric.Counters fabricCounters() {
        return fabric == null ? null : fabric.counters();
    }

    /** Datagrams and bytes received over all ports. Loop only. */
    public long[] receiveCounters() {
        final long[] c = new long[2];
        for (final UdpPort p : ports) {
            c[0] += p.datagramsReceived();
            c[1] += p.bytesReceived();
        }
        return c;
    }

    /** Datagrams the core handed to the driver for sending, over all ports. Loop only. */
    public long datagramsSent() {
        long n = 0;
        for (final UdpPort p : ports) {
            n += p.datagramsSent();
        }
        return n;
    }

    /**
     * Closes every socket and stops the event loop, waiting up to {@code timeoutNs} (not waiting when
     * called on the loop itself). Idempotent.
     */
    public void close(final long timeoutNs) {
        if (closed) {
            return;
        }
        final List<ChannelFuture> closing = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Runnable shutdown = () -> {
            closed = true;
            timer.close();
            for (final UdpPort p : new ArrayList<>(ports)) {
                if (p.channel() != null) {
                    closing.add(p.channel().close());
                }
            }
            ports.clear();
        };
        if (loop.inEventLoop()) {
            shutdown.run();
            if (!settings.sharedLoops()) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            return;
        }
        try {
            loop.submit(shutdown).await(timeoutNs, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        // io_uring closes asynchronously (its completions come back through the loop): let them in
        // before the loop stops, or Netty complains that the stopped loop rejected them.
        for (final ChannelFuture f : closing) {
            f.awaitUninterruptibly(timeoutNs, TimeUnit.NANOSECONDS);
        }
        if (!settings.sharedLoops()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutNs, TimeUnit.NANOSECONDS);
        }
        // Commands handed over while closing never reached the loop: run them now so their futures fail.
        Runnable command;
        while ((command = commands.poll()) != null) {
            try {
                command.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "command after close: " + e);
            }
        }
    }
}
