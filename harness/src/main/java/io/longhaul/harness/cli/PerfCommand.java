package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.longhaul.transport.media.UdpDriver;
import io.longhaul.transport.IoMode;
import io.longhaul.transport.MessageHandler;
import io.longhaul.transport.Session;
import io.longhaul.transport.Transport;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.core.ConnectionStats;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.PathEvent;
import io.longhaul.transport.core.PathStats;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.security.JobKey;
import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.FabricReport;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.util.Units;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code longhaul perf}: iperf-like throughput test over one longhaul session. The sender keeps
 * {@code --inflight} messages of {@code --size} bytes outstanding for {@code --duration} or until
 * {@code --bytes} were delivered, prints one line per interval and a summary, and optionally JSON.
 *
 * <p>Goodput counts message bytes acknowledged by the receiver, divided by the time from the first
 * send to the last completion. RTT percentiles come from an HdrHistogram of every path's smoothed
 * RTT sampled every 10 ms while the transfer runs (so they describe the RTT the transport saw,
 * queueing included).
 */
@Command(name = "perf", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Throughput test over one longhaul session (iperf-like).",
        "Default: both ends in this process (--local); or run --server on one host and --client on another."},
    footer = {"", "Examples:",
        "  longhaul perf --local --cc bbr --link delay=5ms,rate=1gbit,loss=0.1%% --duration 10s",
        "  longhaul perf --server --bind 0.0.0.0:9000",
        "  longhaul perf --client 10.0.0.2:9000 --paths 4 --size 4M --bytes 10G --json perf.json"})
