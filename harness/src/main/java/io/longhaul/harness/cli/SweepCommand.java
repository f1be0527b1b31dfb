package io.longhaul.harness.cli;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.DataType;
import io.longhaul.harness.model.ModelComparison;
import io.longhaul.harness.report.Environment;
import io.longhaul.harness.report.Report;
import io.longhaul.harness.report.ReportData;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.FabricBackends;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.SimBackend;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.sweep.Sweep;
import io.longhaul.harness.sweep.SweepCell;
import io.longhaul.harness.sweep.SweepPlan;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.harness.train.TrainComparison;
import io.longhaul.harness.train.TrainConfig;
import io.longhaul.harness.train.TrainSchedule;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.util.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code longhaul sweep}: a grid of scenarios × distances × loss × congestion control × algorithm ×
 * path scheduler × paths,
 * each cell running an all-reduce size sweep and the training model, appended to
 * {@code OUT/sweep.jsonl} as it finishes (re-running skips finished cells), then
 * {@code sweep.csv}, {@code sweep.json} and, with {@code --report}, the HTML report.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Grid of scenarios x distance x loss x congestion control x algorithm x path scheduler x paths: all-reduce bus bandwidth "
        + "and training efficiency (and per-link counters on an ECMP group).",
        "Resumable: each finished cell is appended to OUT/sweep.jsonl; re-running the same command skips finished cells."},
    footer = {"", "Examples:",
        "  longhaul sweep --out results/",
        "  longhaul sweep --scenario dci-1000km --distance 0,10,100,1000 --loss 0,0.1 --cc bbr,cubic --algo ring,hier --out results/ --report report.html",
        "  longhaul sweep --scenario lossy-1000km --cc bbr,cubic,newreno --no-bench --out results/",
        "  longhaul sweep --scenario dci-1000km-ecmp --distance scenario --loss scenario --cc bbr --algo hier --scheduler spray,plb,single "
            + "--paths 1,4 --no-bench --out results/ --report report.html"})
