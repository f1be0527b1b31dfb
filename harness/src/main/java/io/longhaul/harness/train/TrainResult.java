package io.longhaul.harness.train;

import io.longhaul.harness.scenario.FabricReport;

import java.util.List;

/**
 * One training run: the time of each measured step (warm-up excluded). A step's time is the
 * interval between the moments the last rank finished the previous step and this one, so it
 * includes any rank skew.
 *
 * @param fabric   the inter-DC ECMP group's counters (and timeline) over the whole run, warm-up
 *                 included; null without a group.
 * @param dciBytes per measured step, the bytes all ranks handed the fabric for ranks of other DCs
 *                 (collective messages, header and payload; transport overhead not counted), each
 *                 rank's count taken when it finished the step; empty when not counted.
 */
public record TrainResult(TrainConfig config, List<Long> stepNs, FabricReport fabric, List<Long> dciBytes) {
    public TrainResult {
        stepNs = List.copyOf(stepNs);
        dciBytes = dciBytes == null ? List.of() : List.copyOf(dciBytes);
        if (stepNs.isEmpty()) {
            throw new IllegalArgumentException("a training result needs at least one measured step");
        }
        if (!dciBytes.isEmpty() && dciBytes.size() != stepNs.size()) {
            throw new IllegalArgumentException(dciBytes.size() + " DCI byte counts for " + stepNs.size() + " measured steps");
        }
    }

    public TrainResult(final TrainConfig config, final List<Long> stepNs) {
        this(config, stepNs, null, List.of());
    }

    public TrainResult(final TrainConfig config, final List<Long> stepNs, final FabricReport fabric) {
        this(config, stepNs, fabric, List.of());
    }

    /** @return this result with the fabric's report. */
    public TrainResult withFabric(final FabricReport report) {
        return new TrainResult(config, stepNs, report, dciBytes);
    }

    /** @return the synchronization schedule the run used. */
    public TrainSchedule schedule() {
        return config.schedule();
    }

    /** @return mean bytes crossing the DCI per measured step (all ranks), or NaN when not counted. */
    public double meanDciBytesPerStep() {
        return dciBytes.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
    }

    /** @return bytes crossing the DCI over the measured steps (all ranks), or -1 when not counted. */
    public long totalDciBytes() {
        return dciBytes.isEmpty() ? -1 : dciBytes.stream().mapToLong(Long::longValue).sum();
    }

    /** @return per measured step, its communication not hidden behind compute: step time − compute time. */
    public List<Long> exposedStepNs() {
        return stepNs.stream().map(s -> s - computeNs()).toList();
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
