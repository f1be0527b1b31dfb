package io.longhaul.harness.cli;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.Mode;
import io.longhaul.harness.model.ModelComparison;
import io.longhaul.harness.model.ModelConfig;
import io.longhaul.harness.model.ModelResult;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.FabricBackends;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.harness.train.TrainComparison;
import io.longhaul.harness.train.TrainConfig;
import io.longhaul.harness.train.TrainResult;
import io.longhaul.harness.train.TrainSchedule;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.util.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code longhaul train}: the synthetic data-parallel training model on a scenario, next to the
 * same run at 0 km, printing step, compute and exposed communication times, the bytes crossing
 * the DCI per step, and the efficiency, under a synchronization schedule ({@code --schedule}:
 * ddp, localsgd, diloco, streaming-diloco, async1; see {@link TrainSchedule}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Data-parallel training model: bucketed gradient all-reduce overlapping the backward pass (as PyTorch DDP), or",
        "a multi-DC schedule (--schedule localsgd, diloco, streaming-diloco, async1); reports step time, exposed communication,",
        "bytes crossing the DCI per step and efficiency = step time at 0 km / step time at the scenario's distance."},
    footer = {"", "Scale: the presets' 1 Gbit/s inter-DC links are 400 Gbit/s scaled down 400x; scale --grad-size the same way and keep",
        "compute times (a 1.3B-parameter model's 2.6 GB bf16 gradient is --grad-size 6.5M --dtype bf16 here).", "", "Examples:",
        "  longhaul train --scenario dci-1000km",
        "  longhaul train --scenario lossy-1000km --cc cubic --algo ring --json train.json",
        "  longhaul train --scenario my-dcs.yaml --grad-size 64M --bucket-size 8M --forward 100ms --backward 200ms --steps 10",
        "  longhaul train --scenario dci-1000km-ecmp --scheduler plb --paths 4 --json train-plb.json",
        "  longhaul train --scenario dci-1000km --schedule diloco --inner-steps 16 --outer-dtype int8",
        "  longhaul train --scenario dci-1000km --schedule streaming-diloco --inner-steps 8 --fragments 4 --overlap-steps 2",
        "  longhaul train --scenario dci-1000km --schedule async1 --json async1.json",
        "  longhaul train --model mlp --scenario dci-1000km --loss 1%% --mode bounded --deadline 6ms",
        "  longhaul train --model mlp --scenario dci-1000km --compare --compare-loss 0,1,5 --json mlp.json",
        "  longhaul train --model mlp --scenario dci-1000km --schedule diloco --inner-steps 8 --outer-dtype int8",
        "  longhaul train --model mlp --scenario dci-1000km --compare-schedules ddp,localsgd,diloco,diloco:outer=int8,async1"})
