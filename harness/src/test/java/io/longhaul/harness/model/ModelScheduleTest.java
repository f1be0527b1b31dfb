package io.longhaul.harness.model;

import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import io.longhaul.harness.train.TrainSchedule;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The real model under each training schedule on the simulated dci-1000km scenario (2 DCs x 2
 * ranks, virtual time, seeded): what a schedule costs in loss, and what it crosses the DCI.
 */
class ModelScheduleTest {
    static final long SEED = 1;
    /** int8 outer syncs against float (diloco, H = 8, 200 steps): the largest evaluation-loss difference allowed (measured: 0.00039; int4 0.0018). */
    static final double INT8_LOSS_BOUND = 0.004;

    private static ModelResult train(final Scenario scenario, final ModelComparison.Variant variant, final ModelConfig config) {
        return ModelComparison.runOnce(new SimBackend(), scenario, variant, TimeUnit.MILLISECONDS.toNanos(6), config);
    }

    private static ModelResult train(final String schedule, final int steps) {
        return train(ScenarioLoader.load("dci-1000km"), ModelComparison.Variant.RELIABLE,
            ModelConfig.defaults().withSteps(steps).withSeed(SEED).withSchedule(TrainSchedule.parse(schedule)));
    }

    private static double maxLossDifference(final ModelResult a, final ModelResult b) {
        assertThat(a.evals()).hasSameSizeAs(b.evals());
        double max = 0;
        for (int i = 0; i < a.evals().size(); i++) {
            max = Math.max(max, Math.abs(a.evals().get(i).loss() - b.evals().get(i).loss()));
        }
        return max;
    }

    /** ddp's evaluations (step, cluster time, loss bits) before schedules existed: seed 1, 60 steps, 1% inter-DC loss. */
    private static final long[][] DDP_RELIABLE = {
        {0, 0, 4613246976197406938L}, {10, 327070328, 4612241225501314031L}, {20, 621433931, 4611356002892308770L},
        {30, 922821620, 4610412576337466395L}, {40, 1226333760, 4609788720861803975L}, {50, 1492919865, 4609069983178168690L},
        {60, 1802619564, 4608632182472172884L}};
    private static final long[][] DDP_BOUNDED = {
        {0, 0, 4613246976197406938L}, {10, 264951965, 4612307062696260412L}, {20, 522258244, 4611455001115883288L},
        {30, 779564546, 4610649641447941831L}, {40, 1044556932, 4609936138703712046L}, {50, 1302494199, 4609239134751769595L},
        {60, 1563705867, 4608843927314486754L}};

    @Test
    void shouldLeaveDdpBitForBitAsBeforeSchedulesExisted() {
        final Scenario lossy = ScenarioLoader.load("dci-1000km").withLoss(0.01);
        final ModelConfig config = ModelConfig.defaults().withSteps(60).withSeed(SEED);
        assertThat(config.schedule()).isEqualTo(TrainSchedule.ddp());
        for (final ModelComparison.Variant v : List.of(ModelComparison.Variant.RELIABLE, ModelComparison.Variant.BOUNDED)) {
            final ModelResult r = train(lossy, v, config);
            final long[][] expected = v == ModelComparison.Variant.RELIABLE ? DDP_RELIABLE : DDP_BOUNDED;
            assertThat(r.evals()).hasSize(expected.length);
            for (int i = 0; i < expected.length; i++) {
                final ModelResult.Eval e = r.evals().get(i);
                assertThat(new long[] {e.step(), e.atNs(), Double.doubleToLongBits(e.loss())}).as("%s evaluation %d (seed %d): loss %s",
                    v.label(), i, SEED, e.loss()).containsExactly(expected[i]);
            }
            assertThat(r.schedule()).isEqualTo("ddp");
            assertThat(r.outerSyncs()).isZero();
        }
    }

    @Test
    void shouldFollowDdpsLossTrajectoryWithLocalSgdAtOneInnerStep() {
        final ModelResult ddp = train("ddp", 100);
        final ModelResult local = train("localsgd:H=1", 100);
        System.out.printf("localsgd H=1 vs ddp: max eval-loss difference %.3g%n", maxLossDifference(ddp, local));
        assertThat(maxLossDifference(ddp, local)).as("localsgd H=1 against ddp, every evaluation (seed %d)", SEED).isLessThan(1e-4);
        assertThat(local.outerSyncs()).as("an outer step after every step").isEqualTo(100);
        assertThat(local.stepsToTarget()).as("same steps to the target (seed %d)", SEED).isEqualTo(ddp.stepsToTarget());
    }

