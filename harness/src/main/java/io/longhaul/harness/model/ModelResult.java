package io.longhaul.harness.model;

import java.util.List;

/**
 * What one training run of the real model measured.
 *
 * @param evals          evaluation points, in step order.
 * @param steps          per-step measurements.
 * @param stepsToTarget  first evaluated step whose loss is at most the target, or -1.
 * @param timeToTargetNs cluster time from the start to the end of that step, or -1.
 * @param totalNs        cluster time of the whole run.
 * @param maxDivergence  largest |parameter of rank r − parameter of rank 0| at the end (bounded
 *                       mode lets ranks apply slightly different gradients; localsgd and diloco
 *                       replicas differ between outer steps).
 * @param schedule       the schedule's spec ({@code ddp}, {@code diloco:H=8:outer=float}, ...).
 * @param outerSyncs     outer syncs run (whole-model syncs for localsgd and diloco, fragment syncs for streaming-diloco).
 */
public record ModelResult(List<Eval> evals, List<Step> steps, int stepsToTarget, long timeToTargetNs, long totalNs,
                          double maxDivergence, String schedule, int outerSyncs) {

    /** Loss and accuracy of rank 0's parameters on the evaluation set after {@code step} steps, at cluster time {@code atNs}. */
    public record Eval(int step, long atNs, double loss, double accuracy) {
    }

    /**
     * @param stepNs        the step's time (compute + all-reduce + any outer sync it waits for) on the cluster's clock.
     * @param allReduceNs   the time from the end of compute to the end of the step (gradient all-reduce and blocking outer syncs).
     * @param receivedFraction mean over ranks of the bytes received.
     * @param relativeL2    rank 0's averaged gradient against the exact average: ‖g − ĝ‖₂ / ‖ĝ‖₂.
     * @param maxAbsError   max |g − ĝ| over rank 0's gradient.
     * @param dciBytes      collective bytes all ranks handed the fabric for ranks of other DCs during the step.
     */
    public record Step(long stepNs, long allReduceNs, double receivedFraction, double relativeL2, double maxAbsError, long dciBytes) {
    }

    /**
     * @return collective bytes handed the fabric for other DCs during the steps (not what ran after
     * the last one: async1's last all-reduce, streaming-diloco syncs due after the last step).
     */
    public long totalDciBytes() {
        return steps.stream().mapToLong(Step::dciBytes).sum();
    }

    /** @return steps during which something crossed the DCI. */
    public long stepsCrossingDci() {
        return steps.stream().filter(s -> s.dciBytes() > 0).count();
    }

    /** @return the last evaluation. */
    public Eval last() {
        return evals.get(evals.size() - 1);
    }

    public double meanStepNs() {
        return steps.stream().mapToLong(Step::stepNs).average().orElse(0);
    }

    public double meanRelativeL2() {
        return steps.stream().mapToDouble(Step::relativeL2).average().orElse(0);
    }

    public double maxRelativeL2() {
        return steps.stream().mapToDouble(Step::relativeL2).max().orElse(0);
    }

    public double meanReceivedFraction() {
        return steps.stream().mapToDouble(Step::receivedFraction).average().orElse(1);
    }
}
