package io.longhaul.harness.multipath;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.ConnectionState;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.PathStats;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;
import io.longhaul.transport.sim.SimNetwork.SimNode;
import io.longhaul.transport.sim.SimRoute;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Path schedulers on a simulated data-center interconnect, in virtual time: two hosts per DC, four
 * elephant flows (one from each host of DC A to each host of DC B), an ECMP group of K parallel
 * links between the DCs, each host behind a NIC as fast as the whole group. Every flow keeps 8
 * messages of {@value #MESSAGE_BYTES} bytes queued, so the schedulers, not the application, decide
 * what the group carries.
 *
 * <p>Each scheduler runs once, in two phases that are the two cases: {@link Case#COLLISION}, the
 * group as the hash seed maps the flows onto it (with the default seed two single-path flows share
 * a link and one link idles), then {@link Case#LINK_FAILURE}, one link failing for good (by default
 * the link the hash loads most). Each phase's figures are measured over a window that starts when
 * the schedulers have settled: aggregate goodput (message bytes handed to the receivers), each
 * link's utilisation (datagram bytes it delivered against its rate), the paths (UDP source ports,
 * hence ECMP hashes) on each link that are not declared failed, re-paths and path failures in the
 * phase, flows that delivered nothing in the window, and messages whose send failed (reliable
 * messages: must be 0).
 *
 * <p>Everything is deterministic: the simulator's clock, the fabric's hash and the connections'
 * seeds are fixed, so the same {@link Settings} give the same numbers on every machine.
 */
public final class MultipathDemo {
    /** The default group: 4 x 1 Gbit/s, 5 ms one way (10 ms RTT), 4 Gbit/s NICs. */
    public static final String DEFAULT_FABRIC = "ecmp=4,rate=1gbit,delay=5ms,nic=4gbit";
    /** Jumbo datagrams: a sixth of the events of 1500-byte ones for the same bytes. */
    public static final int PAYLOAD_BYTES = 8_900;
    /** Message size. */
    public static final int MESSAGE_BYTES = 1 << 20;
    /** Messages each flow keeps queued. */
    public static final int BACKLOG_MESSAGES = 16;
    /** Hosts per DC; one flow from each host of A to each host of B. */
    public static final int HOSTS_PER_DC = 2;
    /** Flows: every host of A to every host of B. */
    public static final int FLOWS = HOSTS_PER_DC * HOSTS_PER_DC;

    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    /** The two cases each scheduler runs. */
    public enum Case {
        /** The group as hashed, no failure. */
        COLLISION("ECMP hash collisions"),
        /** One link fails for good mid-run. */
        LINK_FAILURE("one link fails for good");

        private final String label;

        Case(final String label) {
            this.label = label;
        }

        /** What the case shows, in words. */
        public String label() {
            return label;
        }
    }

    /**
     * A scheduler and the paths (UDP source ports) each flow has.
     *
     * @param scheduler    a path scheduler spec, e.g. {@code spray} or {@code plb}.
     * @param pathsPerFlow paths per connection, 1 to 16.
     */
    public record Variant(String scheduler, int pathsPerFlow) {
        public Variant {
            Objects.requireNonNull(scheduler, "scheduler");
            if (pathsPerFlow < 1 || pathsPerFlow > 16) {
                throw new IllegalArgumentException("pathsPerFlow: " + pathsPerFlow + " is out of range; accepted: 1 to 16");
            }
        }
    }

    /** single (one path: a TCP flow), spray (4 ports), plb (one path, re-hashed when congested). */
    public static final List<Variant> BASIC = List.of(new Variant("single", 1), new Variant("spray", 4), new Variant("plb", 1));
    /** {@link #BASIC} and the other built-in schedulers over 4 ports. */
    public static final List<Variant> ALL = List.of(new Variant("single", 1), new Variant("spray", 4), new Variant("plb", 1),
        new Variant("weighted", 4), new Variant("minrtt", 4), new Variant("flowlet", 4));

    /**
     * What to run. One run per variant: from 0 to {@code failAtNs} the group as hashed
     * ({@link Case#COLLISION}, measured from {@code windowFromNs}), then link {@code failedLink}
     * down for good ({@link Case#LINK_FAILURE}, measured from {@code failWindowFromNs} to
     * {@code durationNs}).
     *
     * @param fabric           the group without failures, a {@link FabricSpec} text.
     * @param windowFromNs     start of the collision case's window; it ends at {@code failAtNs}.
     * @param failAtNs         when the link fails (virtual time).
     * @param failWindowFromNs start of the failure case's window.
     * @param durationNs       virtual time each run lasts; the failure case's window ends there.
     * @param failedLink       the link that fails; -1 for the one the hash loads most with the flows'
     *                         first paths (the lowest such).
     * @param variants         the schedulers, in the order they are run and printed.
     * @param seed             seed of the connections (ids, scheduler draws).
     */
    public record Settings(String fabric, long windowFromNs, long failAtNs, long failWindowFromNs, long durationNs, int failedLink,
                           List<Variant> variants, long seed) {
        public Settings {
            final FabricSpec spec = FabricSpec.parse(fabric);
            if (!spec.events().isEmpty()) {
                throw new IllegalArgumentException("fabric: '" + fabric + "' has events; the demo adds its own failure");
            }
            if (windowFromNs < 0 || windowFromNs >= failAtNs || failAtNs > failWindowFromNs || failWindowFromNs >= durationNs) {
                throw new IllegalArgumentException("need 0 <= windowFromNs (" + windowFromNs + ") < failAtNs (" + failAtNs
                    + ") <= failWindowFromNs (" + failWindowFromNs + ") < durationNs (" + durationNs + ")");
            }
            if (failedLink < -1 || failedLink >= spec.links()) {
                throw new IllegalArgumentException("failedLink: " + failedLink + " is out of range; accepted: -1 (auto) or 0 to "
                    + (spec.links() - 1));
            }
            variants = List.copyOf(variants);
        }

        /**
         * The default: {@link #DEFAULT_FABRIC}; collisions measured over 1.5-2.5 s (plb has settled
         * by 1.1 s with hash seed 0), the failure at 2.5 s, measured over 3-4.5 s: before bbr's first
         * ProbeRTT (5 s after its first minimum RTT), which would dent every flow alike.
         */
        public static Settings defaults(final List<Variant> variants) {
            return new Settings(DEFAULT_FABRIC, 1500 * MS, 2500 * MS, 3 * S, 4500 * MS, -1, variants, 3);
        }

        /** This with another fabric. */
        public Settings withFabric(final String value) {
            return new Settings(value, windowFromNs, failAtNs, failWindowFromNs, durationNs, failedLink, variants, seed);
        }

        /** This with other variants. */
        public Settings withVariants(final List<Variant> value) {
            return new Settings(fabric, windowFromNs, failAtNs, failWindowFromNs, durationNs, failedLink, value, seed);
        }
    }

    /**
     * What one run measured.
     *
     * @param variant            scheduler and paths per flow.
     * @param testCase           the case.
     * @param fabric             the fabric spec run, failure included.
     * @param windowFromNs       start of the measured window (virtual time).
     * @param windowToNs         its end.
     * @param linkRateBps        each link's rate (bit/s, as configured), link 0 first.
     * @param aggregateBps       message bytes delivered to the receivers in the window, as bit/s.
     * @param flowBps            the same per flow (flow i: host i / 2 of A to host i % 2 of B).
     * @param linkBps            datagram bytes each A → B link delivered in the window, as bit/s.
     * @param pathsPerLinkStart  per link, the flows' paths that hash onto it at the start of the case
     *                           and are not declared failed.
     * @param pathsPerLinkEnd    the same at the end of the window.
     * @param repaths            re-paths (moves to a fresh source port) in the case (its whole phase).
     * @param pathFailures       paths declared failed in the case.
     * @param stalledFlows       flows that delivered nothing in the window.
     * @param messagesDelivered  messages acknowledged in the case.
     * @param messagesLost       messages whose send failed in the case (reliable: must be 0).
     */
    public record Run(Variant variant, Case testCase, String fabric, long windowFromNs, long windowToNs, double[] linkRateBps,
                      double aggregateBps, double[] flowBps, double[] linkBps, int[] pathsPerLinkStart, int[] pathsPerLinkEnd,
                      long repaths, long pathFailures, int stalledFlows, long messagesDelivered, long messagesLost) {

        /** The group's capacity: the sum of every link's rate. */
        public double groupBps() {
            return Arrays.stream(linkRateBps).sum();
        }

        /** Aggregate goodput as a share of the whole group's rate. */
        public double shareOfGroup() {
            return aggregateBps / groupBps();
        }

        /** Link {@code link}'s delivered bytes in the window against its rate. */
        public double utilisation(final int link) {
            return linkBps[link] / linkRateBps[link];
        }

        /** Links carrying no path (not counting failed ones) at the end. */
        public int idleLinks() {
            return (int) Arrays.stream(pathsPerLinkEnd).filter(n -> n == 0).count();
        }
    }

    /**
     * Everything a demo ran.
     *
     * @param settings   what was asked.
     * @param failedLink the link that failed in {@link Case#LINK_FAILURE}.
     * @param runs       one per variant and case, variants in order, {@link Case#COLLISION} first.
     */
    public record Result(Settings settings, int failedLink, List<Run> runs) {
        public Result {
            runs = List.copyOf(runs);
        }

        /** The runs of {@code c}, in variant order. */
        public List<Run> runs(final Case c) {
            return runs.stream().filter(r -> r.testCase() == c).toList();
        }

        /** The run of {@code scheduler} (its first variant) in {@code c}. */
        public Run run(final String scheduler, final Case c) {
            return runs.stream().filter(r -> r.testCase() == c && r.variant().scheduler().equals(scheduler)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no run of " + scheduler + " in " + c));
        }
    }

    private MultipathDemo() {
    }

    /** Runs every variant through both cases; {@code progress} sees each case as it ends. */
    public static Result run(final Settings s, final Consumer<Run> progress) {
        final FabricSpec base = FabricSpec.parse(s.fabric());
        final int failed = s.failedLink() >= 0 ? s.failedLink() : mostLoadedLink(base, s.seed());
        final String failing = base.toBuilder().fail(failed, s.failAtNs()).build().toString();
        final List<Run> runs = new ArrayList<>();
        for (final Variant v : s.variants()) {
            final Dci d = new Dci(FabricSpec.parse(failing), v, s.seed());
            final Phase collision = new Phase(d, Case.COLLISION, failing);
            d.run(s.windowFromNs());
            collision.openWindow();
            d.run(s.failAtNs() - s.windowFromNs());
            final Run a = collision.close();
            progress.accept(a);
            final Phase failure = new Phase(d, Case.LINK_FAILURE, failing);
            d.run(s.failWindowFromNs() - s.failAtNs());
            failure.openWindow();
            d.run(s.durationNs() - s.failWindowFromNs());
            final Run b = failure.close();
            progress.accept(b);
            runs.add(a);
            runs.add(b);
        }
        runs.sort(java.util.Comparator.comparing(Run::testCase));
        return new Result(s, failed, runs);
    }

    /** The link carrying the most flows' first paths (what single-path flows use), the lowest of ties. */
    static int mostLoadedLink(final FabricSpec spec, final long seed) {
        final Dci d = new Dci(spec, new Variant("single", 1), seed);
        final int[] perLink = d.pathsPerLink();
        int best = 0;
        for (int l = 1; l < perLink.length; l++) {
            if (perLink[l] > perLink[best]) {
                best = l;
            }
        }
        return best;
    }

    /** One case of one run: counters at its start and at its window's start, the figures at its end. */
    private static final class Phase {
        final Dci d;
        final Case testCase;
        final String fabric;
        final int[] pathsAtStart;
        final long repathsAtStart;
        final long failuresAtStart;
        final long deliveredAtStart;
        final long lostAtStart;
        long windowFromNs;
        long[] flowBytes;
        long[] linkBytes;

        Phase(final Dci d, final Case testCase, final String fabric) {
            this.d = d;
            this.testCase = testCase;
            this.fabric = fabric;
            pathsAtStart = d.pathsPerLink();
            repathsAtStart = d.sum(PathStats::repaths);
            failuresAtStart = d.sum(PathStats::failures);
            deliveredAtStart = d.messagesDelivered();
            lostAtStart = d.sink.failedSends;
        }

        void openWindow() {
            windowFromNs = d.net.nowNs();
            flowBytes = d.sink.flowBytes.clone();
            linkBytes = d.linkBytes();
        }

        Run close() {
            final long toNs = d.net.nowNs();
            final double windowS = (toNs - windowFromNs) / 1e9;
            final double[] flowBps = new double[FLOWS];
            double aggregate = 0;
            int stalled = 0;
            for (int f = 0; f < FLOWS; f++) {
                flowBps[f] = (d.sink.flowBytes[f] - flowBytes[f]) * 8 / windowS;
                aggregate += flowBps[f];
                if (d.sink.flowBytes[f] == flowBytes[f]) {
                    stalled++;
                }
            }
            final long[] linkNow = d.linkBytes();
            final int links = linkNow.length;
            final double[] linkBps = new double[links];
            final double[] rates = new double[links];
            for (int l = 0; l < links; l++) {
                linkBps[l] = (linkNow[l] - linkBytes[l]) * 8 / windowS;
                rates[l] = d.fabric.spec().link(l).rateBitsPerSecond();
            }
            return new Run(d.variant, testCase, fabric, windowFromNs, toNs, rates, aggregate, flowBps, linkBps, pathsAtStart,
                d.pathsPerLink(), d.sum(PathStats::repaths) - repathsAtStart, d.sum(PathStats::failures) - failuresAtStart, stalled,
                d.messagesDelivered() - deliveredAtStart, d.sink.failedSends - lostAtStart);
        }
    }

    /** Counts message bytes per flow (the tag is the flow) and failed sends. */
    private static final class Sink implements ConnectionHandler {
        final long[] flowBytes = new long[FLOWS];
        long failedSends;

        @Override
        public void onMessage(final Connection c, final int tag, final long id, final ByteBuffer data, final MissingRanges missing) {
            flowBytes[tag] += data.remaining();
        }

        @Override
        public void onSendComplete(final Connection c, final long id, final SendStatus status, final String detail) {
            if (status != SendStatus.DELIVERED) {
                failedSends++;
            }
        }
    }

    /** Two hosts in DC A, two in DC B, one connection from each host of A to each host of B. */
    private static final class Dci {
        final SimNetwork net = new SimNetwork();
        final SimNode[] a = new SimNode[HOSTS_PER_DC];
        final SimNode[] b = new SimNode[HOSTS_PER_DC];
        final Sink sink = new Sink();
        final List<Connection> flows = new ArrayList<>();
        final ByteBuffer payload = ByteBuffer.allocate(MESSAGE_BYTES);
        final EcmpFabric fabric;
        final Variant variant;

        Dci(final FabricSpec spec, final Variant v, final long seed) {
            variant = v;
            final CoreConfig config = new CoreConfig().maxPayloadBytes(PAYLOAD_BYTES).pathScheduler(v.scheduler());
            for (int i = 0; i < HOSTS_PER_DC; i++) {
                a[i] = net.addNode("a" + i, config.copy().connectionIdSeed(seed * 31 + i), sink);
            }
            for (int i = 0; i < HOSTS_PER_DC; i++) {
                b[i] = net.addNode("b" + i, config.copy().connectionIdSeed(seed * 31 + HOSTS_PER_DC + i), sink);
            }
            net.fabric(List.of(a), List.of(b), spec);
            fabric = net.fabrics().get(0);
            for (final SimNode from : a) {
                for (final SimNode to : b) {
                    flows.add(from.endpoint().connect(0, to.addresses(v.pathsPerFlow())));
                }
            }
        }

        /** Keeps every established flow {@value #BACKLOG_MESSAGES} messages deep. */
        void keepBusy() {
            for (int f = 0; f < flows.size(); f++) {
                final Connection c = flows.get(f);
                if (c.state() == ConnectionState.ESTABLISHED) {
                    while (c.pendingMessages() < BACKLOG_MESSAGES) {
                        c.send(net.nowNs(), f, payload.duplicate());
                    }
                }
            }
            for (final SimNode n : a) {
                net.wake(n);
            }
        }

        /** Runs {@code durationNs}, topping the backlog up every millisecond. */
        void run(final long durationNs) {
            final long end = net.nowNs() + durationNs;
            while (net.nowNs() < end) {
                keepBusy();
                net.runFor(Math.min(MS, end - net.nowNs()));
            }
        }

        /** Datagram bytes each A → B link delivered so far. */
        long[] linkBytes() {
            final long[] bytes = new long[fabric.links()];
            for (final EcmpFabric.LinkCounters l : fabric.counters().links()) {
                if (l.direction() == 0) {
                    bytes[l.link()] += l.deliveredBytes();
                }
            }
            return bytes;
        }

        /** Per link, the flows' paths hashing onto it now (A → B) that are not declared failed. */
        int[] pathsPerLink() {
            final int[] perLink = new int[fabric.links()];
            for (int f = 0; f < flows.size(); f++) {
                final Connection flow = flows.get(f);
                final List<PathStats> paths = flow.stats().paths();
                for (int p = 0; p < flow.pathCount(); p++) {
                    if ("failed".equals(paths.get(p).state())) {
                        continue;
                    }
                    perLink[linkOf(flow, p, a[f / HOSTS_PER_DC].index())]++;
                }
            }
            return perLink;
        }

        long sum(final java.util.function.ToLongFunction<PathStats> counter) {
            long total = 0;
            for (final Connection flow : flows) {
                total += flow.stats().sum(counter);
            }
            return total;
        }

        long messagesDelivered() {
            long total = 0;
            for (final Connection flow : flows) {
                total += flow.stats().messagesDelivered();
            }
            return total;
        }

        /** The link path {@code p} of {@code flow} hashes onto now. */
        int linkOf(final Connection flow, final int p, final int sourceNode) {
            final Object route = flow.remoteAddress(p);
            return route instanceof SimRoute r ? fabric.linkFor(sourceNode, r)
                : fabric.linkFor(new SimAddress(sourceNode, p), (SimAddress) route);
        }
    }

    // ------------------------------------------------------------------ output

    /** The table of both cases, as the demo prints it. */
    public static String table(final Result result) {
        final Settings s = result.settings();
        final FabricSpec spec = FabricSpec.parse(s.fabric());
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "# multipath over an ECMP group: SIMULATED (the simulator, virtual time, deterministic)%n"));
        sb.append(String.format(Locale.ROOT, "#   %d hosts per DC, %d elephant flows (every host of DC A to every host of DC B), "
            + "%d messages of %d MiB queued per flow%n", HOSTS_PER_DC, FLOWS, BACKLOG_MESSAGES, MESSAGE_BYTES >> 20));
        sb.append(String.format(Locale.ROOT, "#   fabric %s, %d-byte datagrams, cc %s%n", spec, PAYLOAD_BYTES,
            new CoreConfig().congestionControl()));
        sb.append(String.format(Locale.ROOT, "#   a path is one UDP source port, hence one ECMP hash; single and plb: 1 path per flow%n"));
        for (final Case c : Case.values()) {
            final List<Run> runs = result.runs(c);
            if (runs.isEmpty()) {
                continue;
            }
            final Run first = runs.get(0);
            sb.append('\n');
            if (c == Case.COLLISION) {
                sb.append(String.format(Locale.ROOT, "# (a) %s, all links up: 0-%.1f s of virtual time, figures over %.1f-%.1f s%n",
                    c.label(), s.failAtNs() / 1e9, first.windowFromNs() / 1e9, first.windowToNs() / 1e9));
            } else {
                sb.append(String.format(Locale.ROOT, "# (b) then link %d fails for good at %.1f s (the link the hash loads most): "
                    + "figures over %.1f-%.1f s%n", result.failedLink(), s.failAtNs() / 1e9, first.windowFromNs() / 1e9,
                    first.windowToNs() / 1e9));
            }
            sb.append(String.format(Locale.ROOT, "# %-9s %5s %12s %8s  %-18s %-27s %7s %8s %7s %5s%n", "scheduler", "paths", "goodput",
                "of group", "link utilisation %", "paths per link start -> end", "repaths", "failures", "stalled", "lost"));
            for (final Run r : runs) {
                sb.append(String.format(Locale.ROOT, "  %-9s %5d %12s %7.1f%%  %-18s %-27s %7d %8d %7d %5d%n", r.variant().scheduler(),
                    r.variant().pathsPerFlow(), rate(r.aggregateBps()), 100 * r.shareOfGroup(), utilisations(r),
                    slashed(r.pathsPerLinkStart()) + " -> " + slashed(r.pathsPerLinkEnd()), r.repaths(), r.pathFailures(),
                    r.stalledFlows(), r.messagesLost()));
            }
        }
        sb.append(highlights(result));
        sb.append(String.format(Locale.ROOT, "%n# goodput: message bytes delivered in the window; of group: against all %d links' rates;%n"
            + "# utilisation: datagram bytes each link delivered against its rate (counted as they enter it: the queue at%n"
            + "#   the window's edges makes it +-1%%); paths per link: source ports hashing onto it, not declared failed (a%n"
            + "#   connection never declares its only path failed: single stays on the failed link, plb moves off it after 3%n"
            + "#   probe timeouts and may hash onto it again);%n"
            + "# stalled: flows that delivered nothing in the window; lost: messages whose send failed (reliable: 0)%n", spec.links()));
        if (s.variants().stream().anyMatch(v -> v.scheduler().startsWith("flowlet"))) {
            sb.append(String.format(Locale.ROOT, "# flowlet keeps a flow on one path until it pauses longer than the gap: these backlogged "
                + "flows hardly pause,%n#   so they may collide as single ones do%n"));
        }
        return sb.toString();
    }

    /** One line per scheduler: what the two cases show, in words. */
    public static String highlights(final Result result) {
        final StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n# in words:%n"));
        for (final Variant v : result.settings().variants()) {
            final Run a = find(result, v, Case.COLLISION);
            final Run b = find(result, v, Case.LINK_FAILURE);
            if (a == null || b == null) {
                continue;
            }
            final int links = a.linkBps().length;
            final int idle = (int) java.util.stream.IntStream.range(0, links).filter(l -> a.utilisation(l) < 0.01).count();
            sb.append(String.format(Locale.ROOT, "#   %-9s %s per link %s", v.scheduler(), v.pathsPerFlow() == 1 ? "flows" : "paths",
                slashed(a.pathsPerLinkStart())));
            if (a.repaths() > 0) {
                sb.append(String.format(Locale.ROOT, ", %s after %d re-paths", slashed(a.pathsPerLinkEnd()), a.repaths()));
            }
            sb.append(String.format(Locale.ROOT, ": %.0f%% of the group%s", 100 * a.shareOfGroup(),
                idle == 0 ? ", every link busy" : ", " + idle + (idle == 1 ? " link" : " links") + " idle"));
            final int up = links - 1;
            sb.append(String.format(Locale.ROOT, "; link %d down: %.0f%% of the %d links left", result.failedLink(),
                100 * b.aggregateBps() / (b.groupBps() - b.linkRateBps()[result.failedLink()]), up));
            if (b.stalledFlows() > 0) {
                sb.append(String.format(Locale.ROOT, ", %d %s stuck on it", b.stalledFlows(), b.stalledFlows() == 1 ? "flow" : "flows"));
            }
            if (b.pathFailures() > 0) {
                sb.append(String.format(Locale.ROOT, ", %d paths declared failed", b.pathFailures()));
            }
            if (b.repaths() > 0) {
                sb.append(String.format(Locale.ROOT, ", %d re-paths", b.repaths()));
            }
            sb.append(String.format(Locale.ROOT, "; %d messages lost%n", a.messagesLost() + b.messagesLost()));
        }
        return sb.toString();
    }

    private static Run find(final Result result, final Variant v, final Case c) {
        return result.runs().stream().filter(r -> r.variant().equals(v) && r.testCase() == c).findFirst().orElse(null);
    }

    private static String utilisations(final Run r) {
        final StringBuilder sb = new StringBuilder();
        for (int l = 0; l < r.linkBps().length; l++) {
            sb.append(l == 0 ? "" : "/").append(Math.round(100 * r.utilisation(l)));
        }
        return sb.toString();
    }

    private static String slashed(final int[] values) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : "/").append(values[i]);
        }
        return sb.toString();
    }

    private static String rate(final double bps) {
        return bps >= 1e9 ? String.format(Locale.ROOT, "%.2f Gbit/s", bps / 1e9) : String.format(Locale.ROOT, "%.0f Mbit/s", bps / 1e6);
    }
}
