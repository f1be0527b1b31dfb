package io.longhaul.harness.train;

import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.Cluster;

/**
 * A training run at a scenario's distance next to the same run at 0 km, all else equal (same
 * links, queues in bytes, loss, congestion control, algorithm, model and seed; only the fiber
 * delay removed, the equipment delay kept: {@link Scenario#atZeroDistance()}). Efficiency = baseline step time ÷ step time: 1.0 means distance costs
 * nothing; industry targets are ≥ 0.95 across buildings (10 km) and ≥ 0.90 at 100 and 1000 km.
 */
public record TrainComparison(String scenario, double distanceKm, TrainResult result, TrainResult baseline) {

    /** @return baseline mean step time ÷ mean step time. */
    public double efficiency() {
        return baseline.meanStepNs() / result.meanStepNs();
    }

    /** @return what distance costs per step: mean step time − baseline mean step time. */
    public double distanceCostNs() {
        return result.meanStepNs() - baseline.meanStepNs();
    }

    /**
     * Runs {@code config} on {@code scenario} and on the scenario moved to 0 km, each on a fresh
     * cluster from {@code backend}. A single-DC scenario is its own baseline (run once).
     */
    public static TrainComparison run(final FabricBackend backend, final Scenario scenario, final TrainConfig config) {
        final TrainResult result = runOnce(backend, scenario, config);
        final TrainResult baseline = scenario.dataCenters().size() < 2 || scenario.maxDistanceKm() == 0
            ? result : runOnce(backend, scenario.atZeroDistance(), config);
        return new TrainComparison(scenario.name(), scenario.maxDistanceKm(), result, baseline);
    }

    /** Runs {@code config} once on a fresh cluster built from {@code scenario} (with the fabric's report, if any). */
    public static TrainResult runOnce(final FabricBackend backend, final Scenario scenario, final TrainConfig config) {
        try (Cluster cluster = backend.open(ClusterSpec.of(scenario))) {
            return TrainingLoop.run(cluster, config).withFabric(cluster.fabricReport());
        }
    }
}
