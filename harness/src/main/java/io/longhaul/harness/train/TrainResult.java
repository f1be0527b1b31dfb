package io.longhaul.harness.train;

import io.longhaul.harness.scenario.FabricReport;

import java.util.List;

/**
 * One training run: the time of each measured step (warm-up excluded). A step's time is the
 * interval between the moments the last rank finished the previous step and this one, so it
 * includes any rank skew.
 *
 * @param fabric the inter-DC ECMP group's counters (and timeline) over the whole run, warm-up
 *               included; null without a group.
 */
public record TrainResult(TrainConfig config, List<Long> stepNs, FabricReport fabric) {
    public TrainResult {
        stepNs = List.copyOf(stepNs);
        if (stepNs.isEmpty()) {
            throw new IllegalArgumentException("a training result needs at least one measured step");
        }
    }

    public TrainResult(final TrainConfig config, final List<Long> stepNs) {
        this(config, stepNs, null);
    }

    /** @return this result with the fabric's report. */
    public TrainResult withFabric(final FabricReport report) {
        return new TrainResult(config, stepNs, report);
    }

    /** @return mean step time over the measured steps. */
    public double meanStepNs() {
        return stepNs.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
    }

    public long minStepNs() {
        return stepNs.stream().mapToLong(Long::longValue).min().orElse(0);
    }

    public long maxStepNs() {
        return stepNs.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    /** @return compute time per step (forward + backward). */
    public long computeNs() {
        return config.computeNs();
    }

    /** @return communication not hidden behind compute: mean step time − compute time. */
    public double exposedNs() {
        return meanStepNs() - computeNs();
    }

    /** @return the fraction of a step spent computing: compute ÷ mean step time. */
    public double computeFraction() {
        return computeNs() / meanStepNs();
    }
}
