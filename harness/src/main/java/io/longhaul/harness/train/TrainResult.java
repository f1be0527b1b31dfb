package io.longhaul.harness.train;

import java.util.List;

/**
 * One training run: the time of each measured step (warm-up excluded). A step's time is the
 * interval between the moments the last rank finished the previous step and this one, so it
 * includes any rank skew.
 */
public record TrainResult(TrainConfig config, List<Long> stepNs) {
    public TrainResult {
        stepNs = List.copyOf(stepNs);
        if (stepNs.isEmpty()) {
            throw new IllegalArgumentException("a training result needs at least one measured step");
        }
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
