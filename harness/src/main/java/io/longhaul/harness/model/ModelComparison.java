package io.longhaul.harness.model;

import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.Mode;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * The measurement of {@code train --model mlp --compare}: the same model, data and seed trained
 * with exact all-reduce, bounded all-reduce, and bounded all-reduce with the Hadamard transform,
 * at several inter-DC loss rates, each run on a fresh cluster of the scenario.
 */
public final class ModelComparison {
    /** The all-reduce variants compared. */
    public enum Variant {
        RELIABLE("reliable"),
        BOUNDED("bounded"),
        BOUNDED_HADAMARD("bounded+hadamard");

        private final String label;

        Variant(final String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Variant parse(final String text) {
            for (final Variant v : values()) {
                if (v.label.equalsIgnoreCase(text.trim())) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown mode '" + text + "'; accepted: reliable, bounded, bounded+hadamard");
        }
    }

    /** One run of the grid. */
    public record Run(Variant variant, double lossPercent, ModelResult result) {
    }

    private ModelComparison() {
    }

    /** @return the communicator configuration of {@code variant} on top of the scenario's. */
    public static CommunicatorConfig communicatorConfig(final Scenario scenario, final Variant variant, final long deadlineNs) {
        final CommunicatorConfig c = scenario.communicatorConfig();
        if (variant != Variant.RELIABLE) {
            c.mode(Mode.BOUNDED).deadlineNs(deadlineNs).hadamard(variant == Variant.BOUNDED_HADAMARD).hadamardSeed(scenario.seed());
        }
        return c;
    }

    /** Trains once on a fresh cluster of {@code scenario} with {@code variant}. */
    public static ModelResult runOnce(final FabricBackend backend, final Scenario scenario, final Variant variant, final long deadlineNs,
                                      final ModelConfig config) {
        final ClusterSpec base = ClusterSpec.of(scenario);
        final ClusterSpec spec = base.withCommunicatorConfig(communicatorConfig(scenario, variant, deadlineNs));
        try (Cluster cluster = backend.open(spec)) {
            return ModelTraining.run(cluster, config);
        }
    }

    /**
     * Trains once per schedule, each on a fresh cluster of {@code scenario} with {@code variant} and
     * otherwise the same configuration (model, data, seed, steps), calling {@code onRun} as each
     * finishes: {@code train --model mlp --compare-schedules}.
     */
    public static List<Run> runSchedules(final FabricBackend backend, final Scenario scenario, final Variant variant, final long deadlineNs,
                                         final ModelConfig config, final List<io.longhaul.harness.train.TrainSchedule> schedules,
                                         final java.util.function.Consumer<Run> onRun) {
        final double loss = scenario.dataCenters().size() > 1 ? scenario.interDcLink().meanLossProbability() * 100 : 0;
        final List<Run> runs = new ArrayList<>();
        for (final io.longhaul.harness.train.TrainSchedule schedule : schedules) {
            final Run run = new Run(variant, loss, runOnce(backend, scenario, variant, deadlineNs, config.withSchedule(schedule)));
            runs.add(run);
            onRun.accept(run);
        }
        return runs;
    }

    /** Runs every variant at every loss (percent, on every inter-DC link), calling {@code onRun} as each finishes. */
    public static List<Run> run(final FabricBackend backend, final Scenario scenario, final List<Variant> variants,
                                final double[] lossPercents, final long deadlineNs, final ModelConfig config,
                                final java.util.function.Consumer<Run> onRun) {
        final List<Run> runs = new ArrayList<>();
        for (final double loss : lossPercents) {
            final Scenario s = scenario.withLoss(loss / 100);
            for (final Variant v : variants) {
                final Run run = new Run(v, loss, runOnce(backend, s, v, deadlineNs, config));
                runs.add(run);
                onRun.accept(run);
            }
        }
        return runs;
    }
}
