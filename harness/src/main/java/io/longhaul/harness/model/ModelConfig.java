package io.longhaul.harness.model;

import io.longhaul.harness.train.TrainSchedule;

/**
 * The real model of {@code train --model mlp}: layer sizes, batch, optimizer and schedule.
 *
 * @param inputs      input dimensions.
 * @param hidden      hidden units (0: softmax regression).
 * @param classes     classes.
 * @param batch       samples per rank per step.
 * @param learningRate SGD learning rate.
 * @param momentum    SGD momentum.
 * @param steps       optimizer steps.
 * @param computeNs   modelled forward + backward time per step (a timer on the cluster's clock).
 * @param targetLoss  evaluation loss whose first crossing is reported as time to target.
 * @param evalEvery   evaluate every this many steps.
 * @param evalSamples samples of the evaluation set.
 * @param seed        seed of the teacher, the data and the initial parameters.
 * @param schedule    how ranks synchronize ({@link ModelTraining} says what each schedule does to the model).
 * @param outerLearningRate diloco and streaming-diloco: the outer Nesterov SGD's learning rate (localsgd: 1, no momentum).
 * @param outerMomentum     diloco and streaming-diloco: the outer Nesterov SGD's momentum.
 */
public record ModelConfig(int inputs, int hidden, int classes, int batch, double learningRate, double momentum, int steps,
                          long computeNs, double targetLoss, int evalEvery, int evalSamples, long seed, TrainSchedule schedule,
                          double outerLearningRate, double outerMomentum) {
    /**
     * Default outer learning rate: 0.1. DiLoCo (Douillard et al. 2023, arXiv:2311.08105) uses 0.7
     * with momentum 0.9 after 500 AdamW inner steps; here, after 8 inner steps of SGD with
     * momentum 0.9, 0.7 diverges (seed 1, dci-1000km: the evaluation loss climbs from 1.56 at
     * step 50 to 3.4 at step 300), 0.35 and 0.5 stall above 1.6, 0.2 reaches loss 1.2 after 240
     * steps and 0.1 after 160 (ddp: 100). With momentum 0.9 Nesterov's steady-state step is
     * η/(1 − μ) = 1x the averaged pseudo-gradient at η = 0.1, plain averaging's step.
     */
    public static final double DEFAULT_OUTER_LR = 0.1;
    /** DiLoCo's outer Nesterov momentum (0.9). */
    public static final double DEFAULT_OUTER_MOMENTUM = 0.9;

    /** ddp, with the outer optimizer's defaults (unused by ddp). */
    public ModelConfig(final int inputs, final int hidden, final int classes, final int batch, final double learningRate, final double momentum,
                       final int steps, final long computeNs, final double targetLoss, final int evalEvery, final int evalSamples,
                       final long seed) {
        this(inputs, hidden, classes, batch, learningRate, momentum, steps, computeNs, targetLoss, evalEvery, evalSamples, seed,
            TrainSchedule.ddp(), DEFAULT_OUTER_LR, DEFAULT_OUTER_MOMENTUM);
    }

    /** Defaults: 128 inputs, 128 hidden, 10 classes (17,802 parameters, 71 KB of float32 gradient), batch 32, lr 0.05, target loss 1.2 (the exact run crosses it after about 100 steps). */
    public static ModelConfig defaults() {
        return new ModelConfig(128, 128, 10, 32, 0.05, 0.9, 300, 10_000_000L, 1.2, 10, 2048, 1);
    }

    public ModelConfig {
        if (inputs < 1 || inputs > 4096 || hidden < 0 || hidden > 4096 || classes < 2 || classes > 1000) {
            throw new IllegalArgumentException("model sizes " + inputs + "/" + hidden + "/" + classes
                + " out of range; accepted: inputs 1-4096, hidden 0-4096, classes 2-1000");
        }
        if (batch < 1 || batch > 65_536) {
            throw new IllegalArgumentException("--batch " + batch + " is out of range; accepted: 1 to 65536");
        }
        if (!(learningRate > 0 && learningRate <= 10)) {
            throw new IllegalArgumentException("--lr " + learningRate + " is out of range; accepted: (0, 10]");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum " + momentum + " is out of range; accepted: [0, 1)");
        }
        if (steps < 1 || steps > 1_000_000) {
            throw new IllegalArgumentException("--steps " + steps + " is out of range; accepted: 1 to 1000000");
        }
        if (computeNs < 0) {
            throw new IllegalArgumentException("--compute " + computeNs + " ns is negative");
        }
        if (!(targetLoss > 0)) {
            throw new IllegalArgumentException("--target-loss " + targetLoss + " is out of range; accepted: > 0");
        }
        if (evalEvery < 1 || evalSamples < 1) {
            throw new IllegalArgumentException("evaluation every " + evalEvery + " steps on " + evalSamples + " samples; accepted: >= 1");
        }
        if (schedule == null) {
            throw new IllegalArgumentException("--schedule is missing");
        }
        if (!(outerLearningRate > 0 && outerLearningRate <= 10)) {
            throw new IllegalArgumentException("--outer-lr " + outerLearningRate + " is out of range; accepted: (0, 10]");
        }
        if (!(outerMomentum >= 0 && outerMomentum < 1)) {
            throw new IllegalArgumentException("outer momentum " + outerMomentum + " is out of range; accepted: [0, 1)");
        }
    }

    public ModelConfig withSteps(final int value) {
        return new ModelConfig(inputs, hidden, classes, batch, learningRate, momentum, value, computeNs, targetLoss, evalEvery,
            evalSamples, seed, schedule, outerLearningRate, outerMomentum);
    }

    public ModelConfig withTraining(final int newBatch, final double lr, final long compute, final double target) {
        return new ModelConfig(inputs, hidden, classes, newBatch, lr, momentum, steps, compute, target, evalEvery, evalSamples, seed,
            schedule, outerLearningRate, outerMomentum);
    }

    public ModelConfig withSeed(final long value) {
        return new ModelConfig(inputs, hidden, classes, batch, learningRate, momentum, steps, computeNs, targetLoss, evalEvery,
            evalSamples, value, schedule, outerLearningRate, outerMomentum);
    }

    /** @return this configuration under {@code value}, with the outer optimizer's learning rate {@code outerLr}. */
    public ModelConfig withSchedule(final TrainSchedule value, final double outerLr) {
        return new ModelConfig(inputs, hidden, classes, batch, learningRate, momentum, steps, computeNs, targetLoss, evalEvery,
            evalSamples, seed, value, outerLr, outerMomentum);
    }

    public ModelConfig withSchedule(final TrainSchedule value) {
        return withSchedule(value, outerLearningRate);
    }

    @Override
    public String toString() {
        return "mlp " + inputs + "-" + hidden + "-" + classes + " (" + new Mlp(inputs, hidden, classes).parameterCount()
            + " parameters), batch " + batch + "/rank, sgd lr " + learningRate + " momentum " + momentum + ", " + steps + " steps, compute "
            + computeNs / 1_000_000.0 + " ms/step, target loss " + targetLoss;
    }

    /** @return the schedule with its outer optimizer, e.g. {@code diloco (H=8, outer float), outer nesterov lr 0.7 momentum 0.9}. */
    public String scheduleText() {
        switch (schedule.kind()) {
            case LOCALSGD:
                return schedule + ", outer: average of the models";
            case DILOCO:
            case STREAMING_DILOCO:
                return schedule + ", outer: nesterov sgd lr " + outerLearningRate + " momentum " + outerMomentum;
            default:
                return schedule.toString();
        }
    }
}