    @Test
    void shouldConvergeOnTheTeacherTaskWithDiloco() {
        final ModelResult r = train("diloco:H=8", 200);
        System.out.printf("diloco H=8: to target %d steps, loss at 200 %.4f%n", r.stepsToTarget(), r.last().loss());
        assertThat(r.evals().get(0).loss()).as("untrained loss (seed %d)", SEED).isGreaterThan(2.5);
        assertThat(r.stepsToTarget()).as("diloco (H=8, outer lr %.2f) reaches loss %.2f within 200 steps (seed %d)",
            ModelConfig.DEFAULT_OUTER_LR, ModelConfig.defaults().targetLoss(), SEED).isBetween(1, 200);
        assertThat(r.last().loss()).as("loss after 200 steps (seed %d)", SEED).isLessThan(1.25);
        assertThat(r.outerSyncs()).isEqualTo(25);
    }

    @Test
    void shouldCrossTheDciEightTimesLessOftenWithEightInnerSteps() {
        final ModelResult ddp = train("ddp", 64);
        final ModelResult diloco = train("diloco:H=8", 64);
        assertThat(ddp.stepsCrossingDci()).as("ddp crosses every step").isEqualTo(64);
        assertThat(diloco.stepsCrossingDci()).as("diloco H=8 crosses in 64 / 8 steps").isEqualTo(8);
        for (int s = 0; s < 64; s++) {
            assertThat(diloco.steps().get(s).dciBytes() > 0).as("step %d crosses the DCI", s + 1).isEqualTo((s + 1) % 8 == 0);
        }
        assertThat(diloco.totalDciBytes() * 8).as("a float pseudo-gradient is as large as the gradient: 8x fewer bytes")
            .isEqualTo(ddp.totalDciBytes());
        assertThat(diloco.meanStepNs()).as("steps without a DCI crossing are shorter").isLessThan(ddp.meanStepNs());
    }

    @Test
    void shouldCostASmallButMeasurableLossWithInt8OuterSyncs() {
        final ModelResult f = train("diloco:H=8:outer=float", 200);
        final ModelResult q = train("diloco:H=8:outer=int8", 200);
        final ModelResult q4 = train("diloco:H=8:outer=int4", 200);
        final double d8 = maxLossDifference(f, q);
        final double d4 = maxLossDifference(f, q4);
        System.out.printf("int8 vs float: max eval-loss difference %.4g; int4: %.4g; dci bytes float %d int8 %d int4 %d%n", d8, d4,
            f.totalDciBytes(), q.totalDciBytes(), q4.totalDciBytes());
        assertThat(d8).as("int8 outer syncs change the loss curve (seed %d)", SEED).isGreaterThan(1e-5);
        assertThat(d8).as("but by at most %.3f (seed %d)", INT8_LOSS_BOUND, SEED).isLessThan(INT8_LOSS_BOUND);
        assertThat(d4).as("int4 costs more than int8 (seed %d)", SEED).isGreaterThan(d8);
        assertThat(q.totalDciBytes()).as("int8 crosses fewer bytes").isLessThan(f.totalDciBytes());
        assertThat(q4.totalDciBytes()).as("int4 fewer still").isLessThan(q.totalDciBytes());
    }

    @Test
    void shouldConvergeWithStreamingDilocoAndOneStepStaleGradients() {
        final ModelResult streaming = train("streaming-diloco:H=8:F=4:T=1", 300);
        final ModelResult async = train("async1", 300);
        System.out.printf("streaming: to target %d, final %.4f; async1: to target %d, final %.4f%n", streaming.stepsToTarget(),
            streaming.last().loss(), async.stepsToTarget(), async.last().loss());
        assertThat(streaming.stepsToTarget()).as("streaming-diloco reaches the target within 300 steps (seed %d)", SEED).isBetween(1, 300);
        assertThat(streaming.outerSyncs()).as("4 fragment syncs per 8 steps").isEqualTo(150);
        assertThat(streaming.stepsCrossingDci()).as("fragments cross at staggered steps: every other step").isBetween(140L, 151L);
        assertThat(async.stepsToTarget()).as("async1 reaches the target within 300 steps (seed %d)", SEED).isBetween(1, 300);
        assertThat(async.steps().get(0).relativeL2()).isZero();
        assertThat(async.meanStepNs()).as("async1 hides the all-reduce behind the next step's compute")
            .isLessThan(train("ddp", 20).meanStepNs());
    }

    @Test
    void shouldRefuseAnOuterLearningRateOutOfRange() {
        final ModelConfig d = ModelConfig.defaults();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.withSchedule(TrainSchedule.parse("diloco"), 0))
            .hasMessageContaining("--outer-lr 0.0 is out of range; accepted: (0, 10]");
        assertThat(d.withSchedule(TrainSchedule.parse("diloco")).outerLearningRate()).isCloseTo(0.1, within(1e-12));
    }
}
