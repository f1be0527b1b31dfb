package io.longhaul.harness.model;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.OperationReport;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.harness.scenario.Cluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Data-parallel training of a real model ({@link Mlp} on a {@link TeacherTask}) through the
 * cluster's real collectives: every step, each rank computes the gradient of its own mini-batch
 * (the compute time is modelled by a timer of {@link ModelConfig#computeNs()} on the cluster's
 * clock, the arithmetic is done for real), the gradients are averaged with one float32 all-reduce
 * (in the communicators' mode: exact, or bounded with its estimate), and each rank applies SGD
 * with momentum to its own copy of the parameters with the average it received. Every
 * {@link ModelConfig#evalEvery()} steps rank 0's parameters are evaluated on a fixed sample (not
 * timed). Each step also records how far rank 0's averaged gradient is from the exact average of
 * the ranks' gradients.
 */
public final class ModelTraining {
    /** Time allowed per all-reduce before the run fails. */
    public static final long STEP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    private ModelTraining() {
    }

    public static ModelResult run(final Cluster cluster, final ModelConfig config) {
        final List<Communicator> comms = cluster.communicators();
        final int n = comms.size();
        final TeacherTask task = new TeacherTask(config.inputs(), config.classes(), config.seed());
        final Mlp mlp = new Mlp(config.inputs(), config.hidden(), config.classes());
        final int size = mlp.parameterCount();
        final float[][] params = new float[n][];
        final float[][] velocity = new float[n][size];
        final float[][] grads = new float[n][size];
        final ByteBuffer[] wire = new ByteBuffer[n];
        for (int r = 0; r < n; r++) {
            params[r] = mlp.initialParameters(config.seed() * 13 + 5);
            wire[r] = ByteBuffer.allocateDirect(size * 4).order(ByteOrder.LITTLE_ENDIAN);
        }
        final float[] evalX = new float[config.evalSamples() * config.inputs()];
        final int[] evalY = new int[config.evalSamples()];
        task.sample(task.evalStream(), evalX, evalY, config.evalSamples());
        final float[] x = new float[config.batch() * config.inputs()];
        final int[] y = new int[config.batch()];
        final double[] exact = new double[size];
        final CollectiveSpec spec = new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.AVG, size, -1, true);
        final List<ModelResult.Eval> evals = new ArrayList<>();
        final List<ModelResult.Step> steps = new ArrayList<>();
        final long t0 = cluster.nowNs();
        evals.add(evaluate(mlp, params[0], evalX, evalY, config, 0, 0));
        int stepsToTarget = -1;
        long timeToTarget = -1;
        for (int step = 0; step < config.steps(); step++) {
            final long stepStart = cluster.nowNs();
            // Compute: the gradients, for real; the time it takes, modelled.
            java.util.Arrays.fill(exact, 0);
            for (int r = 0; r < n; r++) {
                task.sample(task.batchStream(r, step), x, y, config.batch());
                mlp.lossAndGradient(params[r], x, y, config.batch(), grads[r], null);
                for (int i = 0; i < size; i++) {
                    exact[i] += grads[r][i];
                    wire[r].putFloat(4 * i, grads[r][i]);
                }
            }
            if (config.computeNs() > 0) {
                final CompletableFuture<Void> computed = new CompletableFuture<>();
                comms.get(0).fabric().schedule(config.computeNs(), () -> computed.complete(null));
                cluster.await(List.of(computed), config.computeNs() + STEP_TIMEOUT_NS);
            }
            final long reduceStart = cluster.nowNs();
            final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                fs.add(comms.get(r).runReportedAsync(spec, wire[r], wire[r]));
            }
            cluster.await(fs, STEP_TIMEOUT_NS);
            double received = 0;
            for (int r = 0; r < n; r++) {
                final OperationReport rep = fs.get(r).join();
                received += rep.receivedFraction() / n;
            }
            final long end = cluster.nowNs();
            double se = 0;
            double sx = 0;
            double maxAbs = 0;
            for (int i = 0; i < size; i++) {
                final double e = exact[i] / n;
                final double d = wire[0].getFloat(4 * i) - e;
                se += d * d;
                sx += e * e;
                maxAbs = Math.max(maxAbs, Math.abs(d));
            }
            steps.add(new ModelResult.Step(end - stepStart, end - reduceStart, received, se == 0 ? 0 : Math.sqrt(se / sx), maxAbs));
            // Optimizer: SGD with momentum, each rank with the average it received.
            final float lr = (float) config.learningRate();
            final float mu = (float) config.momentum();
            for (int r = 0; r < n; r++) {
                final float[] p = params[r];
                final float[] v = velocity[r];
                for (int i = 0; i < size; i++) {
                    v[i] = mu * v[i] + wire[r].getFloat(4 * i);
                    p[i] -= lr * v[i];
                }
            }
            if ((step + 1) % config.evalEvery() == 0 || step + 1 == config.steps()) {
                final ModelResult.Eval e = evaluate(mlp, params[0], evalX, evalY, config, step + 1, end - t0);
                evals.add(e);
                if (stepsToTarget < 0 && e.loss() <= config.targetLoss()) {
                    stepsToTarget = step + 1;
                    timeToTarget = end - t0;
                }
            }
        }
        double divergence = 0;
        for (int r = 1; r < n; r++) {
            for (int i = 0; i < size; i++) {
                divergence = Math.max(divergence, Math.abs(params[r][i] - params[0][i]));
            }
        }
        return new ModelResult(List.copyOf(evals), List.copyOf(steps), stepsToTarget, timeToTarget, cluster.nowNs() - t0, divergence);
    }

    private static ModelResult.Eval evaluate(final Mlp mlp, final float[] p, final float[] x, final int[] y, final ModelConfig config,
                                             final int step, final long atNs) {
        final int[] correct = new int[1];
        final double loss = mlp.lossAndGradient(p, x, y, config.evalSamples(), null, correct);
        return new ModelResult.Eval(step, atNs, loss, (double) correct[0] / config.evalSamples());
    }
}
