package io.longhaul.harness.cli;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.DataType;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.FabricBackends;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.harness.train.TrainComparison;
import io.longhaul.harness.train.TrainConfig;
import io.longhaul.harness.train.TrainResult;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.util.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code longhaul train}: the synthetic data-parallel training model on a scenario, next to the
 * same run at 0 km, printing step, compute and exposed communication times and the efficiency.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Data-parallel training model: bucketed gradient all-reduce overlapping the backward pass (as PyTorch DDP);",
        "reports step time, exposed communication and efficiency = step time at 0 km / step time at the scenario's distance."},
    footer = {"", "Scale: the presets' 1 Gbit/s inter-DC links are 400 Gbit/s scaled down 400x; scale --grad-size the same way and keep",
        "compute times (a 1.3B-parameter model's 2.6 GB bf16 gradient is --grad-size 6.5M --dtype bf16 here).", "", "Examples:",
        "  longhaul train --scenario dci-1000km",
        "  longhaul train --scenario lossy-1000km --cc cubic --algo ring --json train.json",
        "  longhaul train --scenario my-dcs.yaml --grad-size 64M --bucket-size 8M --forward 100ms --backward 200ms --steps 10"})
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

    @Option(names = "--grad-size", paramLabel = "SIZE", defaultValue = "16M", description = "Gradient bytes per step (default ${DEFAULT-VALUE}).")
    private String gradSize;

    @Option(names = "--bucket-size", paramLabel = "SIZE", defaultValue = "4M", description = "Bucket bytes (default ${DEFAULT-VALUE}).")
    private String bucketSize;

    @Option(names = "--forward", paramLabel = "TIME", defaultValue = "30ms", description = "Forward compute time (default ${DEFAULT-VALUE}).")
    private String forward;

    @Option(names = "--backward", paramLabel = "TIME", defaultValue = "60ms", description = "Backward compute time (default ${DEFAULT-VALUE}).")
    private String backward;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "5", description = "Measured steps (default ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Warm-up steps, not measured (default ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float", description = "Gradient type: float, bf16, half, double (default ${DEFAULT-VALUE}).")
    private String dtype;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "sim",
        description = "Where to run: sim (simulated transport, virtual time, deterministic) or a plug-in backend (default ${DEFAULT-VALUE}).")
    private String backend;

    @Option(names = "--seed", paramLabel = "N", description = "Seed (default: the scenario's).")
    private Long seed;

    @Option(names = "--print-link", description = "Print the scenario's inter-DC link spec (after --distance, --loss) and exit; scripts shape real NICs with it.")
    private boolean printLink;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the result as JSON (a sweep row of kind train), e.g. --json train.json.")
    private File json;

    @Override
    public Integer call() throws IOException {
        final PrintWriter out = spec.commandLine().getOut();
        final Scenario s;
        final TrainConfig config;
        final FabricBackend fb;
        try {
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
            if (seed != null) {
                base = base.withSeed(seed);
            }
            s = base;
            config = new TrainConfig(Units.parseSizeBytes("--grad-size", gradSize), Units.parseSizeBytes("--bucket-size", bucketSize),
                Units.parseDurationNs("--forward", forward), Units.parseDurationNs("--backward", backward), steps, warmup, DataType.parse(dtype));
            fb = FabricBackends.byName(backend);
        } catch (final IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (printLink) {
            out.println(s.interDcLink());
            return 0;
        }
        out.print(s.describe());
        out.println("# model: " + config);
        out.println("# backend: " + fb.name() + " (" + fb.description() + ")");
        out.flush();
        if (!fb.name().equals(SimBackend.NAME)) {
            // Real time: an unmeasured run of each first, or the measured scenario would also pay
            // for class loading and JIT compilation (doubling its step time here) and its 0 km
            // twin, run second, would not.
            TrainComparison.runOnce(fb, s, config.withSteps(config.steps(), config.warmup()));
            TrainComparison.runOnce(fb, s.atZeroDistance(), config.withSteps(config.steps(), config.warmup()));
        }
        final TrainComparison c = TrainComparison.run(fb, s, config);
        final TrainResult r = c.result();
        out.println("#  step   time(ms)  compute(ms)  exposed(ms)");
        for (int i = 0; i < r.stepNs().size(); i++) {
            final long st = r.stepNs().get(i);
            out.printf(Locale.ROOT, "  %5d  %9.2f  %11.2f  %11.2f%n", i + 1, st / 1e6, r.computeNs() / 1e6, (st - r.computeNs()) / 1e6);
        }
        out.printf(Locale.ROOT, "# mean step %.2f ms (compute %.2f, exposed communication %.2f); at 0 km %.2f ms%n", r.meanStepNs() / 1e6,
            r.computeNs() / 1e6, r.exposedNs() / 1e6, c.baseline().meanStepNs() / 1e6);
        final double target = s.maxDistanceKm() <= 10 ? 0.95 : 0.90;
        out.printf(Locale.ROOT, "# efficiency at %s km: %.1f%% (target %.0f%%: %s)%n", km(s.maxDistanceKm()), c.efficiency() * 100, target * 100,
            c.efficiency() >= target ? "met" : "missed");
        if (json != null) {
            final double lossPct = s.dataCenters().size() > 1 ? s.interDcLink().meanLossProbability() * 100 : 0;
            final SweepRow row = new SweepRow(s.name() + "|" + km(s.maxDistanceKm()) + "km|" + s.congestionControl() + "|"
                + s.algorithm().algorithmName(), s.name(), fb.name(), s.maxDistanceKm(), lossPct, s.congestionControl(),
                s.algorithm().algorithmName(), SweepRow.TRAIN, config.gradBytes(), null, null, null, r.meanStepNs() / 1e6, r.computeNs() / 1e6,
                r.exposedNs() / 1e6, c.baseline().meanStepNs() / 1e6, c.efficiency(), s.seed());
            Files.writeString(json.toPath(), SweepResults.toJson(row) + "\n", StandardCharsets.UTF_8);
        }
        return 0;
    }

    private static String km(final double km) {
        return km == Math.rint(km) ? Long.toString((long) km) : Double.toString(km);
    }
}
