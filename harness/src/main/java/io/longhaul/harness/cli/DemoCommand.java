package io.longhaul.harness.cli;

import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.harness.model.ModeMeasurement;
import io.longhaul.harness.model.ModelComparison;
import io.longhaul.harness.multipath.MultipathDemo;
import io.longhaul.harness.report.Environment;
import io.longhaul.harness.report.Report;
import io.longhaul.harness.report.ReportData;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.FabricBackends;
import io.longhaul.harness.scenario.LoopbackBackend;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.sweep.Sweep;
import io.longhaul.harness.sweep.SweepPlan;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.harness.train.Efficiency;
import io.longhaul.harness.train.TrainConfig;
import io.longhaul.collectives.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code longhaul demo}: what distance costs a data-parallel training job, and what the transport
 * settings win back. Two DCs of two ranks on the built-in emulated fabric, 10 / 100 / 1000 km,
 * loss 0 and 0.1%, bbr against cubic, hierarchical all-reduce; prints the efficiency
 * table and writes the HTML report; ends with path schedulers on a simulated ECMP group
 * ({@code --multipath} runs only that, with every built-in scheduler).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Training efficiency against distance on the built-in emulated fabric:",
        "2 DCs x 2 ranks, 10/100/1000 km, loss 0 and 0.1%%, bbr vs cubic,",
        "hierarchical all-reduce. Efficiency = step time at 0 km / step time at",
        "the distance, all else equal (bucketed gradient all-reduce overlapping",
        "the backward pass, as PyTorch DDP does; scaled down 400x to run here,",
        "see 'longhaul train --help'), measured as 7 interleaved pairs of runs:",
        "the median ratio with a 95%% interval, 'no measurable loss' when the",
        "interval holds 100%%. Prints the efficiency table and writes an HTML",
        "report. Ends with a multipath table: single, spray and",
        "plb on a simulated ECMP group of 4 x 1 Gbit/s with hash collisions,",
        "then with a link failing (virtual time, about 5 s)."},
    footer = {"", "Examples:",
        "  longhaul demo                # the full grid, about 2 minutes on 2 cores",
        "  longhaul demo --quick        # 1000 km, 0.1%% loss, bbr vs cubic: about 35 s",
        "  longhaul demo --backend sim  # the same grid in virtual time, simulated transport",
        "  longhaul demo --multipath    # only the multipath table, every built-in scheduler: about 10 s"})