final class PerfCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 9000;
    private static final long SAMPLE_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long DRAIN_NS = TimeUnit.SECONDS.toNanos(2);

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--local", description = "Both ends in this process, over loopback (the default mode).")
    private boolean local;

    @Option(names = "--server", description = "Receive: wait for clients on --bind (runs until interrupted, or one session with --one-off).")
    private boolean server;

    @Option(names = "--client", paramLabel = "ADDR:PORT", description = "Send to a longhaul perf --server at ADDR:PORT, e.g. 10.0.0.2:9000.")
    private String client;

    @Option(names = "--bind", paramLabel = "ADDR:PORT", description = "Local address (server default 0.0.0.0:" + DEFAULT_PORT
        + ", otherwise 0.0.0.0:0 or 127.0.0.1:0 for --local), e.g. --bind 10.0.0.1:9000.")
    private String bind;

    @Option(names = "--cc", paramLabel = "NAME", defaultValue = "bbr",
        description = "Congestion control (default ${DEFAULT-VALUE}): newreno, cubic, bbr, delay, fixed:rate=RATE, or a plug-in's name. e.g. --cc cubic")
    private String cc;

    @Option(names = "--scheduler", paramLabel = "NAME", defaultValue = PathSchedulers.DEFAULT,
        description = "Path scheduler for --paths > 1 (default ${DEFAULT-VALUE}): spray, weighted, minrtt, flowlet, plb, single, "
            + "or a plug-in's name, with :key=value parameters. e.g. --scheduler plb")
    private String scheduler;

    @Option(names = "--path-addrs", paramLabel = "LIST",
        description = "Multi-homed paths: one LOCAL[=REMOTE[:PORT]] per path, comma-separated (overrides --paths), "
            + "e.g. --path-addrs 10.0.0.1=10.1.0.1,10.0.0.2=10.1.0.2. A missing remote is the --client address.")
    private String pathAddrs;

    @Option(names = {"-l", "--size"}, paramLabel = "BYTES", defaultValue = "4M",
        description = "Message size (default ${DEFAULT-VALUE}); B, K, M, G suffixes, e.g. --size 64K.")
    private String size;

    @Option(names = {"-t", "--duration"}, paramLabel = "TIME", defaultValue = "10s",
        description = "How long to send (default ${DEFAULT-VALUE}), e.g. --duration 30s. Ignored with --bytes.")
    private String duration;

    @Option(names = {"-O", "--omit"}, paramLabel = "TIME", defaultValue = "0",
        description = "As iperf3 -O: send for TIME first and leave it out of the figures (JIT warm-up, start-up), "
            + "then measure --duration (default ${DEFAULT-VALUE}), e.g. --omit 2s. Not with --bytes.")
    private String omit;

    @Option(names = {"-n", "--bytes"}, paramLabel = "BYTES", description = "Send this many bytes instead of for a duration, e.g. --bytes 1G.")
    private String bytes;

    @Option(names = "--link", paramLabel = "SPEC", defaultValue = "",
        description = "Emulated link on every sender's egress (both directions in --local), netem vocabulary: "
            + "delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed; or an ECMP fabric spec (ecmp=K plus those keys, "
            + "nic, hash-seed, fail=LINK@TIME[+DUR], degrade=LINK@TIME:loss=P) where each path hashes onto one of K links. "
            + "e.g. --link delay=5ms,rate=1gbit,loss=0.1%% or --link ecmp=4,delay=5ms,rate=1gbit,fail=1@3s+2s")
    private String link;

    @Option(names = {"-P", "--paths"}, paramLabel = "N", defaultValue = "1",
        description = "Paths (local UDP sockets, distinct source ports) for the session, 1-16 (default ${DEFAULT-VALUE}), e.g. --paths 4.")
    private int paths;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
        description = "Seed of the link emulators (default ${DEFAULT-VALUE}; the reverse direction uses N+1), e.g. --seed 7.")
    private long seed;

    @CommandLine.Mixin
    private KeyOptions keys = new KeyOptions();

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE, e.g. --json perf.json.")
    private File json;

    @Option(names = {"-i", "--interval"}, paramLabel = "TIME", defaultValue = "1s",
        description = "Interval between report lines (default ${DEFAULT-VALUE}); 0 for none, e.g. -i 500ms.")
    private String interval;

    @Option(names = "--inflight", paramLabel = "N", defaultValue = "4",
        description = "Messages kept outstanding by the sender, 1-65536 (default ${DEFAULT-VALUE}), e.g. --inflight 64.")
    private int inflight;

    @Option(names = "--io", paramLabel = "MODE", defaultValue = "auto",
        description = "I/O mode: auto (epoll where available, else nio), epoll, nio or io_uring (default ${DEFAULT-VALUE}), "
            + "e.g. --io io_uring.")
    private String io;

    @Option(names = "--no-gso", description = "Do not coalesce sends with UDP GSO.")
    private boolean noGso;

    @Option(names = "--no-gro", description = "Do not ask the kernel for UDP GRO.")
    private boolean noGro;

    @Option(names = "--one-off", description = "Server: exit after the first session closes.")
    private boolean oneOff;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        final Settings s = validate();
        if (server) {
            return runServer(s);
        }
        return runSender(s);
    }

    /** Validated flags; {@code link} is the emulated link's or fabric's canonical spec, "none" for none. */
    private record Settings(long sizeBytes, long durationNs, long omitNs, long totalBytes, long intervalNs, String link,
                            IoMode ioMode, InetSocketAddress remote, String bind, JobKey key) {
    }

    private CommandLine.ParameterException bad(final String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private Settings validate() {
        final int modes = (local ? 1 : 0) + (server ? 1 : 0) + (client != null ? 1 : 0);
        if (modes > 1) {
            throw bad("choose one of --local, --server, --client ADDR:PORT");
        }
        try {
            final long sizeBytes = Units.parseSizeBytes("--size", size);
            if (sizeBytes < 1 || sizeBytes > 1L << 30) {
                throw bad("--size " + size + " is out of range; accepted: 1 B to 1 GiB");
            }
            final long durationNs = Units.parseDurationNs("--duration", duration);
            if (durationNs <= 0) {
                throw bad("--duration " + duration + " must be positive, e.g. 10s");
            }
            final long omitNs = omit.trim().equals("0") ? 0 : Units.parseDurationNs("--omit", omit);
            if (omitNs < 0 || omitNs > TimeUnit.HOURS.toNanos(1)) {
                throw bad("--omit " + omit + " is out of range; accepted: 0 to 1h, e.g. 2s");
            }
            if (omitNs > 0 && bytes != null) {
                throw bad("--omit measures a --duration; it does not go with --bytes");
            }
            long totalBytes = -1;
            if (bytes != null) {
                totalBytes = Units.parseSizeBytes("--bytes", bytes);
                if (totalBytes <= 0) {
                    throw bad("--bytes " + bytes + " must be positive, e.g. 1G");
                }
            }
            final long intervalNs = interval.trim().equals("0") ? 0 : Units.parseDurationNs("--interval", interval);
            if (intervalNs < 0) {
                throw bad("--interval must not be negative");
            }
            if (paths < 1 || paths > TransportContext.MAX_PATHS) {
                throw bad("--paths " + paths + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
            }
            if (inflight < 1 || inflight > 65_536) {
                throw bad("--inflight " + inflight + " is out of range; accepted: 1 to 65536");
            }
            final String linkSpec;
            try {
                linkSpec = FabricSpec.isFabricSpec(link) ? FabricSpec.parse(link).toString() : describe(LinkSpec.parse(link));
            } catch (IllegalArgumentException e) {
                throw bad("--link: " + e.getMessage());
            }
            try {
                CongestionControls.validate(cc);
            } catch (IllegalArgumentException e) {
                throw bad("--cc: " + e.getMessage());
            }
            try {
                PathSchedulers.validate(scheduler);
            } catch (IllegalArgumentException e) {
                throw bad("--scheduler: " + e.getMessage());
            }
            if (pathAddrs != null && client == null) {
                throw bad("--path-addrs needs --client (multi-homed paths go to a remote server)");
            }
            final IoMode mode;
            try {
                mode = IoMode.valueOf(io.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw bad("--io '" + io + "' is not an io mode; accepted: auto, epoll, nio, io_uring");
            }
            if (mode == IoMode.IO_URING && !UdpDriver.ioUringAvailable()) {
                throw bad("--io io_uring: io_uring is not available here (" + UdpDriver.ioUringUnavailabilityCause()
                    + "; see /proc/sys/kernel/io_uring_disabled); accepted: auto, epoll, nio");
            }
            InetSocketAddress remote = null;
            if (client != null) {
                remote = parseAddress("--client", client);
                if (pathAddrs != null) {
                    try {
                        paths = Transport.PathAddress.parseList(pathAddrs, remote).size();
                    } catch (IllegalArgumentException e) {
                        throw bad("--path-addrs: " + e.getMessage());
                    }
                }
            }
            if (bind != null) {
                parseAddress("--bind", bind);
            }
            final JobKey key = keys.resolve(spec.commandLine(), !server && client == null, true);
            return new Settings(sizeBytes, durationNs, omitNs, totalBytes, intervalNs, linkSpec, mode, remote, bind, key);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private InetSocketAddress parseAddress(final String flag, final String text) {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw bad(flag + " '" + text + "' must be ADDR:PORT, e.g. 10.0.0.2:" + DEFAULT_PORT);
        }
        final int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw bad(flag + " '" + text + "' has a bad port; accepted: 0 to 65535");
        }
        if (port < 0 || port > 65535) {
            throw bad(flag + " port " + port + " is out of range; accepted: 0 to 65535");
        }
        final InetSocketAddress a = new InetSocketAddress(text.substring(0, colon).replace("[", "").replace("]", ""), port);
        if (a.isUnresolved()) {
            throw bad(flag + ": cannot resolve '" + text.substring(0, colon) + "'");
        }
        return a;
    }

    private TransportContext context(final Settings s, final String bindAddress, final long linkSeed) {
        return new TransportContext()
            .bindAddress(bindAddress)
            .congestionControl(cc)
            .scheduler(scheduler)
            .link(s.link().equals("none") ? "" : s.link())
            .key(s.key())
            .insecure(keys.insecure)
            .linkSeed(linkSeed)
            .ioMode(s.ioMode())
            .gso(!noGso)
            .gro(!noGro)
            .sendQueueCapacity(Math.max(inflight, 1))
            .paths(paths);
    }

    // ------------------------------------------------------------------ server

    private int runServer(final Settings s) throws InterruptedException {
        final String address = s.bind() != null ? s.bind() : "0.0.0.0:" + DEFAULT_PORT;
        final AtomicLong received = new AtomicLong();
        final CountDownLatch firstClosed = new CountDownLatch(1);
        final MessageHandler handler = new MessageHandler() {
            @Override
            public void onMessage(final Session session, final int tag, final ByteBuffer data, final MissingRanges missing) {
                received.addAndGet(data.remaining());
            }

            @Override
            public void onSessionOpened(final Session session) {
                out.printf("session from %s (%d paths)%n", session.remoteAddress(), session.pathCount());
                out.flush();
            }

            @Override
            public void onSessionClosed(final Session session, final String reason, final boolean byPeer) {
                out.printf("session from %s closed: %s%n", session.remoteAddress(), reason);
                out.flush();
                firstClosed.countDown();
            }
        };
        try (Transport transport = Transport.open(context(s, address, seed + 1).messageHandler(handler))) {
            out.printf("longhaul perf server on %s, io %s, cc %s, link %s%n", transport.localAddress(), transport.ioMode(),
                cc, s.link());
            out.println("sessions: " + keys.describe(s.key()));
            out.flush();
            final long period = s.intervalNs() > 0 ? s.intervalNs() : TimeUnit.SECONDS.toNanos(1);
            long last = received.get();
            long lastNs = System.nanoTime();
            while (!(oneOff && firstClosed.await(period, TimeUnit.NANOSECONDS))) {
                if (!oneOff) {
                    TimeUnit.NANOSECONDS.sleep(period);
                }
                final long now = System.nanoTime();
                final long total = received.get();
                if (total != last && s.intervalNs() > 0) {
                    out.printf("received %10s  %s%n", Units.formatSize(total - last),
                        Units.formatRate((total - last) * 8e9 / (now - lastNs)));
                    out.flush();
                }
                last = total;
                lastNs = now;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ sender

    private int runSender(final Settings s) throws Exception {
        final boolean isLocal = s.remote() == null;
        Transport receiverTransport = null;
        final AtomicLong receivedBytes = new AtomicLong();
        try {
            InetSocketAddress target = s.remote();
            if (isLocal) {
                receiverTransport = Transport.open(context(s, "127.0.0.1:0", seed + 1).threadName("longhaul-rx")
                    .messageHandler((session, tag, data, missing) -> receivedBytes.addAndGet(data.remaining())));
                target = receiverTransport.localAddress();
            }
            final String bindAddress = s.bind() != null ? s.bind() : isLocal ? "127.0.0.1:0" : "0.0.0.0:0";
            try (Transport sender = Transport.open(context(s, bindAddress, seed).threadName("longhaul-tx"))) {
                out.printf("longhaul perf %s -> %s, io %s, cc %s, paths %d%s, size %s, link %s%n", sender.localAddress(), target,
                    sender.ioMode(), cc, paths, paths > 1 ? " (" + scheduler + ")" : "", Units.formatSize(s.sizeBytes()),
                    s.link());
                out.println("sessions: " + keys.describe(s.key()));
                out.flush();
                final Session session = pathAddrs != null ? sender.connect(Transport.PathAddress.parseList(pathAddrs, target))
                    : sender.connect(target, paths);
                final Result result = transfer(s, session);
                report(s, result, sender, receiverTransport);
                session.close("perf done");
                return result.error == null ? 0 : LonghaulCli.EXIT_FAILURE;
            }
        } finally {
            if (receiverTransport != null) {
                receiverTransport.close();
            }
        }
    }

    /** What a transfer measured. */
    private static final class Result {
        long bytes;
        long elapsedNs;
        long retransmitted;
        long lost;
        long packetsSent;
        final Histogram rttUs = new Histogram(3_600_000_000L, 3);
        String error;
        ConnectionStats last;
        int abandoned;
        long omittedNs;
    }

    private Result transfer(final Settings s, final Session session) throws InterruptedException {
        final Result result = new Result();
        final ByteBuffer payload = ByteBuffer.allocateDirect((int) s.sizeBytes());
        final Semaphore window = new Semaphore(inflight);
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong lastCompletionNs = new AtomicLong();
        final AtomicReference<String> error = new AtomicReference<>();
        final long startNs = System.nanoTime();
        final long measureFromNs = startNs + s.omitNs();
        final long endNs = measureFromNs + s.durationNs();
        final boolean byBytes = s.totalBytes() > 0;
        boolean measuring = s.omitNs() == 0;
        long measuredFromNs = startNs;
        long omittedBytes = 0;
        ConnectionStats omitted = null;
        long issued = 0;
        long nextSampleNs = startNs + SAMPLE_PERIOD_NS;
        long nextReportNs = s.intervalNs() > 0 ? startNs + s.intervalNs() : Long.MAX_VALUE;
        long reportedBytes = 0;
        long reportedRetx = 0;
        long reportedLost = 0;
        long lastReportNs = startNs;
        while (error.get() == null) {
            final long now = System.nanoTime();
            if (byBytes ? issued >= s.totalBytes() : now - endNs >= 0) {
                break;
            }
            if (!measuring && now - measureFromNs >= 0) {
                // The omitted start is over: what it moved and what its RTTs were stay out of the figures.
                measuring = true;
                measuredFromNs = now;
                omittedBytes = delivered.get();
                omitted = session.stats();
                result.rttUs.reset();
            }
            if (now - nextSampleNs >= 0) {
                nextSampleNs = now + SAMPLE_PERIOD_NS;
                final ConnectionStats st = session.stats();
                for (final PathStats p : st.paths()) {
                    if (p.minRttNs() >= 0 && p.packetsSent() > 0) {
                        result.rttUs.recordValue(Math.max(1, p.smoothedRttNs() / 1_000));
                    }
                }
                result.last = st;
                if (now - nextReportNs >= 0) {
                    nextReportNs += s.intervalNs();
                    final long d = delivered.get();
                    final long retx = st.sum(PathStats::retransmittedPackets);
                    final long lost = st.sum(PathStats::lostPackets);
                    intervalLine(lastReportNs - startNs, now - startNs, d - reportedBytes, now - lastReportNs,
                        retx - reportedRetx, lost - reportedLost, st, !measuring);
                    reportedBytes = d;
                    reportedRetx = retx;
                    reportedLost = lost;
                    lastReportNs = now;
                }
            }
            if (!window.tryAcquire(1, TimeUnit.MILLISECONDS)) {
                continue;
            }
            final long messageBytes = byBytes ? Math.min(s.sizeBytes(), s.totalBytes() - issued) : s.sizeBytes();
            final ByteBuffer message = payload.duplicate().limit((int) messageBytes);
            issued += messageBytes;
            session.send((int) (issued / Math.max(1, s.sizeBytes())), message).whenComplete((status, failure) -> {
                if (failure != null) {
                    error.compareAndSet(null, failure.getMessage());
                } else if (status == SendStatus.DELIVERED) {
                    delivered.addAndGet(messageBytes);
                    lastCompletionNs.set(System.nanoTime());
                }
                window.release();
            });
        }
        // Drain: let the outstanding messages complete, for at most DRAIN_NS; the ones still
        // pending then are abandoned and not counted (reported as such).
        final long drainDeadline = System.nanoTime() + DRAIN_NS;
        while (error.get() == null && !window.tryAcquire(inflight, 10, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() - drainDeadline > 0) {
                result.abandoned = inflight - window.availablePermits();
                break;
            }
        }
        final long endAt = lastCompletionNs.get() == 0 ? System.nanoTime() : lastCompletionNs.get();
        result.bytes = delivered.get() - omittedBytes;
        result.elapsedNs = Math.max(1, endAt - measuredFromNs);
        try {
            result.last = session.stats();
        } catch (IllegalStateException e) {
            error.compareAndSet(null, e.getMessage());
        }
        if (result.last != null) {
            result.retransmitted = result.last.sum(PathStats::retransmittedPackets);
            result.lost = result.last.sum(PathStats::lostPackets);
            result.packetsSent = result.last.sum(PathStats::packetsSent);
            if (omitted != null) {
                result.retransmitted -= omitted.sum(PathStats::retransmittedPackets);
                result.lost -= omitted.sum(PathStats::lostPackets);
                result.packetsSent -= omitted.sum(PathStats::packetsSent);
            }
        }
        result.omittedNs = measuredFromNs - startNs;
        result.error = error.get();
        return result;
    }

    private void intervalLine(final long fromNs, final long toNs, final long bytesDelivered, final long spanNs, final long retx,
                              final long lost, final ConnectionStats st, final boolean omitted) {
        long cwnd = 0;
        long srtt = 0;
        for (final PathStats p : st.paths()) {
            cwnd += p.congestionWindowBytes();
            srtt = Math.max(srtt, p.smoothedRttNs());
        }
        out.printf("[%5.1f-%5.1f s] %10s %14s  retx %7d  lost %7d  rtt %8s  cwnd %10s%s%n", fromNs / 1e9, toNs / 1e9,
            Units.formatSize(bytesDelivered), Units.formatRate(bytesDelivered * 8e9 / Math.max(1, spanNs)), retx, lost,
            Units.formatDuration(srtt), Units.formatSize(cwnd), omitted ? "  (omitted)" : "");
        out.flush();
    }

    private void report(final Settings s, final Result r, final Transport sender, final Transport receiver) throws IOException {
        final double seconds = r.elapsedNs / 1e9;
        final double goodput = r.bytes * 8 / seconds;
        final Histogram h = r.rttUs;
        final boolean rtt = h.getTotalCount() > 0;
        out.println("- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -");
        final double from = r.omittedNs / 1e9;
        out.printf("[%5.1f-%5.1f s] %10s %14s  sender  retx %d (%.3f%%)  lost %d%s%n", from, from + seconds, Units.formatSize(r.bytes),
            Units.formatRate(goodput), r.retransmitted, r.packetsSent == 0 ? 0.0 : 100.0 * r.retransmitted / r.packetsSent, r.lost,
            r.omittedNs > 0 ? String.format(Locale.ROOT, "  (first %.1f s omitted)", from) : "");
        if (rtt) {
            out.printf("rtt min/p50/p99/max = %.3f/%.3f/%.3f/%.3f ms (smoothed, per path that sent data, sampled every 10 ms)%n",
                h.getMinValue() / 1e3, h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        }
        final Transport.TimerLateness senderTimers = sender.timerLateness();
        final Transport.TimerLateness receiverTimers = receiver == null ? null : receiver.timerLateness();
        out.printf("timer lateness p50/p99/max = %s (sender, %d wake-ups)%n", lateness(senderTimers), senderTimers.samples());
        if (receiverTimers != null) {
            out.printf("timer lateness p50/p99/max = %s (receiver, %d wake-ups)%n", lateness(receiverTimers), receiverTimers.samples());
        }
        final long pacerLostNs = r.last == null ? 0 : r.last.sum(PathStats::pacerLostNs);
        final long hostLimited = r.last == null ? 0 : r.last.sum(PathStats::hostLimitedSends);
        if (hostLimited > 0) {
            out.printf("pacer: %s of sending time lost to wake-ups later than its bucket covers (%d times; "
                + "those rate samples were marked application-limited)%n", Units.formatDuration(pacerLostNs), hostLimited);
        }
        if (r.last != null && r.last.paths().size() > 1) {
            final long total = Math.max(1, r.last.sum(PathStats::bytesSent));
            for (final PathStats p : r.last.paths()) {
                out.printf(Locale.ROOT, "path %2d  %-7s %5.1f%% of bytes  %9d pkts  lost %7d  rtt %8s  failures %d  repaths %d%n",
                    p.pathId(), p.state(), 100.0 * p.bytesSent() / total, p.packetsSent(), p.lostPackets(),
                    p.packetsSent() == 0 ? "-" : Units.formatDuration(p.smoothedRttNs()), p.failures(), p.repaths());
            }
            for (final PathEvent e : r.last.pathEvents()) {
                out.println("  " + e);
            }
        }
        final List<FabricLinkCounters> links = new ArrayList<>(FabricLinkCounters.of(sender, "sender", "receiver"));
        if (receiver != null) {
            links.addAll(FabricLinkCounters.of(receiver, "receiver", "sender"));
        }
        if (!links.isEmpty()) {
            out.print(new FabricReport(s.link(), links, null).table(""));
        }
        if (r.abandoned > 0) {
            out.printf("%d messages still outstanding 2 s after the end were abandoned (not counted)%n", r.abandoned);
        }
        if (r.error != null) {
            out.println("error: " + r.error);
        }
        out.flush();
        if (json != null) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", s.remote() == null ? "local" : "client");
            m.put("goodput_bps", Math.round(goodput));
            m.put("bytes", r.bytes);
            m.put("seconds", seconds);
            m.put("omitted_seconds", r.omittedNs / 1e9);
            m.put("retransmitted_packets", r.retransmitted);
            m.put("lost_packets", r.lost);
            m.put("packets_sent", r.packetsSent);
            final Map<String, Object> rttMap = new LinkedHashMap<>();
            rttMap.put("min", rtt ? h.getMinValue() : null);
            rttMap.put("p50", rtt ? h.getValueAtPercentile(50) : null);
            rttMap.put("p99", rtt ? h.getValueAtPercentile(99) : null);
            rttMap.put("max", rtt ? h.getMaxValue() : null);
            rttMap.put("source", "smoothed RTT of every path that sent data, sampled every 10 ms");
            m.put("rtt_us", rttMap);
            m.put("timer_lateness_us", latenessMap(senderTimers));
            if (receiverTimers != null) {
                m.put("receiver_timer_lateness_us", latenessMap(receiverTimers));
            }
            m.put("pacer_lost_us", pacerLostNs / 1_000);
            m.put("pacer_host_limited_sends", hostLimited);
            m.put("cc", cc);
            m.put("link", s.link());
            m.put("authenticated", s.key() != null);
            m.put("paths", paths);
            m.put("scheduler", scheduler);
            if (r.last != null) {
                final List<Map<String, Object>> perPath = new ArrayList<>();
                for (final PathStats p : r.last.paths()) {
                    final Map<String, Object> pm = new LinkedHashMap<>();
                    pm.put("path", p.pathId());
                    pm.put("state", p.state());
                    pm.put("bytes_sent", p.bytesSent());
                    pm.put("packets_sent", p.packetsSent());
                    pm.put("lost_packets", p.lostPackets());
                    pm.put("srtt_us", p.smoothedRttNs() / 1_000);
                    pm.put("failures", p.failures());
                    pm.put("repaths", p.repaths());
                    perPath.add(pm);
                }
                m.put("per_path", perPath);
                final List<Map<String, Object>> events = new ArrayList<>();
                for (final PathEvent e : r.last.pathEvents()) {
                    final Map<String, Object> em = new LinkedHashMap<>();
                    em.put("t_seconds", e.atNs() / 1e9);
                    em.put("path", e.pathId());
                    em.put("event", e.kind().name().toLowerCase(Locale.ROOT));
                    em.put("detail", e.detail());
                    events.add(em);
                }
                m.put("path_events", events);
            }
            if (!links.isEmpty()) {
                m.put("links", SweepResults.mapper().convertValue(links, List.class));
            }
            m.put("message_bytes", s.sizeBytes());
            m.put("io", sender.ioMode());
            m.put("seed", seed);
            m.put("abandoned_messages", r.abandoned);
            m.put("error", r.error);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, m);
        }
    }

    private static String lateness(final Transport.TimerLateness t) {
        return t.samples() == 0 ? "-" : String.format(Locale.ROOT, "%.1f/%.1f/%.1f us", t.p50Ns() / 1e3, t.p99Ns() / 1e3, t.maxNs() / 1e3);
    }

    private static Map<String, Object> latenessMap(final Transport.TimerLateness t) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", t.samples());
        m.put("p50", t.p50Ns() / 1_000.0);
        m.put("p99", t.p99Ns() / 1_000.0);
        m.put("max", t.maxNs() / 1_000.0);
        m.put("source", "driver timer fire time minus the deadline the protocol asked for");
        return m;
    }

    private static String describe(final LinkSpec spec) {
        return spec.isPerfect() ? "none" : spec.toString();
    }
}
