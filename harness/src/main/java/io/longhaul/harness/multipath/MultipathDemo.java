package io.longhaul.harness.multipath;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.ConnectionState;
import io.longhaul.transport.core.ConnectionStats;
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
 * <p>Two cases per scheduler: {@link Case#COLLISION}, the group as the hash seed maps the flows
 * onto it (with the default seed two single-path flows share a link and one link idles), and
 * {@link Case#LINK_FAILURE}, the same group with one link failing for good mid-run (by default the
 * link the hash loads most). The figures are measured over a window after the start, when the
 * schedulers have settled: aggregate goodput (message bytes handed to the receivers), each link's
 * utilisation (datagram bytes it delivered against its rate), the paths (UDP source ports, hence
 * ECMP hashes) on each link that are not declared failed, re-paths, path failures, flows that
 * delivered nothing in the window, and messages whose send failed (reliable messages: must be 0).
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
    public static final int MESSAGE_BYTES = 4 << 20;
    /** Messages each flow keeps queued. */
    public static final int BACKLOG_MESSAGES = 8;
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
     * What to run.
     *
     * @param fabric          the group without failures, a {@link FabricSpec} text.
     * @param durationNs      virtual time each run lasts.
     * @param windowFromNs    {@link Case#COLLISION}: the figures cover this time to the end.
     * @param failAtNs        {@link Case#LINK_FAILURE}: when the link fails.
     * @param failWindowFromNs {@link Case#LINK_FAILURE}: the figures cover this time to the end.
     * @param failedLink      the link that fails; -1 for the one the hash loads most with the flows'
     *                        first paths (the lowest such).
     * @param variants        the schedulers, in the order they are run and printed.
     * @param seed            seed of the connections (ids, scheduler draws).
     */
    public record Settings(String fabric, long durationNs, long windowFromNs, long failAtNs, long failWindowFromNs, int failedLink,
                           List<Variant> variants, long seed) {
        public Settings {
            final FabricSpec spec = FabricSpec.parse(fabric);
            if (!spec.events().isEmpty()) {
                throw new IllegalArgumentException("fabric: '" + fabric + "' has events; the demo adds its own failure");
            }
            if (durationNs <= 0 || windowFromNs < 0 || windowFromNs >= durationNs) {
                throw new IllegalArgumentException("windowFromNs " + windowFromNs + " must lie in [0, durationNs " + durationNs + ")");
            }
            if (failAtNs <= 0 || failAtNs > failWindowFromNs || failWindowFromNs >= durationNs) {
                throw new IllegalArgumentException("need 0 < failAtNs (" + failAtNs + ") <= failWindowFromNs (" + failWindowFromNs
                    + ") < durationNs (" + durationNs + ")");
            }
            if (failedLink < -1 || failedLink >= spec.links()) {
                throw new IllegalArgumentException("failedLink: " + failedLink + " is out of range; accepted: -1 (auto) or 0 to "
                    + (spec.links() - 1));
            }
            variants = List.copyOf(variants);
        }

        /**
         * The default: {@link #DEFAULT_FABRIC}, 4 s per run, figures over 2-4 s; the failure at 2 s,
         * its figures over 2.5-4 s.
         */
        public static Settings defaults(final List<Variant> variants) {
            return new Settings(DEFAULT_FABRIC, 4 * S, 2 * S, 2 * S, 2500 * MS, -1, variants, 3);
        }

        /** This with another fabric. */
        public Settings withFabric(final String value) {
            return new Settings(value, durationNs, windowFromNs, failAtNs, failWindowFromNs, failedLink, variants, seed);
        }

        /** This with other variants. */
        public Settings withVariants(final List<Variant> value) {
            return new Settings(fabric, durationNs, windowFromNs, failAtNs, failWindowFromNs, failedLink, value, seed);
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
     * @param pathsPerLinkStart  per link, the flows' paths that hash onto it at the start.
     * @param pathsPerLinkEnd    per link, the paths hashing onto it at the end and not declared failed.
     * @param repaths            re-paths (moves to a fresh source port) over the whole run.
     * @param pathFailures       paths declared failed over the whole run.
     * @param stalledFlows       flows that delivered nothing in the window.
     * @param messagesDelivered  messages acknowledged over the whole run.
     * @param messagesLost       messages whose send failed (reliable: must be 0).
     */
    public record Run(Variant variant, Case testCase, String fabric, long windowFromNs, long windowToNs, double[] linkRateBps,
                      double aggregateBps, double[] flowBps, double[] linkBps, int[] pathsPerLinkStart, int[] pathsPerLinkEnd,
                      long repaths, long pathFailures, int stalledFlows, long messagesDelivered, long messagesLost) {

        /** The group's capacity: the sum of the link rates that are up in the window. */
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

    /** Runs every variant in both cases; {@code progress} sees each run as it ends. */
    public static Result run(final Settings s, final Consumer<Run> progress) {
        final FabricSpec base = FabricSpec.parse(s.fabric());
        final int failed = s.failedLink() >= 0 ? s.failedLink() : mostLoadedLink(base, s.seed());
        final String failing = base.toBuilder().fail(failed, s.failAtNs()).build().toString();
        final List<Run> runs = new ArrayList<>();
        for (final Case c : Case.values()) {
            for (final Variant v : s.variants()) {
                final Run r = c == Case.COLLISION ? runOne(v, c, s.fabric(), s.durationNs(), s.windowFromNs(), s.seed())
                    : runOne(v, c, failing, s.durationNs(), s.failWindowFromNs(), s.seed());
                runs.add(r);
                progress.accept(r);
            }
        }
        return new Result(s, failed, runs);
    }

    /** The link carrying the most flows' first paths (what single-path flows use), the lowest of ties. */
    static int mostLoadedLink(final FabricSpec spec, final long seed) {
        final Dci d = new Dci(spec, new Variant("single", 1), seed);
        final int[] perLink = d.pathsPerLink(false);
        int best = 0;
        for (int l = 1; l < perLink.length; l++) {
            if (perLink[l] > perLink[best]) {
                best = l;
            }
        }
        return best;
    }

    /** One scheduler in one case. */
    static Run runOne(final Variant v, final Case c, final String fabric, final long durationNs, final long windowFromNs, final long seed) {
        final FabricSpec spec = FabricSpec.parse(fabric);
        final Dci d = new Dci(spec, v, seed);
        final int[] start = d.pathsPerLink(false);
        d.run(windowFromNs);
        final long[] flowBefore = d.sink.flowBytes.clone();
        final long[] linkBefore = d.linkBytes();
        d.run(durationNs - windowFromNs);
        final long[] flowAfter = d.sink.flowBytes;
        final long[] linkAfter = d.linkBytes();
        final double windowS = (durationNs - windowFromNs) / 1e9;
        final double[] flowBps = new double[FLOWS];
        double aggregate = 0;
        int stalled = 0;
        for (int f = 0; f < FLOWS; f++) {
            flowBps[f] = (flowAfter[f] - flowBefore[f]) * 8 / windowS;
            aggregate += flowBps[f];
            if (flowAfter[f] == flowBefore[f]) {
                stalled++;
            }
        }
        final int links = spec.links();
        final double[] linkBps = new double[links];
        final double[] rates = new double[links];
        for (int l = 0; l < links; l++) {
            linkBps[l] = (linkAfter[l] - linkBefore[l]) * 8 / windowS;
            rates[l] = spec.link(l).rateBitsPerSecond();
        }
        long repaths = 0;
        long failures = 0;
        long delivered = 0;
        for (final Connection flow : d.flows) {
            final ConnectionStats st = flow.stats();
            repaths += st.sum(PathStats::repaths);
            failures += st.sum(PathStats::failures);
            delivered += st.messagesDelivered();
        }
        return new Run(v, c, fabric, windowFromNs, durationNs, rates, aggregate, flowBps, linkBps, start, d.pathsPerLink(true), repaths,
            failures, stalled, delivered, d.sink.failedSends);
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

        Dci(final FabricSpec spec, final Variant v, final long seed) {
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

        /** Per link, the flows' paths hashing onto it now (A → B); with {@code usableOnly}, not the failed ones. */
        int[] pathsPerLink(final boolean usableOnly) {
            final int[] perLink = new int[fabric.links()];
            for (int f = 0; f < flows.size(); f++) {
                final Connection flow = flows.get(f);
                final List<PathStats> paths = usableOnly ? flow.stats().paths() : null;
                for (int p = 0; p < flow.pathCount(); p++) {
                    if (paths != null && "failed".equals(paths.get(p).state())) {
                        continue;
                    }
                    perLink[linkOf(flow, p, a[f / HOSTS_PER_DC].index())]++;
                }
            }
            return perLink;
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
            + "%d msgs of %d MiB queued per flow%n", HOSTS_PER_DC, FLOWS, BACKLOG_MESSAGES, MESSAGE_BYTES >> 20));
        sb.append(String.format(Locale.ROOT, "#   fabric %s (%d-byte datagrams, default cc)%n", spec, PAYLOAD_BYTES));
        sb.append(String.format(Locale.ROOT, "#   a path is one UDP source port, hence one ECMP hash; single and plb: 1 path per flow%n"));
        for (final Case c : Case.values()) {
            final List<Run> runs = result.runs(c);
            if (runs.isEmpty()) {
                continue;
            }
            final Run first = runs.get(0);
            sb.append('\n');
            if (c == Case.COLLISION) {
                sb.append(String.format(Locale.ROOT, "# (a) %s: %.1f s per run, figures over %.1f-%.1f s%n", c.label(),
                    first.windowToNs() / 1e9, first.windowFromNs() / 1e9, first.windowToNs() / 1e9));
            } else {
                sb.append(String.format(Locale.ROOT, "# (b) %s: link %d down from %.1f s, figures over %.1f-%.1f s%n", c.label(),
                    result.failedLink(), s.failAtNs() / 1e9, first.windowFromNs() / 1e9, first.windowToNs() / 1e9));
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
        sb.append(String.format(Locale.ROOT, "%n# goodput: message bytes delivered in the window; of group: against all %d links' rates;%n"
            + "# utilisation: datagram bytes each link delivered against its rate; paths per link: not declared failed;%n"
            + "# stalled: flows that delivered nothing in the window; lost: messages whose send failed (reliable: 0)%n", spec.links()));
        return sb.toString();
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
