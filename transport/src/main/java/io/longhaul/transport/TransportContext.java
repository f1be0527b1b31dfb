package io.longhaul.transport;

import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.media.UdpDriver;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.util.Units;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Configuration of a {@link Transport}, in Aeron's style: every knob has a default, can be set by a
 * system property ({@code -Dlonghaul.NAME=value}, read when the context is created) and overridden
 * by a fluent setter; {@link #conclude()} validates everything at once and names the first field
 * out of range with the accepted range. Protocol knobs live in the wrapped {@link CoreConfig}
 * ({@link #coreConfig()}); the common ones have shortcuts here.
 *
 * <table>
 * <caption>Knobs</caption>
 * <tr><th>setter</th><th>property</th><th>default</th><th>accepted</th></tr>
 * <tr><td>{@link #bindAddress}</td><td>longhaul.bind</td><td>0.0.0.0:0</td><td>host:port</td></tr>
 * <tr><td>{@link #ioMode}</td><td>longhaul.ioMode</td><td>auto</td><td>auto, epoll, nio, io_uring</td></tr>
 * <tr><td>{@link #gso}</td><td>longhaul.gso</td><td>true</td><td>UDP GSO when the kernel has it</td></tr>
 * <tr><td>{@link #gro}</td><td>longhaul.gro</td><td>true</td><td>UDP GRO (epoll)</td></tr>
 * <tr><td>{@link #targetBdpBytes}</td><td>longhaul.targetBdp</td><td>16M</td><td>[64K, 1G]: the
 * bandwidth-delay product to provision for (1 Gbit/s × 10 ms is 1.25 MB; 10 Gbit/s × 10 ms 12.5 MB)</td></tr>
 * <tr><td>{@link #socketBufferBytes}</td><td>longhaul.socketBuffer</td><td>targetBdp</td><td>[64K, 1G]</td></tr>
 * <tr><td>{@link #link}</td><td>longhaul.link</td><td>none</td><td>a {@link LinkSpec} applied to every
 * datagram this transport sends (egress), or, when the text has {@code ecmp=}, a {@link FabricSpec}:
 * this transport's egress crosses an ECMP fabric, each flow (local port, peer address) on the link
 * its 4-tuple hashes to</td></tr>
 * <tr><td>{@link #linkSeed}</td><td>longhaul.linkSeed</td><td>the spec's seed</td><td>any long (a fabric's
 * {@code seed})</td></tr>
 * <tr><td>{@link #sendQueueCapacity}</td><td>longhaul.sendQueueCapacity</td><td>256</td><td>[1, 1048576]
 * messages sent and not yet completed, over the whole transport</td></tr>
 * <tr><td>{@link #sendTimeoutNs}</td><td>longhaul.sendTimeout</td><td>30s</td><td>[0, 1h]: how long a
 * blocking send waits for queue space</td></tr>
 * <tr><td>{@link #connectTimeoutNs}</td><td>longhaul.connectTimeout</td><td>10s</td><td>[1ms, 1h]</td></tr>
 * <tr><td>{@link #paths}</td><td>longhaul.paths</td><td>1</td><td>[1, 16] paths per outgoing connection</td></tr>
 * <tr><td>{@link #receiveBatchDatagrams}</td><td>longhaul.receiveBatch</td><td>64</td><td>[1, 1024]
 * datagrams per recvmmsg</td></tr>
 * <tr><td>{@link #acceptIncoming}</td><td>longhaul.acceptIncoming</td><td>true</td><td>boolean</td></tr>
 * <tr><td>{@link #congestionControl}</td><td>longhaul.cc</td><td>bbr</td><td>a registered name, e.g.
 * newreno, cubic, bbr, delay, fixed:rate=1gbit</td></tr>
 * <tr><td>{@link #scheduler}</td><td>longhaul.scheduler</td><td>spray</td><td>a registered path
 * scheduler, e.g. spray, weighted:by=rate, minrtt, flowlet, plb, single</td></tr>
 * <tr><td>{@link CoreConfig#pathFailurePtos}</td><td>longhaul.pathFailurePtos</td><td>3</td><td>[1, 30]
 * probe timeouts after which a path of a multipath session is declared failed</td></tr>
 * <tr><td>{@link #maxPayloadBytes}</td><td>longhaul.maxPayload</td><td>fits 1500 MTU</td><td>see CoreConfig</td></tr>
 * <tr><td>{@link #receiveWindowBytes}</td><td>longhaul.receiveWindow</td><td>256M</td><td>see CoreConfig</td></tr>
 * <tr><td>{@link #idleTimeoutNs}</td><td>longhaul.idleTimeout</td><td>30s</td><td>see CoreConfig</td></tr>
 * <tr><td>{@link CoreConfig#pacingQuantumNs}</td><td>longhaul.pacingQuantum</td><td>1ms</td><td>[1us, 100ms]:
 * the pacer's send quantum, in time at the pacing rate (one wake-up, one batch)</td></tr>
 * <tr><td>{@link CoreConfig#pacingMaxBurstNs}</td><td>longhaul.pacingMaxBurst</td><td>5ms</td><td>[1us, 1s]:
 * the most a late wake-up may send at once, in time at the pacing rate</td></tr>
 * <tr><td>{@link #key}</td><td>longhaul.keyFile</td><td>none</td><td>a file of 64 hex digits: the job key
 * every session is keyed with (authenticated handshakes, AES-256-GCM sealed packets); without one the
 * transport is unauthenticated and says so on standard error when it opens</td></tr>
 * <tr><td>{@link #insecure}</td><td>longhaul.insecure</td><td>false</td><td>true: run without a key on
 * purpose (the announcement says so instead of warning)</td></tr>
 * <tr><td>{@link CoreConfig#retryThreshold}</td><td>longhaul.retryThreshold</td><td>8</td><td>[0, 1048576]:
 * half-open incoming sessions from which on a new peer must answer a stateless retry first (0: every
 * peer)</td></tr>
 * <tr><td>{@link CoreConfig#timerGranularityNs}</td><td>longhaul.timerGranularity</td><td>250us</td><td>[1us,
 * 100ms]: the smallest loss and probe timer</td></tr>
 * </table>
 */
public final class TransportContext {
    public static final String PREFIX = "longhaul.";
    public static final long MIN_BUFFER_BYTES = 64 << 10;
    public static final long MAX_BUFFER_BYTES = 1 << 30;
    public static final int MAX_SEND_QUEUE_CAPACITY = 1 << 20;
    public static final int MAX_PATHS = 16;
    public static final long MAX_TIMEOUT_NS = TimeUnit.HOURS.toNanos(1);

    private CoreConfig coreConfig = new CoreConfig();
    private boolean insecure;
    private String bindAddress = "0.0.0.0:0";
    private IoMode ioMode = IoMode.AUTO;
    private boolean gso = true;
    private boolean gro = true;
    private long targetBdpBytes = 16L << 20;
    private long socketBufferBytes = -1;
    private String link = "";
    private Long linkSeed;
    private int sendQueueCapacity = 256;
    private long sendTimeoutNs = TimeUnit.SECONDS.toNanos(30);
    private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);
    private int paths = 1;
    private int receiveBatchDatagrams = 64;
    private boolean acceptIncoming = true;
    private MessageHandler messageHandler = (session, tag, data, missing) -> { };
    private String threadName = "longhaul-io";
    private boolean sharedEventLoops;

    private boolean concluded;
    private InetSocketAddress resolvedBind;
    private LinkSpec resolvedLink;
    private FabricSpec resolvedFabric;
    private IoMode resolvedIoMode;

    /** Defaults overridden by the {@code longhaul.*} system properties. */
    public TransportContext() {
        readProperties();
    }

    private void readProperties() {
        String v;
        if ((v = prop("bind")) != null) {
            bindAddress = v;
        }
        if ((v = prop("ioMode")) != null) {
            ioMode = parseIoMode(PREFIX + "ioMode", v);
        }
        if ((v = prop("gso")) != null) {
            gso = parseBoolean(PREFIX + "gso", v);
        }
        if ((v = prop("gro")) != null) {
            gro = parseBoolean(PREFIX + "gro", v);
        }
        if ((v = prop("targetBdp")) != null) {
            targetBdpBytes = Units.parseSizeBytes(PREFIX + "targetBdp", v);
        }
        if ((v = prop("socketBuffer")) != null) {
            socketBufferBytes = Units.parseSizeBytes(PREFIX + "socketBuffer", v);
        }
        if ((v = prop("link")) != null) {
            link = v;
        }
        if ((v = prop("linkSeed")) != null) {
            linkSeed = parseLong(PREFIX + "linkSeed", v);
        }
        if ((v = prop("sendQueueCapacity")) != null) {
            sendQueueCapacity = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseLong(PREFIX + "sendQueueCapacity", v)));
        }
        if ((v = prop("sendTimeout")) != null) {
            sendTimeoutNs = Units.parseDurationNs(PREFIX + "sendTimeout", v);
        }
        if ((v = prop("connectTimeout")) != null) {
            connectTimeoutNs = Units.parseDurationNs(PREFIX + "connectTimeout", v);
        }
        if ((v = prop("paths")) != null) {
            paths = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseLong(PREFIX + "paths", v)));
        }
        if ((v = prop("receiveBatch")) != null) {
            receiveBatchDatagrams = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseLong(PREFIX + "receiveBatch", v)));
        }
        if ((v = prop("acceptIncoming")) != null) {
            acceptIncoming = parseBoolean(PREFIX + "acceptIncoming", v);
        }
        if ((v = prop("keyFile")) != null) {
            coreConfig.key(JobKey.load(java.nio.file.Path.of(v)));
        }
        if ((v = prop("insecure")) != null) {
            insecure = parseBoolean(PREFIX + "insecure", v);
        }
        if ((v = prop("cc")) != null) {
            coreConfig.congestionControl(v);
        }
        if ((v = prop("scheduler")) != null) {
            coreConfig.pathScheduler(v);
        }
        if ((v = prop("pathFailurePtos")) != null) {
            coreConfig.pathFailurePtos((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseLong(PREFIX + "pathFailurePtos", v))));
        }
        if ((v = prop("maxPayload")) != null) {
            coreConfig.maxPayloadBytes((int) Math.min(Integer.MAX_VALUE, Units.parseSizeBytes(PREFIX + "maxPayload", v)));
        }
        if ((v = prop("receiveWindow")) != null) {
            coreConfig.receiveWindowBytes(Units.parseSizeBytes(PREFIX + "receiveWindow", v));
        }
        if ((v = prop("idleTimeout")) != null) {
            coreConfig.idleTimeoutNs(Units.parseDurationNs(PREFIX + "idleTimeout", v));
        }
        if ((v = prop("pacingQuantum")) != null) {
            coreConfig.pacingQuantumNs(Units.parseDurationNs(PREFIX + "pacingQuantum", v));
        }
        if ((v = prop("pacingMaxBurst")) != null) {
            coreConfig.pacingMaxBurstNs(Units.parseDurationNs(PREFIX + "pacingMaxBurst", v));
        }
        if ((v = prop("retryThreshold")) != null) {
            coreConfig.retryThreshold((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, parseLong(PREFIX + "retryThreshold", v))));
        }
        if ((v = prop("timerGranularity")) != null) {
            coreConfig.timerGranularityNs(Units.parseDurationNs(PREFIX + "timerGranularity", v));
        }
    }

    private static String prop(final String name) {
        final String v = System.getProperty(PREFIX + name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static IoMode parseIoMode(final String field, final String text) {
        try {
            return IoMode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not an io mode; accepted: auto, epoll, nio, io_uring");
        }
    }

    private static boolean parseBoolean(final String field, final String text) {
        final String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("on") || t.equals("yes") || t.equals("1")) {
            return true;
        }
        if (t.equals("false") || t.equals("off") || t.equals("no") || t.equals("0")) {
            return false;
        }
        throw new IllegalArgumentException(field + ": '" + text + "' is not a boolean; accepted: true, false");
    }

    private static long parseLong(final String field, final String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not an integer");
        }
    }

    /**
     * Checks every knob and resolves the derived ones (bind address, link spec, io mode).
     *
     * @return this
     * @throws IllegalArgumentException naming the first field out of range and the accepted range.
     */
    public TransportContext conclude() {
        resolvedBind = parseAddress("bindAddress", bindAddress);
        range("targetBdpBytes", targetBdpBytes, MIN_BUFFER_BYTES, MAX_BUFFER_BYTES);
        range("socketBufferBytes", socketBufferBytes(), MIN_BUFFER_BYTES, MAX_BUFFER_BYTES);
        range("sendQueueCapacity", sendQueueCapacity, 1, MAX_SEND_QUEUE_CAPACITY);
        range("sendTimeoutNs", sendTimeoutNs, 0, MAX_TIMEOUT_NS);
        range("connectTimeoutNs", connectTimeoutNs, 1_000_000, MAX_TIMEOUT_NS);
        range("paths", paths, 1, MAX_PATHS);
        range("receiveBatchDatagrams", receiveBatchDatagrams, 1, 1024);
        if (messageHandler == null) {
            throw new IllegalArgumentException("messageHandler must not be null");
        }
        try {
            final String text = link == null ? "" : link;
            if (FabricSpec.isFabricSpec(text)) {
                final FabricSpec fabric = FabricSpec.parse(text);
                resolvedFabric = linkSeed == null ? fabric : fabric.withSeed(linkSeed);
                resolvedLink = LinkSpec.perfect();
            } else {
                final LinkSpec spec = LinkSpec.parse(text);
                resolvedLink = linkSeed == null ? spec : spec.withSeed(linkSeed);
                resolvedFabric = null;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("link: " + e.getMessage(), e);
        }
        coreConfig.validate();
        try {
            CongestionControls.validate(coreConfig.congestionControl());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("congestionControl: " + e.getMessage(), e);
        }
        try {
            PathSchedulers.validate(coreConfig.pathScheduler());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler: " + e.getMessage(), e);
        }
        if (ioMode == IoMode.EPOLL && !UdpDriver.epollAvailable()) {
            throw new IllegalArgumentException("ioMode = epoll, but epoll is not available here ("
                + UdpDriver.epollUnavailabilityCause() + "); accepted: auto, nio");
        }
        if (ioMode == IoMode.IO_URING && !UdpDriver.ioUringAvailable()) {
            throw new IllegalArgumentException("ioMode = io_uring, but io_uring is not available here ("
                + UdpDriver.ioUringUnavailabilityCause() + "; kernel " + System.getProperty("os.version")
                + ", see /proc/sys/kernel/io_uring_disabled); accepted: auto, epoll, nio");
        }
        resolvedIoMode = ioMode == IoMode.AUTO ? (UdpDriver.epollAvailable() ? IoMode.EPOLL : IoMode.NIO) : ioMode;
        concluded = true;
        return this;
    }

    static InetSocketAddress parseAddress(final String field, final String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + " is empty; expected host:port, e.g. 127.0.0.1:9000");
        }
        final String t = text.trim();
        final int colon = t.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(field + ": '" + text + "' has no port; expected host:port, e.g. 127.0.0.1:9000");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' has a bad port; accepted: 0 to 65535");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(field + ": port " + port + " is out of range; accepted: 0 to 65535");
        }
        final InetSocketAddress address = new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException(field + ": cannot resolve host '" + host + "'");
        }
        return address;
    }

    private static void range(final String field, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " = " + value + " is out of range; accepted: [" + min + ", " + max + "]");
        }
    }

    boolean isConcluded() {
        return concluded;
    }

    InetSocketAddress resolvedBindAddress() {
        return resolvedBind;
    }

    LinkSpec resolvedLink() {
        return resolvedLink;
    }

    /** The egress fabric after {@link #conclude()}, or null when {@link #link} is a plain link spec. */
    FabricSpec resolvedFabric() {
        return resolvedFabric;
    }

    IoMode resolvedIoMode() {
        return resolvedIoMode;
    }

    // ------------------------------------------------------------------ knobs

    /** The protocol knobs (mutable; validated by {@link #conclude()}). */
    public CoreConfig coreConfig() {
        return coreConfig;
    }

    public TransportContext coreConfig(final CoreConfig value) {
        coreConfig = value;
        return this;
    }

    public String bindAddress() {
        return bindAddress;
    }

    /** Local address to bind, {@code host:port} (port 0: any free port). */
    public TransportContext bindAddress(final String value) {
        bindAddress = value;
        return this;
    }

    public TransportContext bindAddress(final InetSocketAddress value) {
        bindAddress = value.getHostString() + ":" + value.getPort();
        return this;
    }

    public IoMode ioMode() {
        return ioMode;
    }

    public TransportContext ioMode(final IoMode value) {
        ioMode = value;
        return this;
    }

    public boolean gso() {
        return gso;
    }

    /** Coalesce sends with UDP GSO when the kernel supports it (epoll only). */
    public TransportContext gso(final boolean value) {
        gso = value;
        return this;
    }

    public boolean gro() {
        return gro;
    }

    /** Let the kernel coalesce received datagrams (UDP GRO, epoll only). */
    public TransportContext gro(final boolean value) {
        gro = value;
        return this;
    }

    public long targetBdpBytes() {
        return targetBdpBytes;
    }

    /** The bandwidth-delay product to provision for; sizes the socket buffers unless set explicitly. */
    public TransportContext targetBdpBytes(final long value) {
        targetBdpBytes = value;
        return this;
    }

    /** SO_RCVBUF/SO_SNDBUF to ask for (the target BDP unless set). */
    public long socketBufferBytes() {
        return socketBufferBytes < 0 ? targetBdpBytes : socketBufferBytes;
    }

    public TransportContext socketBufferBytes(final long value) {
        socketBufferBytes = value;
        return this;
    }

    public String link() {
        return link;
    }

    /**
     * Egress link emulation, netem vocabulary (see {@link LinkSpec}); empty or {@code none} for none.
     * A text with {@code ecmp=} is an ECMP fabric (see {@link FabricSpec}), e.g.
     * {@code ecmp=4,rate=1gbit,delay=5ms}.
     */
    public TransportContext link(final String value) {
        link = value;
        return this;
    }

    public TransportContext link(final LinkSpec value) {
        link = value.toString();
        return this;
    }

    /** Egress through an ECMP fabric. */
    public TransportContext link(final FabricSpec value) {
        link = value.toString();
        return this;
    }

    /** The job key every session is keyed with, or null for unauthenticated sessions. */
    public JobKey key() {
        return coreConfig.key();
    }

    /**
     * Key every session with {@code value}: both ends must hold the same key (a session with another
     * key, or none, never opens). Null for unauthenticated sessions.
     */
    public TransportContext key(final JobKey value) {
        coreConfig.key(value);
        return this;
    }

    public boolean insecure() {
        return insecure;
    }

    /** Whether running without a key is on purpose ({@code --insecure}): announced, not warned about. */
    public TransportContext insecure(final boolean value) {
        insecure = value;
        return this;
    }

    /** Seed of the link emulator or fabric (overrides the spec's {@code seed}); null to keep the spec's. */
    public Long linkSeed() {
        return linkSeed;
    }

    public TransportContext linkSeed(final Long value) {
        linkSeed = value;
        return this;
    }

    public int sendQueueCapacity() {
        return sendQueueCapacity;
    }

    /** Messages sent and not yet completed that the transport accepts before sends wait (or fail fast). */
    public TransportContext sendQueueCapacity(final int value) {
        sendQueueCapacity = value;
        return this;
    }

    public long sendTimeoutNs() {
        return sendTimeoutNs;
    }

    /** How long a blocking {@link Session#send} waits for queue space before failing. */
    public TransportContext sendTimeoutNs(final long value) {
        sendTimeoutNs = value;
        return this;
    }

    public long connectTimeoutNs() {
        return connectTimeoutNs;
    }

    public TransportContext connectTimeoutNs(final long value) {
        connectTimeoutNs = value;
        return this;
    }

    public int paths() {
        return paths;
    }

    /** Default number of paths (local UDP sockets, distinct source ports) per outgoing connection. */
    public TransportContext paths(final int value) {
        paths = value;
        return this;
    }

    public int receiveBatchDatagrams() {
        return receiveBatchDatagrams;
    }

    /** Datagrams read per {@code recvmmsg} call (epoll). */
    public TransportContext receiveBatchDatagrams(final int value) {
        receiveBatchDatagrams = value;
        return this;
    }

    public boolean acceptIncoming() {
        return acceptIncoming;
    }

    /** Whether peers may connect to this transport (a pure client may refuse). */
    public TransportContext acceptIncoming(final boolean value) {
        acceptIncoming = value;
        return this;
    }

    public MessageHandler messageHandler() {
        return messageHandler;
    }

    /** Receives messages and session events, on the transport's event loop (must not block). */
    public TransportContext messageHandler(final MessageHandler value) {
        messageHandler = value;
        return this;
    }

    public String threadName() {
        return threadName;
    }

    public TransportContext threadName(final String value) {
        threadName = value;
        return this;
    }

    public boolean sharedEventLoops() {
        return sharedEventLoops;
    }

    /**
     * Run on the process-wide event loops (one per core) instead of a loop of its own. For many
     * transports in one process (ranks of a local cluster): fewer threads than cores keeps every
     * hand-off from waiting for a time slice. Default false.
     */
    public TransportContext sharedEventLoops(final boolean value) {
        sharedEventLoops = value;
        return this;
    }

    /** Shortcut for {@code coreConfig().congestionControl()}. */
    public String congestionControl() {
        return coreConfig.congestionControl();
    }

    public TransportContext congestionControl(final String value) {
        coreConfig.congestionControl(value);
        return this;
    }

    /** Shortcut for {@code coreConfig().pathScheduler()}. */
    public String scheduler() {
        return coreConfig.pathScheduler();
    }

    /** The path scheduler of every connection, e.g. {@code spray} or {@code plb:rounds=3}. */
    public TransportContext scheduler(final String value) {
        coreConfig.pathScheduler(value);
        return this;
    }

    public int maxPayloadBytes() {
        return coreConfig.maxPayloadBytes();
    }

    public TransportContext maxPayloadBytes(final int value) {
        coreConfig.maxPayloadBytes(value);
        return this;
    }

    public long receiveWindowBytes() {
        return coreConfig.receiveWindowBytes();
    }

    public TransportContext receiveWindowBytes(final long value) {
        coreConfig.receiveWindowBytes(value);
        return this;
    }

    public long idleTimeoutNs() {
        return coreConfig.idleTimeoutNs();
    }

    public TransportContext idleTimeoutNs(final long value) {
        coreConfig.idleTimeoutNs(value);
        return this;
    }

    @Override
    public String toString() {
        return "TransportContext{bind=" + bindAddress + ", ioMode=" + ioMode + ", gso=" + gso + ", gro=" + gro
            + ", targetBdpBytes=" + targetBdpBytes + ", socketBufferBytes=" + socketBufferBytes()
            + ", link=" + (link == null || link.isEmpty() ? "none" : link) + (linkSeed != null ? ", linkSeed=" + linkSeed : "")
            + ", sendQueueCapacity=" + sendQueueCapacity + ", sendTimeoutNs=" + sendTimeoutNs
            + ", connectTimeoutNs=" + connectTimeoutNs + ", paths=" + paths + ", receiveBatchDatagrams=" + receiveBatchDatagrams
            + ", acceptIncoming=" + acceptIncoming + ", " + coreConfig + '}';
    }
}