final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--scenario"}, paramLabel = "NAME|FILE", defaultValue = "dci-1000km",
        description = "Scenario preset (local, dci-10km, dci-100km, dci-1000km, lossy-1000km) or YAML file (default ${DEFAULT-VALUE}).")
    private String scenario;

    @Option(names = "--distance", paramLabel = "KM", description = "Move every pair of DCs to this distance, e.g. --distance 100.")
    private Double distanceKm;

    @Option(names = "--loss", paramLabel = "PERCENT", description = "Random loss on every inter-DC link, e.g. --loss 0.1%%.")
    private String loss;

    @Option(names = "--cc", paramLabel = "NAME", description = "Congestion control (default: the scenario's), e.g. --cc cubic.")
    private String cc;

    @Option(names = "--algo", paramLabel = "NAME", description = "All-reduce algorithm: auto, ring, rhd, tree, hier (default: the scenario's).")
    private String algo;

    @Option(names = "--scheduler", paramLabel = "NAME[:k=v]",
        description = "Path scheduler of every session (default: the scenario's): spray, weighted, minrtt, flowlet, plb, single or a "
            + "plug-in, e.g. --scheduler plb or --scheduler weighted:by=rate.")
    private String scheduler;

    @Option(names = {"-P", "--paths"}, paramLabel = "N",
        description = "Paths (UDP source ports) per inter-DC session, 1-16 (default: the scenario's); more than 1 on the sim backend "
            + "needs an ECMP group between the DCs (links.inter.ecmp), e.g. --paths 4.")
    private Integer paths;

    @Option(names = "--grad-size", paramLabel = "SIZE", defaultValue = "16M", description = "Gradient bytes per step (default ${DEFAULT-VALUE}).")
    private String gradSize;

    @Option(names = "--bucket-size", paramLabel = "SIZE", defaultValue = "4M", description = "Bucket bytes (default ${DEFAULT-VALUE}).")
    private String bucketSize;

    @Option(names = "--forward", paramLabel = "TIME", defaultValue = "30ms", description = "Forward compute time (default ${DEFAULT-VALUE}).")
    private String forward;

    @Option(names = "--backward", paramLabel = "TIME", defaultValue = "60ms", description = "Backward compute time (default ${DEFAULT-VALUE}).")
    private String backward;

    @Option(names = "--steps", paramLabel = "N",
        description = "Measured steps (default 5; with localsgd, diloco, streaming-diloco: 2 x --inner-steps; with --model mlp: "
            + "optimizer steps, default 300).")
    private Integer steps;

    @Option(names = "--warmup", paramLabel = "N",
        description = "Warm-up steps, not measured (default 1; async1: 2, as step 1 waits for step 0's all-reduce, which opens the "
            + "connections; localsgd, diloco, streaming-diloco: --inner-steps, so that the first outer sync, which opens the inter-DC "
            + "connections, is not measured).")
    private Integer warmup;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "ddp",
        description = "How ranks synchronize (default ${DEFAULT-VALUE}): ddp (every step's gradient all-reduced across all ranks), "
            + "localsgd or diloco (gradients all-reduced inside each DC; every --inner-steps steps a blocking outer all-reduce of the "
            + "pseudo-gradient across all ranks; the two differ only in the outer optimizer, not in time or bytes), streaming-diloco "
            + "(the outer all-reduce in --fragments staggered fragments, each overlapping --overlap-steps steps), async1 (step t's "
            + "all-reduce overlaps step t+1), e.g. --schedule diloco.")
    private String scheduleName;

    @Option(names = "--inner-steps", paramLabel = "H",
        description = "localsgd, diloco, streaming-diloco: steps between outer syncs, 1-" + TrainSchedule.MAX_INNER_STEPS + " (default "
            + TrainSchedule.DEFAULT_INNER_STEPS + "), e.g. --inner-steps 32.")
    private Integer innerSteps;

    @Option(names = "--outer-dtype", paramLabel = "TYPE",
        description = "localsgd, diloco, streaming-diloco: what the outer all-reduce carries: float, bfloat16, or int8/int4 (blockwise "
            + "quantized codes + scales, all-gathered and averaged) (default float), e.g. --outer-dtype int8.")
    private String outerDtype;

    @Option(names = "--fragments", paramLabel = "F",
        description = "streaming-diloco: fragments of the model, synced at staggered steps, 1 to --inner-steps (default "
            + TrainSchedule.DEFAULT_FRAGMENTS + "), e.g. --fragments 2.")
    private Integer fragments;

    @Option(names = "--overlap-steps", paramLabel = "T",
        description = "streaming-diloco: steps a fragment's outer sync overlaps before a step waits for it, 0 to --inner-steps - 1 "
            + "(default " + TrainSchedule.DEFAULT_OVERLAP_STEPS + "), e.g. --overlap-steps 2.")
    private Integer overlapSteps;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float", description = "Gradient type: float, bf16, half, double (default ${DEFAULT-VALUE}).")
    private String dtype;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "sim",
        description = "Where to run: sim (simulated transport, virtual time, deterministic) or a plug-in backend (default ${DEFAULT-VALUE}).")
    private String backend;

    @Option(names = "--seed", paramLabel = "N", description = "Seed (default: the scenario's).")
    private Long seed;

    @Option(names = "--print-link", description = "Print the scenario's inter-DC link spec (after --distance, --loss) and exit; scripts shape real NICs with it.")
    private boolean printLink;

    @Option(names = "--pairs", paramLabel = "N", defaultValue = "0",
        description = {"Real-time backends: pairs of runs, the 0 km twin and the distance run interleaved; the efficiency is their",
            "median ratio with a 95%% bootstrap interval (default 0: " + TrainComparison.DEFAULT_PAIRS + "). The sim backend is exact "
            + "and runs each once."})
    private int pairs;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON (a sweep row of kind train), e.g. --json train.json.")
    private File json;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "synthetic",
        description = "synthetic (compute times and byte counts) or mlp (a real two-layer MLP trained on a seeded teacher task "
            + "through the real collectives: real gradients, real SGD) (default ${DEFAULT-VALUE}), e.g. --model mlp.")
    private String model;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "reliable",
        description = "mlp: gradient all-reduce reliable (exact) or bounded (default ${DEFAULT-VALUE}), e.g. --mode bounded.")
    private String mode;

    @Option(names = "--deadline", paramLabel = "TIME|auto", defaultValue = "auto",
        description = "mlp, bounded: time budget per step (hop), 10us to 10min, or auto (default ${DEFAULT-VALUE}), e.g. --deadline 6ms.")
    private String deadline;

    @Option(names = "--hadamard", description = "mlp, bounded: randomized Hadamard transform around the all-reduce.")
    private boolean hadamard;

    @Option(names = "--compare", description = "mlp: train reliable, bounded and bounded+hadamard at each --compare-loss, on the "
        + "scenario's distance, and print one line per run.")
    private boolean compare;

    @Option(names = "--compare-loss", paramLabel = "PCT,...", defaultValue = "0,1,5",
        description = "mlp --compare: inter-DC random loss percentages (default ${DEFAULT-VALUE}), e.g. --compare-loss 0,2.")
    private String compareLoss;

    @Option(names = "--compare-schedules", paramLabel = "SPEC,...",
        description = "mlp: train once per schedule (specs as sweep --schedule takes them: name[:H=..][:outer=..][:F=..][:T=..]) on the "
            + "scenario, same model, data and seed, and print one line per schedule: loss reached, time to target, DCI bytes, e.g. "
            + "--compare-schedules ddp,localsgd,diloco,diloco:outer=int8.")
    private String compareSchedules;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.05", description = "mlp: SGD learning rate (default ${DEFAULT-VALUE}).")
    private double lr;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "mlp: samples per rank per step (default ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--compute", paramLabel = "TIME", defaultValue = "10ms",
        description = "mlp: modelled forward + backward time per step (default ${DEFAULT-VALUE}).")
    private String compute;

    @Option(names = "--outer-lr", paramLabel = "X",
        description = "mlp, --schedule diloco or streaming-diloco: learning rate of the outer SGD with Nesterov momentum 0.9 (default "
            + ModelConfig.DEFAULT_OUTER_LR + "; DiLoCo's 0.7 diverges on this model after 8 SGD inner steps), e.g. --outer-lr 0.2.")
    private Double outerLr;

    @Option(names = "--target-loss", paramLabel = "X", defaultValue = "1.2",
        description = "mlp: evaluation loss whose first crossing gives the time to target (default ${DEFAULT-VALUE}).")
    private double targetLoss;

    @Override
    public Integer call() throws IOException {
        if (model.trim().equalsIgnoreCase("mlp")) {
            return callMlp();
        }
        if (outerLr != null) {
            throw bad("--outer-lr applies to --model mlp (the synthetic model runs no optimizer)");
        }
        if (compareSchedules != null) {
            throw bad("--compare-schedules applies to --model mlp; the synthetic model compares schedules with sweep --schedule");
        }
        if (!model.trim().equalsIgnoreCase("synthetic")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model " + model + " is unknown; accepted: synthetic, mlp");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final Scenario s;
        final TrainConfig config;
        final FabricBackend fb;
        try {
            final TrainSchedule schedule = scheduleFromFlags();
            s = scenarioFromFlags();
            // Steps and warm-up not given: 5 and 1, fitted to the schedule (whole rounds of H after H warm-up).
            final TrainConfig fitted = new TrainConfig(Units.parseSizeBytes("--grad-size", gradSize),
                Units.parseSizeBytes("--bucket-size", bucketSize), Units.parseDurationNs("--forward", forward),
                Units.parseDurationNs("--backward", backward), 5, 1, DataType.parse(dtype), schedule).fittedToSchedule();
            config = fitted.withSteps(this.steps != null ? this.steps : fitted.steps(), this.warmup != null ? this.warmup : fitted.warmup());
            fb = FabricBackends.byName(backend);
            SweepCommand.checkPaths(s, s.paths(), fb);
        } catch (final IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (printLink) {
            // An ECMP group prints as its fabric spec (ecmp=K,...): netem cannot shape one.
            out.println(s.interDcFabric() != null ? s.interDcFabric() : s.interDcLink());
            return 0;
        }
        out.print(s.describe());
        out.println("# model: " + config);
        out.println("# backend: " + fb.name() + " (" + fb.description() + ")");
        out.flush();
        if (!fb.exact()) {
            // Real time: an unmeasured run of each first, or the measured scenario would also pay
            // for class loading and JIT compilation (doubling its step time here) and its 0 km
            // twin, run second, would not.
            TrainComparison.runOnce(fb, s, config.withSteps(config.steps(), config.warmup()));
            TrainComparison.runOnce(fb, s.atZeroDistance(), config.withSteps(config.steps(), config.warmup()));
        }
        final TrainComparison c;
        try {
            c = TrainComparison.run(fb, s, config, pairs);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        final TrainResult r = c.result();
        out.println("# schedule: " + config.schedule());
        out.println("#  step   time(ms)  compute(ms)  exposed(ms)  dci(bytes)");
        for (int i = 0; i < r.stepNs().size(); i++) {
            final long st = r.stepNs().get(i);
            out.printf(Locale.ROOT, "  %5d  %9.2f  %11.2f  %11.2f  %10d%n", i + 1, st / 1e6, r.computeNs() / 1e6, (st - r.computeNs()) / 1e6,
                r.dciBytes().get(i));
        }
        out.printf(Locale.ROOT, "# mean step %.2f ms (compute %.2f, exposed communication %.2f); at 0 km %.2f ms%n", r.meanStepNs() / 1e6,
            r.computeNs() / 1e6, r.exposedNs() / 1e6, c.baseline().meanStepNs() / 1e6);
        out.printf(Locale.ROOT, "# schedule %s: exposed communication %.2f ms per step, DCI %.0f bytes (%.2f MiB) per step%s%n",
            config.schedule().kind().flagName(), r.exposedNs() / 1e6, r.meanDciBytesPerStep(), r.meanDciBytesPerStep() / (1 << 20), c.result() == c.baseline() ? "" : String.format(Locale.ROOT,
                "; at 0 km exposed %.2f ms", c.baseline().exposedNs() / 1e6));
        final double target = s.maxDistanceKm() <= 10 ? 0.95 : 0.90;
        out.printf(Locale.ROOT, "# efficiency at %s km: %s (target %.0f%%: %s); %s%n", km(s.maxDistanceKm()), c.estimate().label(),
            target * 100, c.estimate().meets(target) ? "met" : "missed", c.estimate().method());
        if (r.fabric() != null) {
            out.print(r.fabric().table("# "));
        }
        out.flush();
        if (json != null) {
            final double lossPct = s.dataCenters().size() > 1 ? s.interDcLink().meanLossProbability() * 100 : 0;
            final SweepRow row = new SweepRow(s.name() + "|" + km(s.maxDistanceKm()) + "km|" + s.congestionControl() + "|"
                + s.algorithm().algorithmName() + (s.scheduler().equals(PathSchedulers.DEFAULT) && s.paths() == 1 ? ""
                : "|sched=" + s.scheduler() + "|paths=" + s.paths()), s.name(), fb.name(), s.maxDistanceKm(), lossPct, s.congestionControl(),
                s.algorithm().algorithmName(), SweepRow.TRAIN, config.gradBytes(), null, null, null, r.meanStepNs() / 1e6, r.computeNs() / 1e6,
                r.exposedNs() / 1e6, c.baseline().meanStepNs() / 1e6, c.efficiency(), s.seed()).withMultipath(s.scheduler(), s.paths())
                .withFabric(r.fabric()).withEfficiency(c.estimate()).withScale(s.scale())
                .withSchedule(config.schedule().spec(), r.meanDciBytesPerStep());
            final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            final com.fasterxml.jackson.databind.node.ObjectNode node =
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(SweepResults.toJson(row));
            // Per measured step (every run's, in order), beside the row's means.
            final com.fasterxml.jackson.databind.node.ArrayNode steps = node.putArray("steps_ms");
            r.stepNs().forEach(st -> steps.add(st / 1e6));
            final com.fasterxml.jackson.databind.node.ArrayNode dci = node.putArray("steps_dci_bytes");
            r.dciBytes().forEach(dci::add);
            Files.writeString(json.toPath(), mapper.writeValueAsString(node) + "\n", StandardCharsets.UTF_8);
        }
        return 0;
    }

    /** The schedule from --schedule, --inner-steps, --outer-dtype, --fragments and --overlap-steps; flags a schedule ignores are refused. */
    private TrainSchedule scheduleFromFlags() {
        final TrainSchedule.Kind kind = TrainSchedule.Kind.parse(scheduleName);
        if (!kind.hasOuterSteps()) {
            for (final String[] f : new String[][] {{"--inner-steps", innerSteps == null ? null : ""}, {"--outer-dtype", outerDtype}}) {
                if (f[1] != null) {
                    throw new IllegalArgumentException(f[0] + " applies to --schedule localsgd, diloco and streaming-diloco, not " + kind.flagName());
                }
            }
        }
        if (kind != TrainSchedule.Kind.STREAMING_DILOCO && (fragments != null || overlapSteps != null)) {
            throw new IllegalArgumentException((fragments != null ? "--fragments" : "--overlap-steps") + " applies to --schedule streaming-diloco, not "
                + kind.flagName());
        }
        return new TrainSchedule(kind, innerSteps != null ? innerSteps : TrainSchedule.DEFAULT_INNER_STEPS,
            outerDtype != null ? TrainSchedule.OuterDtype.parse(outerDtype) : TrainSchedule.OuterDtype.FLOAT,
            fragments != null ? fragments : TrainSchedule.DEFAULT_FRAGMENTS, overlapSteps != null ? overlapSteps : TrainSchedule.DEFAULT_OVERLAP_STEPS);
    }

    private CommandLine.ParameterException bad(final String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private Integer callMlp() throws IOException {
        final PrintWriter out = spec.commandLine().getOut();
        final Scenario s;
        final ModelConfig config;
        final FabricBackend fb;
        final ModelComparison.Variant variant;
        final long deadlineNs;
        final double[] losses;
        final List<TrainSchedule> schedules;
        try {
            s = scenarioFromFlags();
            final Mode m;
            try {
                m = Mode.parse(mode);
            } catch (final IllegalArgumentException x) {
                throw bad("--mode: " + x.getMessage());
            }
            if (hadamard && m != Mode.BOUNDED) {
                throw bad("--hadamard needs --mode bounded");
            }
            variant = m == Mode.RELIABLE ? ModelComparison.Variant.RELIABLE
                : hadamard ? ModelComparison.Variant.BOUNDED_HADAMARD : ModelComparison.Variant.BOUNDED;
            if (deadline.trim().equalsIgnoreCase("auto")) {
                deadlineNs = CommunicatorConfig.DEADLINE_AUTO;
            } else {
                deadlineNs = Units.parseDurationNs("--deadline", deadline);
                if (deadlineNs < CommunicatorConfig.MIN_DEADLINE_NS || deadlineNs > CommunicatorConfig.MAX_DEADLINE_NS) {
                    throw bad("--deadline " + deadline + " is out of range; accepted: 10us to 10min, or auto");
                }
            }
            final String[] parts = compareLoss.split(",");
            losses = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    losses[i] = Double.parseDouble(parts[i].trim().replace("%", ""));
                } catch (final NumberFormatException x) {
                    throw bad("--compare-loss: '" + parts[i] + "' is not a number; accepted: percentages from 0 to 100, e.g. 0,1,5");
                }
                if (!(losses[i] >= 0 && losses[i] <= 100)) {
                    throw bad("--compare-loss " + parts[i] + " is out of range; accepted: 0 to 100");
                }
            }
            if (compareSchedules != null && (!scheduleName.trim().equalsIgnoreCase("ddp") || innerSteps != null || outerDtype != null
                || fragments != null || overlapSteps != null)) {
                throw bad("--compare-schedules takes each schedule's parameters in its spec (e.g. diloco:H=16:outer=int8), not "
                    + "--schedule, --inner-steps, --outer-dtype, --fragments or --overlap-steps");
            }
            final TrainSchedule schedule = scheduleFromFlags();
            if (compareSchedules != null) {
                if (compare) {
                    throw bad("--compare-schedules and --compare are exclusive: one compares schedules, the other modes and losses");
                }
                schedules = new java.util.ArrayList<>();
                for (final String part : compareSchedules.split(",")) {
                    try {
                        schedules.add(TrainSchedule.parse(part));
                    } catch (final IllegalArgumentException x) {
                        throw bad("--compare-schedules: " + x.getMessage());
                    }
                }
            } else {
                schedules = List.of(schedule);
            }
            if (outerLr != null && schedules.stream().noneMatch(TrainCommand::hasOuterOptimizer)) {
                throw bad("--outer-lr applies to --schedule diloco and streaming-diloco, not "
                    + (compareSchedules != null ? compareSchedules : schedule.kind().flagName()));
            }
            final long computeNs = Units.parseDurationNs("--compute", compute);
            final ModelConfig d = ModelConfig.defaults();
            config = new ModelConfig(d.inputs(), d.hidden(), d.classes(), batch, lr, d.momentum(), steps == null ? d.steps() : steps,
                computeNs, targetLoss, d.evalEvery(), d.evalSamples(), s.seed(), schedule,
                outerLr != null ? outerLr : ModelConfig.DEFAULT_OUTER_LR, ModelConfig.DEFAULT_OUTER_MOMENTUM);
            fb = FabricBackends.byName(backend);
            SweepCommand.checkPaths(s, s.paths(), fb);
        } catch (final CommandLine.ParameterException e) {
            throw e;
        } catch (final IllegalArgumentException | IllegalStateException e) {
            throw bad(e.getMessage());
        }
        out.print(s.describe());
        out.println("# model: " + config);
        out.println("# backend: " + fb.name() + " (" + fb.description() + ")");
        final String dl = deadlineNs == CommunicatorConfig.DEADLINE_AUTO ? "auto" : Units.formatDuration(deadlineNs);
        if (compare) {
            out.println("# compare: reliable, bounded, bounded+hadamard (deadline " + dl + " per step) at inter-DC loss "
                + compareLoss + " %; times on the cluster's clock");
            out.println("# schedule: " + config.scheduleText());
            out.println("#  loss  mode               to-target(ms)  steps  final-loss  accuracy  step(ms)   recv%  rel_err(mean/max)");
            out.flush();
            final List<ModelComparison.Run> runs = ModelComparison.run(fb, s, List.of(ModelComparison.Variant.values()), losses,
                deadlineNs, config, r -> {
                    printRun(out, r);
                    out.flush();
                });
            if (json != null) {
                writeJson(s, config, dl, runs);
            }
            return 0;
        }
        out.println("# all-reduce: " + variant.label() + (variant == ModelComparison.Variant.RELIABLE ? "" : ", deadline " + dl + " per step"));
        if (compareSchedules != null) {
            out.println("# compare schedules: " + compareSchedules + " (diloco outer: nesterov sgd lr " + config.outerLearningRate()
                + " momentum " + config.outerMomentum() + "); same model, data and seed; times on the cluster's clock");
            out.println("#  schedule                                  to-target(ms)  steps  final-loss  accuracy  step(ms)  dci(bytes/step)  "
                + "dci-steps  syncs");
            out.flush();
            final List<ModelComparison.Run> runs = ModelComparison.runSchedules(fb, s, variant, deadlineNs, config, schedules, r -> {
                printScheduleRun(out, r);
                out.flush();
            });
            if (json != null) {
                writeJson(s, config, dl, runs);
            }
            return 0;
        }
        out.println("# schedule: " + config.scheduleText());
        out.println("#  step   time(ms)  eval-loss  accuracy");
        out.flush();
        final ModelResult r = ModelComparison.runOnce(fb, s, variant, deadlineNs, config);
        for (final ModelResult.Eval e : r.evals()) {
            out.printf(Locale.ROOT, "  %5d  %9.1f  %9.4f  %8.3f%n", e.step(), e.atNs() / 1e6, e.loss(), e.accuracy());
        }
        out.printf(Locale.ROOT, "# target loss %.3f: %s; final loss %.4f, accuracy %.3f; mean step %.2f ms; received %.3f%%; "
                + "gradient relative L2 error mean %.2e, max %.2e; parameter divergence between ranks %.2e%n", config.targetLoss(),
            r.stepsToTarget() < 0 ? "not reached" : "reached after " + r.stepsToTarget() + " steps, " + fmtMs(r.timeToTargetNs()) + " ms",
            r.last().loss(), r.last().accuracy(), r.meanStepNs() / 1e6, 100 * r.meanReceivedFraction(), r.meanRelativeL2(),
            r.maxRelativeL2(), r.maxDivergence());
        out.printf(Locale.ROOT, "# schedule %s: final loss %.4f, time to target %s; DCI %d bytes in %d of %d steps (%.0f bytes per step), "
                + "%d outer syncs%n", r.schedule(), r.last().loss(), r.timeToTargetNs() < 0 ? "not reached" : fmtMs(r.timeToTargetNs()) + " ms",
            r.totalDciBytes(), r.stepsCrossingDci(), r.steps().size(), (double) r.totalDciBytes() / r.steps().size(), r.outerSyncs());
        if (json != null) {
            writeJson(s, config, dl, List.of(new ModelComparison.Run(variant, s.dataCenters().size() > 1
                ? s.interDcLink().meanLossProbability() * 100 : 0, r)));
        }
        return 0;
    }

    private static boolean hasOuterOptimizer(final TrainSchedule schedule) {
        return schedule.kind() == TrainSchedule.Kind.DILOCO || schedule.kind() == TrainSchedule.Kind.STREAMING_DILOCO;
    }

    private static void printScheduleRun(final PrintWriter out, final ModelComparison.Run run) {
        final ModelResult r = run.result();
        out.printf(Locale.ROOT, "  %-40s  %13s  %5s  %10.4f  %8.3f  %8.2f  %13.0f  %9d  %5d%n", r.schedule(),
            r.timeToTargetNs() < 0 ? "not reached" : fmtMs(r.timeToTargetNs()), r.stepsToTarget() < 0 ? "-" : Integer.toString(r.stepsToTarget()),
            r.last().loss(), r.last().accuracy(), r.meanStepNs() / 1e6, (double) r.totalDciBytes() / r.steps().size(), r.stepsCrossingDci(),
            r.outerSyncs());
    }

    private static String fmtMs(final long ns) {
        return String.format(Locale.ROOT, "%.1f", ns / 1e6);
    }

    private static void printRun(final PrintWriter out, final ModelComparison.Run run) {
        final ModelResult r = run.result();
        out.printf(Locale.ROOT, "  %4s%%  %-17s  %13s  %5s  %10.4f  %8.3f  %8.2f  %6.2f  %.2e/%.2e%n", trim(run.lossPercent()),
            run.variant().label(), r.timeToTargetNs() < 0 ? "not reached" : fmtMs(r.timeToTargetNs()),
            r.stepsToTarget() < 0 ? "-" : Integer.toString(r.stepsToTarget()), r.last().loss(), r.last().accuracy(), r.meanStepNs() / 1e6,
            100 * r.meanReceivedFraction(), r.meanRelativeL2(), r.maxRelativeL2());
    }

    private static String trim(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private void writeJson(final Scenario s, final ModelConfig config, final String deadlineText, final List<ModelComparison.Run> runs)
        throws IOException {
        final com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        final com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
        root.put("kind", "train-model");
        root.put("scenario", s.name());
        root.put("distanceKm", s.maxDistanceKm());
        root.put("model", config.toString());
        root.put("targetLoss", config.targetLoss());
        root.put("deadline", deadlineText);
        root.put("schedule", runs.stream().map(run -> run.result().schedule()).distinct().collect(java.util.stream.Collectors.joining(",")));
        root.put("outerLr", config.outerLearningRate());
        final com.fasterxml.jackson.databind.node.ArrayNode arr = root.putArray("runs");
        for (final ModelComparison.Run run : runs) {
            final ModelResult r = run.result();
            final com.fasterxml.jackson.databind.node.ObjectNode o = arr.addObject();
            o.put("mode", run.variant().label());
            o.put("lossPercent", run.lossPercent());
            o.put("stepsToTarget", r.stepsToTarget());
            o.put("timeToTargetMs", r.timeToTargetNs() < 0 ? null : r.timeToTargetNs() / 1e6);
            o.put("finalLoss", r.last().loss());
            o.put("finalAccuracy", r.last().accuracy());
            o.put("meanStepMs", r.meanStepNs() / 1e6);
            o.put("receivedFraction", r.meanReceivedFraction());
            o.put("meanRelativeL2Error", r.meanRelativeL2());
            o.put("maxRelativeL2Error", r.maxRelativeL2());
            o.put("maxDivergence", r.maxDivergence());
            o.put("schedule", r.schedule());
            o.put("dciBytes", r.totalDciBytes());
            o.put("stepsCrossingDci", r.stepsCrossingDci());
            o.put("outerSyncs", r.outerSyncs());
            final com.fasterxml.jackson.databind.node.ArrayNode curve = o.putArray("curve");
            for (final ModelResult.Eval e : r.evals()) {
                curve.addObject().put("step", e.step()).put("timeMs", e.atNs() / 1e6).put("loss", e.loss()).put("accuracy", e.accuracy());
            }
            final com.fasterxml.jackson.databind.node.ArrayNode err = o.putArray("stepRelativeL2Error");
            for (final ModelResult.Step st : r.steps()) {
                err.add(st.relativeL2());
            }
        }
        mapper.writerWithDefaultPrettyPrinter().writeValue(json, root);
    }

    private static String km(final double km) {
        return km == Math.rint(km) ? Long.toString((long) km) : Double.toString(km);
    }

    /** The scenario with --distance, --loss, --cc, --algo, --scheduler, --paths and --seed applied; bad values throw IllegalArgumentException. */
    private Scenario scenarioFromFlags() {
        Scenario base = ScenarioLoader.load(scenario);
        if (distanceKm != null) {
            base = base.withDistanceKm(distanceKm);
        }
        if (loss != null) {
            base = base.withLoss(Units.parsePercent("--loss", loss));
        }
        if (cc != null) {
            CongestionControls.validate(cc);
            base = base.withCongestionControl(cc);
        }
        if (algo != null) {
            base = base.withAlgorithm(Algorithm.parse(algo));
        }
        if (scheduler != null) {
            try {
                PathSchedulers.validate(scheduler);
            } catch (final IllegalArgumentException x) {
                throw new IllegalArgumentException("--scheduler: " + x.getMessage(), x);
            }
            base = base.withScheduler(scheduler);
        }
        if (paths != null) {
            if (paths < 1 || paths > TransportContext.MAX_PATHS) {
                throw new IllegalArgumentException("--paths " + paths + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
            }
            base = base.withPaths(paths);
        }
        if (seed != null) {
            base = base.withSeed(seed);
        }
        return base;
    }
}