final class SweepCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--scenario"}, paramLabel = "NAME|FILE", split = ",", defaultValue = "dci-1000km",
        description = "Scenarios, comma-separated presets or files (default ${DEFAULT-VALUE}).")
    private List<String> scenarios;

    @Option(names = "--distance", paramLabel = "KM", split = ",", defaultValue = "0,10,100,1000",
        description = "Distances in km (default ${DEFAULT-VALUE}); 'scenario' for each scenario's own.")
    private List<String> distances;

    @Option(names = "--loss", paramLabel = "PERCENT", split = ",", defaultValue = "0,0.1",
        description = "Random inter-DC loss in percent (default ${DEFAULT-VALUE}); 'scenario' for each scenario's own.")
    private List<String> losses;

    @Option(names = "--cc", paramLabel = "NAME", split = ",", defaultValue = "bbr,cubic", description = "Congestion controls (default ${DEFAULT-VALUE}).")
    private List<String> ccs;

    @Option(names = "--algo", paramLabel = "NAME", split = ",", defaultValue = "ring,hier", description = "Algorithms (default ${DEFAULT-VALUE}).")
    private List<String> algos;

    @Option(names = "--scheduler", paramLabel = "NAME[:k=v]", split = ",",
        description = "Path schedulers (default: each scenario's own): spray, weighted, minrtt, flowlet, plb, single or a plug-in, with "
            + ":key=value parameters, e.g. --scheduler spray,plb,single.")
    private List<String> schedulers;

    @Option(names = {"-P", "--paths"}, paramLabel = "N", split = ",",
        description = "Paths (UDP source ports) per inter-DC session, 1-16 (default: each scenario's own); more than 1 on the sim "
            + "backend needs an ECMP group between the DCs (links.inter.ecmp), e.g. --paths 1,4.")
    private List<Integer> paths;

    @Option(names = "--schedule", paramLabel = "NAME[:k=v]", split = ",",
        description = {"Training schedules (default ddp): ddp, localsgd, diloco, streaming-diloco, async1, with :key=value parameters",
            "H (inner steps), outer (float, bfloat16, int8, int4), F and T (streaming-diloco), e.g. --schedule",
            "ddp,diloco:outer=int8,streaming-diloco:F=2. Schedules with outer steps measure whole rounds of H steps (at least 2)",
            "after H warm-up steps; async1 warms up 2 steps."})
    private List<String> trainSchedules;

    @Option(names = "--mode", paramLabel = "MODE", split = ",", defaultValue = "reliable",
        description = "Collective modes: reliable, bounded, bounded+hadamard (default ${DEFAULT-VALUE}); bounded cells measure the all-reduce "
            + "sizes only (time, bytes received, error against the exact sum), e.g. --mode reliable,bounded,bounded+hadamard.")
    private List<String> modes;

    @Option(names = "--deadline", paramLabel = "TIME|auto", defaultValue = "auto",
        description = "Per-step budget of the bounded modes, 10us to 10min, or auto (default ${DEFAULT-VALUE}), e.g. --deadline 6ms.")
    private String deadline;

    @Option(names = {"-b", "--minbytes"}, paramLabel = "SIZE", defaultValue = "1M", description = "All-reduce sweep start (default ${DEFAULT-VALUE}).")
    private String minBytes;

    @Option(names = {"-e", "--maxbytes"}, paramLabel = "SIZE", defaultValue = "16M", description = "All-reduce sweep end (default ${DEFAULT-VALUE}).")
    private String maxBytes;

    @Option(names = {"-f", "--stepfactor"}, paramLabel = "N", defaultValue = "4", description = "All-reduce size factor (default ${DEFAULT-VALUE}).")
    private int factor;

    @Option(names = {"-n", "--iters"}, paramLabel = "N", defaultValue = "2", description = "Timed all-reduces per size (default ${DEFAULT-VALUE}).")
    private int iters;

    @Option(names = {"-w", "--warmup_iters"}, paramLabel = "N", defaultValue = "1", description = "Warm-up all-reduces per size (default ${DEFAULT-VALUE}).")
    private int warmupIters;

    @Option(names = "--no-bench", description = "Skip the all-reduce size sweep.")
    private boolean noBench;

    @Option(names = "--no-train", description = "Skip the training model.")
    private boolean noTrain;

    @Option(names = "--grad-size", paramLabel = "SIZE", defaultValue = "16M", description = "Training gradient bytes (default ${DEFAULT-VALUE}).")
    private String gradSize;

    @Option(names = "--bucket-size", paramLabel = "SIZE", defaultValue = "4M", description = "Training bucket bytes (default ${DEFAULT-VALUE}).")
    private String bucketSize;

    @Option(names = "--forward", paramLabel = "TIME", defaultValue = "30ms", description = "Forward time (default ${DEFAULT-VALUE}).")
    private String forward;

    @Option(names = "--backward", paramLabel = "TIME", defaultValue = "60ms", description = "Backward time (default ${DEFAULT-VALUE}).")
    private String backward;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "5", description = "Measured training steps (default ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Warm-up training steps (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--pairs", paramLabel = "N", defaultValue = "0",
        description = {"Pairs of training runs per cell on a real-time backend: the 0 km twin and the distance run, interleaved; the",
            "efficiency is their median ratio with a 95%% bootstrap interval (default 0: " + TrainComparison.DEFAULT_PAIRS + "). The sim "
            + "backend is exact and runs each once."})
    private int pairs;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "sim", description = "Where to run (default ${DEFAULT-VALUE}).")
    private String backend;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "results", description = "Results directory (default ${DEFAULT-VALUE}).")
    private File out;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the HTML report, e.g. --report report.html.")
    private File report;

    @Override
    public Integer call() {
        final PrintWriter pw = spec.commandLine().getOut();
        final SweepPlan plan;
        final FabricBackend fb;
        try {
            for (final String s : scenarios) {
                ScenarioLoader.load(s);
            }
            for (final String c : ccs) {
                CongestionControls.validate(c);
            }
            for (final String a : algos) {
                Algorithm.parse(a);
            }
            final List<String> schedulerAxis = schedulers == null ? List.of() : schedulers;
            for (final String sc : schedulerAxis) {
                try {
                    PathSchedulers.validate(sc);
                } catch (final IllegalArgumentException x) {
                    throw new IllegalArgumentException("--scheduler: " + x.getMessage());
                }
            }
            final List<Integer> pathAxis = paths == null ? List.of() : paths;
            final List<String> scheduleAxis = trainSchedules == null ? List.of() : trainSchedules;
            for (final String ts : scheduleAxis) {
                try {
                    TrainSchedule.parse(ts);
                } catch (final IllegalArgumentException x) {
                    throw new IllegalArgumentException("--schedule: " + x.getMessage().replace("--schedule ", ""));
                }
            }
            for (final int p : pathAxis) {
                if (p < 1 || p > TransportContext.MAX_PATHS) {
                    throw new IllegalArgumentException("--paths " + p + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
                }
            }
            final List<String> modeNames = new ArrayList<>();
            for (final String m : modes) {
                try {
                    modeNames.add(ModelComparison.Variant.parse(m).label());
                } catch (final IllegalArgumentException x) {
                    throw new IllegalArgumentException("--mode: " + x.getMessage());
                }
            }
            final long deadlineNs;
            if (deadline.trim().equalsIgnoreCase("auto")) {
                deadlineNs = CommunicatorConfig.DEADLINE_AUTO;
            } else {
                deadlineNs = Units.parseDurationNs("--deadline", deadline);
                if (deadlineNs < CommunicatorConfig.MIN_DEADLINE_NS || deadlineNs > CommunicatorConfig.MAX_DEADLINE_NS) {
                    throw new IllegalArgumentException("--deadline " + deadline + " is out of range; accepted: 10us to 10min, or auto");
                }
            }
            final TrainConfig train = noTrain ? null : new TrainConfig(Units.parseSizeBytes("--grad-size", gradSize),
                Units.parseSizeBytes("--bucket-size", bucketSize), Units.parseDurationNs("--forward", forward),
                Units.parseDurationNs("--backward", backward), steps, warmup, DataType.FLOAT32);
            plan = new SweepPlan(scenarios, numbers("--distance", distances, 0, 20_000), numbers("--loss", losses, 0, 100), ccs, algos, !noBench,
                Units.parseSizeBytes("--minbytes", minBytes), Units.parseSizeBytes("--maxbytes", maxBytes), factor, iters, warmupIters, train,
                modeNames.equals(List.of(SweepCell.RELIABLE)) ? List.of() : modeNames, deadlineNs, schedulerAxis, pathAxis, pairs,
                scheduleAxis);
            fb = FabricBackends.byName(backend);
            for (final String name : scenarios) {
                final Scenario sc = ScenarioLoader.load(name);
                for (final int p : pathAxis.isEmpty() ? List.of(sc.paths()) : pathAxis) {
                    checkPaths(sc, p, fb);
                }
            }
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        for (final String name : plan.scenarios()) {
            final String note = ScenarioLoader.load(name).scaleNote();
            if (!note.isEmpty()) {
                pw.println("# " + name + ": " + note);
            }
        }
        pw.println("# backend " + fb.name() + ": " + (fb.exact() ? "exact, in virtual time (one run per training cell)"
            : "real time; training efficiency is the median of " + (plan.pairs() == 0 ? TrainComparison.DEFAULT_PAIRS : plan.pairs())
            + " interleaved pairs of runs with a 95% bootstrap interval"));
        final SweepProgress progress = new SweepProgress(pw);
        progress.warmUp(plan, fb);
        final List<SweepRow> rows = Sweep.run(plan, fb, out.toPath(), progress);
        pw.printf(Locale.ROOT, "# %d rows in %s (%s, %s); %.1f s%n", rows.size(), out.toPath().resolve(SweepResults.JSONL), SweepResults.CSV,
            SweepResults.JSON, progress.elapsedSeconds());
        if (report != null) {
            Report.write(ReportData.load(out.toPath()), Environment.capture(), report.toPath());
            pw.println("# report: " + report);
        }
        return progress.failed() == 0 ? 0 : LonghaulCli.EXIT_FAILURE;
    }

    /**
     * @throws IllegalArgumentException if {@code paths} above 1 would run on the simulated backend
     *                                  over single inter-DC links, which carry one path.
     */
    static void checkPaths(final Scenario scenario, final int paths, final FabricBackend backend) {
        if (paths > 1 && backend.name().equals(SimBackend.NAME) && scenario.dataCenters().size() > 1
            && !scenario.hasFabric()) {
            throw new IllegalArgumentException("--paths " + paths + " on scenario " + scenario.name() + ": the sim backend models one link per "
                + "inter-DC rank pair, which carries one path; give the scenario an ECMP group (links.inter.ecmp: K) or use 1 path");
        }
    }

    private static List<Double> numbers(final String flag, final List<String> values, final double min, final double max) {
        final List<Double> out = new ArrayList<>();
        for (final String v : values) {
            if (v.trim().equalsIgnoreCase("scenario")) {
                if (values.size() > 1) {
                    throw new IllegalArgumentException(flag + ": 'scenario' must be the only value");
                }
                return List.of();
            }
            final double d;
            try {
                d = Double.parseDouble(v.trim().replace("%", "").replace("km", ""));
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + v + "' is not a number; accepted: " + (long) min + " to " + (long) max);
            }
            if (!(d >= min && d <= max)) {
                throw new IllegalArgumentException(flag + ": '" + v + "' is out of range; accepted: " + (long) min + " to " + (long) max);
            }
            out.add(d);
        }
        return out;
    }
}
