package io.longhaul.harness.train;

import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * A training run at a scenario's distance next to the same run at 0 km, all else equal (same
 * links, queues in bytes, loss, congestion control, algorithm, model and seed; only the fiber
 * delay removed, the equipment delay kept: {@link Scenario#atZeroDistance()}). Efficiency =
 * baseline step time ÷ step time: 1.0 means distance costs nothing; industry targets are ≥ 0.95
 * across buildings (10 km) and ≥ 0.90 at 100 and 1000 km.
 *
 * <p>On an exact backend (virtual time) each run happens once. On a real-time one the cell is
 * {@code pairs} pairs of runs, twin and distance interleaved, and the efficiency is their median
 * ratio with a 95% interval ({@link Efficiency}); {@link #result()} and {@link #baseline()} then
 * hold every measured step of all their runs.
 */
public record TrainComparison(String scenario, double distanceKm, TrainResult result, TrainResult baseline, Efficiency estimate) {
    /** Pairs of runs per cell on a real-time backend, unless told otherwise. */
    public static final int DEFAULT_PAIRS = 5;
    /** Most pairs a cell may ask for. */
    public static final int MAX_PAIRS = 1_000;

    /** @return the efficiency's estimate (see {@link #estimate()} for its interval). */
    public double efficiency() {
        return estimate.value();
    }

    /** @return what distance costs per step: mean step time − baseline mean step time. */
    public double distanceCostNs() {
        return result.meanStepNs() - baseline.meanStepNs();
    }

    /** Runs with the backend's default number of pairs: 1 when exact, else {@value #DEFAULT_PAIRS}. */
    public static TrainComparison run(final FabricBackend backend, final Scenario scenario, final TrainConfig config) {
        return run(backend, scenario, config, 0);
    }

    /**
     * Runs {@code config} on {@code scenario} and on the scenario moved to 0 km, each on a fresh
     * cluster from {@code backend}: once each on an exact backend, else {@code pairs} times each,
     * alternating which goes first. A single-DC or 0 km scenario is its own baseline (run once,
     * efficiency exactly 1).
     *
     * @param pairs pairs of runs on a real-time backend; 0 for {@value #DEFAULT_PAIRS}.
     */
    public static TrainComparison run(final FabricBackend backend, final Scenario scenario, final TrainConfig config, final int pairs) {
        if (pairs < 0 || pairs > MAX_PAIRS) {
            throw new IllegalArgumentException("--pairs " + pairs + " is out of range; accepted: 1 to " + MAX_PAIRS);
        }
        if (scenario.dataCenters().size() < 2 || scenario.maxDistanceKm() == 0) {
            final TrainResult result = runOnce(backend, scenario, config);
            return new TrainComparison(scenario.name(), scenario.maxDistanceKm(), result, result, Efficiency.exact(1));
        }
        final Scenario twin = scenario.atZeroDistance();
        if (backend.exact()) {
            final TrainResult result = runOnce(backend, scenario, config);
            final TrainResult baseline = runOnce(backend, twin, config);
            return new TrainComparison(scenario.name(), scenario.maxDistanceKm(), result, baseline,
                Efficiency.exact(baseline.meanStepNs() / result.meanStepNs()));
        }
        final int n = pairs == 0 ? DEFAULT_PAIRS : pairs;
        final List<TrainResult> at = new ArrayList<>();
        final List<TrainResult> zero = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                zero.add(runOnce(backend, twin, config));
                at.add(runOnce(backend, scenario, config));
            } else {
                at.add(runOnce(backend, scenario, config));
                zero.add(runOnce(backend, twin, config));
            }
        }
        final double[] b = zero.stream().mapToDouble(TrainResult::meanStepNs).toArray();
        final double[] d = at.stream().mapToDouble(TrainResult::meanStepNs).toArray();
        return new TrainComparison(scenario.name(), scenario.maxDistanceKm(), merged(at), merged(zero), Efficiency.ofPairs(b, d));
    }

    /** Every measured step (and its DCI bytes) of {@code runs}, with the last run's fabric report. */
    private static TrainResult merged(final List<TrainResult> runs) {
        if (runs.size() == 1) {
            return runs.get(0);
        }
        final List<Long> steps = new ArrayList<>();
        final List<Long> dci = new ArrayList<>();
        for (final TrainResult r : runs) {
            steps.addAll(r.stepNs());
            dci.addAll(r.dciBytes());
        }
        return new TrainResult(runs.get(0).config(), steps, runs.get(runs.size() - 1).fabric(), dci.size() == steps.size() ? dci : List.of());
    }

    /** Runs {@code config} once on a fresh cluster built from {@code scenario} (with the fabric's report, if any). */
    public static TrainResult runOnce(final FabricBackend backend, final Scenario scenario, final TrainConfig config) {
        try (Cluster cluster = backend.open(ClusterSpec.of(scenario))) {
            return TrainingLoop.run(cluster, config).withFabric(cluster.fabricReport());
        }
    }
}