final class DemoCommand implements Callable<Integer> {
    /** Held so the level sticks (loggers are weakly referenced): one line per transport opened would drown the table. */
    private static final Logger QUIET_TRANSPORT_LOG = Logger.getLogger("io.longhaul.transport");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "A smaller grid: 1000 km, 0.1%% loss, bbr vs cubic, hierarchical all-reduce.")
    private boolean quick;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = LoopbackBackend.NAME,
        description = "loopback: real UDP sockets with in-process emulated inter-DC links (default); sim: simulated transport in virtual time.")
    private String backend;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "results/demo",
        description = "Where results go (default ${DEFAULT-VALUE}); earlier demo results there are replaced.")
    private File out;

    @Option(names = "--report", paramLabel = "FILE", description = "HTML report path (default OUT/report.html).")
    private File report;

    @Option(names = "--multipath", description = {"Only the multipath section, with every built-in scheduler (single, spray, plb, "
        + "weighted, minrtt, flowlet; with --quick single, spray, plb): 4 flows between 2 DCs over a simulated ECMP group of "
        + "4 x 1 Gbit/s, 10 ms RTT, with hash collisions and then a link failing for good. Always simulated (virtual time, "
        + "deterministic), whatever --backend; writes no results or report."})
    private boolean multipath;

    @Override
    public Integer call() {
        final PrintWriter pw = spec.commandLine().getOut();
        if (multipath) {
            return multipathSection(pw, quick ? MultipathDemo.BASIC : MultipathDemo.ALL) ? 0 : LonghaulCli.EXIT_FAILURE;
        }
        final FabricBackend fb;
        try {
            fb = FabricBackends.byName(backend);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        final SweepPlan plan = plan(quick);
        final Path dir = out.toPath();
        clearPreviousResults(dir);
        pw.printf(Locale.ROOT, "longhaul demo: scenario %s, backend %s (%s)%n", plan.scenarios().get(0), fb.name(), fb.description());
        pw.println("  " + ScenarioLoader.load(plan.scenarios().get(0)).describe());
        pw.printf(Locale.ROOT, "  %d cells: distance %s km x loss %s%% x cc %s x algorithm %s%n", plan.distancesKm().size()
            * plan.lossPercents().size() * plan.ccs().size() * plan.algorithms().size(), plan.distancesKm(), plan.lossPercents(),
            plan.ccs(), plan.algorithms());
        final TrainConfig t = plan.train();
        pw.printf(Locale.ROOT, "  training model: %d MiB gradient in %d MiB buckets, forward %d ms, backward %d ms, %d steps%n%n",
            t.gradBytes() >> 20, t.bucketBytes() >> 20, TimeUnit.NANOSECONDS.toMillis(t.forwardNs()),
            TimeUnit.NANOSECONDS.toMillis(t.backwardNs()), t.steps());
        pw.flush();

        QUIET_TRANSPORT_LOG.setLevel(Level.WARNING);
        final SweepProgress progress = new SweepProgress(pw);
        progress.warmUp(plan, fb);
        final List<SweepRow> rows = Sweep.run(plan, fb, dir, progress);
        pw.println();
        pw.print(efficiencyTable(rows));
        pw.println();
        boundedSection(pw, fb, quick);
        pw.println();
        final boolean multipathOk = multipathSection(pw, MultipathDemo.BASIC);
        final Path html = report == null ? dir.resolve("report.html") : report.toPath();
        Report.write(ReportData.load(dir), Environment.capture(), html);
        pw.printf(Locale.ROOT, "%n# results: %s (%s, %s)%n# report:  %s%n# %.1f s%n", dir.resolve(SweepResults.JSONL), SweepResults.CSV,
            SweepResults.JSON, html.toAbsolutePath(), progress.elapsedSeconds());
        return progress.failed() == 0 && multipathOk ? 0 : LonghaulCli.EXIT_FAILURE;
    }

    /**
     * Path schedulers on the simulated DCI ({@link MultipathDemo}): prints the table of both cases.
     *
     * @return whether no message was lost (reliable messages must all arrive).
     */
    static boolean multipathSection(final PrintWriter pw, final List<MultipathDemo.Variant> variants) {
        pw.printf(Locale.ROOT, "# multipath: simulating %s, each with ECMP hash collisions and then a link failure ...%n",
            variants.stream().map(MultipathDemo.Variant::scheduler).toList());
        pw.flush();
        final long startNs = System.nanoTime();
        final MultipathDemo.Result result = MultipathDemo.run(MultipathDemo.Settings.defaults(variants), r -> { });
        pw.print(MultipathDemo.table(result));
        pw.printf(Locale.ROOT, "# %.1f s of wall time for %.1f s of virtual time%n", (System.nanoTime() - startNs) / 1e9,
            variants.size() * result.settings().durationNs() / 1e9);
        pw.flush();
        return result.runs().stream().allMatch(r -> r.messagesLost() == 0);
    }

    /** Pairs of runs (0 km twin and distance, interleaved) behind each efficiency on a real-time backend. */
    static final int PAIRS = 7;

    /**
     * The demo's grid. Every distance cell is {@value #PAIRS} pairs of runs on a real-time backend
     * (the 0 km twins are the baseline, so no 0 km cell is needed): the full grid is sized to
     * finish in about 3 minutes on 2 cores, the quick one in about a minute. The cells where CUBIC
     * collapses take the longest.
     */
    static SweepPlan plan(final boolean quick) {
        final TrainConfig defaults = TrainConfig.defaults();
        final TrainConfig train = new TrainConfig(defaults.gradBytes(), defaults.bucketBytes(), defaults.forwardNs(), defaults.backwardNs(),
            3, 1, DataType.FLOAT32);
        if (quick) {
            return new SweepPlan(List.of("dci-1000km"), List.of(1000.0), List.of(0.1), List.of("bbr", "cubic"), List.of("hier"),
                true, 4L << 20, 4L << 20, 2, 2, 1, train).withPairs(PAIRS);
        }
        return new SweepPlan(List.of("dci-1000km"), List.of(10.0, 100.0, 1000.0), List.of(0.0, 0.1), List.of("bbr", "cubic"),
            List.of("hier"), true, 4L << 20, 16L << 20, 4, 1, 1, train).withPairs(PAIRS);
    }

    /** Loss the bounded-mode section runs at, in percent. */
    static final double BOUNDED_LOSS_PERCENT = 1;

    /**
     * A short section on loss-tolerant all-reduce: the same 1 MiB hierarchical all-reduce at
     * 1000 km and 1% loss, reliable, bounded and bounded with the Hadamard transform (deadline
     * auto, after one unmeasured operation that sets it), its time, what arrived and the error.
     */
    static void boundedSection(final PrintWriter pw, final FabricBackend fb, final boolean quick) {
        final Scenario s = ScenarioLoader.load("dci-1000km").withDistanceKm(1000).withLoss(BOUNDED_LOSS_PERCENT / 100)
            .withAlgorithm(io.longhaul.collectives.Algorithm.HIER);
        final int iterations = quick ? 3 : 5;
        pw.printf(Locale.ROOT, "# loss-tolerant all-reduce: 1 MiB float sum, hier, 1000 km, %s%% loss, deadline auto, %d operations each%n",
            "1", iterations);
        pw.println("# mode                  time(ms)    recv%   rel_err   max_abs_err");
        pw.flush();
        for (final ModelComparison.Variant v : ModelComparison.Variant.values()) {
            try {
                final ModeMeasurement m = ModeMeasurement.run(fb, s, v, CommunicatorConfig.DEADLINE_AUTO, 1L << 20, iterations, 2);
                pw.printf(Locale.ROOT, "  %-20s %9.2f  %7.3f  %8.2e  %12.4g%n", v.label(), m.meanTimeUs() / 1e3, 100 * m.receivedFraction(),
                    m.relativeL2(), m.maxAbsError());
            } catch (final RuntimeException e) {
                pw.printf(Locale.ROOT, "  %-20s failed: %s%n", v.label(), e.getMessage());
            }
            pw.flush();
        }
    }

    private static void clearPreviousResults(final Path dir) {
        try {
            for (final String name : List.of(SweepResults.JSONL, SweepResults.CSV, SweepResults.JSON)) {
                Files.deleteIfExists(dir.resolve(name));
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot clear earlier results in " + dir, e);
        }
    }

    /**
     * Efficiency per configuration (rows) and distance (columns), from the training rows, each
     * with its interval (or "no measurable loss" when the interval holds 100%), then how it was
     * measured and how fine the measurement is.
     */
    static String efficiencyTable(final List<SweepRow> rows) {
        final TreeSet<Double> distances = new TreeSet<>();
        final Map<String, Map<Double, SweepRow>> byConfig = new TreeMap<>();
        final TreeSet<String> methods = new TreeSet<>();
        double widest = 0;
        double narrowest = Double.POSITIVE_INFINITY;
        for (final SweepRow r : rows) {
            if (SweepRow.TRAIN.equals(r.kind()) && r.distanceKm() != null && r.efficiency() != null && r.distanceKm() > 0) {
                distances.add(r.distanceKm());
                byConfig.computeIfAbsent(r.configLabel(), k -> new TreeMap<>()).put(r.distanceKm(), r);
                final Efficiency e = r.efficiencyEstimate();
                methods.add(e.method());
                widest = Math.max(widest, e.halfWidth());
                narrowest = Math.min(narrowest, e.halfWidth());
            }
        }
        final StringBuilder sb = new StringBuilder("# training efficiency: step time at 0 km / step time at the distance, and the step time\n");
        sb.append(String.format(Locale.ROOT, "%-24s", "# config"));
        for (final double d : distances) {
            sb.append(String.format(Locale.ROOT, " %-38s", String.format(Locale.ROOT, "%.0f km", d)));
        }
        sb.append('\n');
        for (final Map.Entry<String, Map<Double, SweepRow>> e : byConfig.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-24s", e.getKey()));
            for (final double d : distances) {
                final SweepRow r = e.getValue().get(d);
                sb.append(r == null ? String.format(Locale.ROOT, " %-38s", "-")
                    : String.format(Locale.ROOT, " %-38s", r.efficiencyEstimate().label() + String.format(Locale.ROOT, " %.0f ms", r.stepMs())));
            }
            sb.append('\n');
        }
        for (final String m : methods) {
            sb.append("# efficiency: ").append(m).append('\n');
        }
        rows.stream().filter(r -> SweepRow.TRAIN.equals(r.kind()) && r.scale() != null).findFirst().ifPresent(r -> sb.append(String.format(
            Locale.ROOT, "# scale 1:%.0f: rates and gradient bytes are 1/%.0f of the real system's, delays and compute real%n", r.scale(),
            r.scale())));
        if (!byConfig.isEmpty() && widest > 0) {
            sb.append(String.format(Locale.ROOT, "# resolution: intervals of +-%.1f%% to +-%.1f%%; a cell whose interval holds 100%% shows "
                + "\"no measurable loss\"%n", 100 * narrowest, 100 * widest));
        }
        return sb.toString();
    }
}
