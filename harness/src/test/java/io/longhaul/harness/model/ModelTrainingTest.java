package io.longhaul.harness.model;

import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The real model trained through the real collectives on the simulated transport (virtual time, seeded). */
class ModelTrainingTest {
    /** Bounded training at 1% loss must reach the target in at most this many times the exact run's steps. */
    static final double STEPS_BOUND = 1.5;

    @Test
    void shouldComputeTheGradientOfTheMeanLoss() {
        final Mlp mlp = new Mlp(5, 4, 3);
        final TeacherTask task = new TeacherTask(5, 3, 9);
        final float[] p = mlp.initialParameters(3);
        final float[] x = new float[8 * 5];
        final int[] y = new int[8];
        task.sample(new SplittableRandom(4), x, y, 8);
        final float[] g = new float[mlp.parameterCount()];
        mlp.lossAndGradient(p, x, y, 8, g, null);
        for (int i = 0; i < p.length; i++) {
            final float keep = p[i];
            p[i] = keep + 1e-2f;
            final double up = mlp.lossAndGradient(p, x, y, 8, null, null);
            p[i] = keep - 1e-2f;
            final double down = mlp.lossAndGradient(p, x, y, 8, null, null);
            p[i] = keep;
            assertThat(g[i]).as("parameter %d", i).isCloseTo((float) ((up - down) / 2e-2), within(2e-3f));
        }
    }

    @Test
    void shouldConvergeWithExactAllReduceAndReachTheSameTargetBoundedAtOnePercentLoss() {
        final long seed = 1;
        final ModelConfig config = ModelConfig.defaults().withSteps(200).withSeed(seed);
        final Scenario lossy = ScenarioLoader.load("dci-1000km").withLoss(0.01);
        final ModelResult exact = ModelComparison.runOnce(new SimBackend(), lossy, ModelComparison.Variant.RELIABLE, 0, config);
        final ModelResult bounded = ModelComparison.runOnce(new SimBackend(), lossy, ModelComparison.Variant.BOUNDED,
            TimeUnit.MILLISECONDS.toNanos(6), config);
        assertThat(exact.evals().get(0).loss()).as("untrained loss (seed %d)", seed).isGreaterThan(2.0);
        assertThat(exact.stepsToTarget()).as("exact all-reduce reaches loss %.2f (seed %d)", config.targetLoss(), seed)
            .isBetween(1, 200);
        assertThat(exact.meanRelativeL2()).as("exact: float rounding only").isLessThan(1e-6);
        assertThat(exact.maxDivergence()).as("exact: every rank holds the same parameters").isZero();
        assertThat(bounded.meanReceivedFraction()).as("bounded at 1%%: something was lost (seed %d)", seed).isLessThan(1.0);
        assertThat(bounded.meanRelativeL2()).isPositive();
        assertThat(bounded.stepsToTarget()).as("bounded at 1%% reaches the target within %.1fx the exact steps (seed %d)",
            STEPS_BOUND, seed).isBetween(1, (int) Math.ceil(STEPS_BOUND * exact.stepsToTarget()));
        assertThat(bounded.meanStepNs()).as("bounded steps are shorter than exact ones at 1%% loss (seed %d)", seed)
            .isLessThan(exact.meanStepNs());
    }
}
