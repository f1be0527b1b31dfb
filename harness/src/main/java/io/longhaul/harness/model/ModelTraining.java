package io.longhaul.harness.model;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.OperationReport;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.kernel.HalfFloats;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.train.DciCountingFabric;
import io.longhaul.harness.train.PseudoGradientCodec;
import io.longhaul.harness.train.TrainSchedule;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Data-parallel training of a real model ({@link Mlp} on a {@link TeacherTask}) through the
 * cluster's real collectives, under a {@link TrainSchedule}. Every step, each rank computes the
 * gradient of its own mini-batch (the compute time is modelled by a timer of
 * {@link ModelConfig#computeNs()} on the cluster's clock, the arithmetic is done for real) and
 * applies SGD with momentum (lr, μ of the config: v ← μ·v + g, θ ← θ − lr·v) to its own copy of
 * the parameters with the averaged gradient it received. What is averaged, and when replicas
 * meet, is the schedule:
 *
 * <ul>
 *   <li><b>ddp</b>: the gradient averaged with one float32 all-reduce across all ranks (in the
 *       communicators' mode: exact, or bounded with its estimate), every step.</li>
 *   <li><b>localsgd</b> (Stich 2019; Lin et al. 2020) and <b>diloco</b> (Douillard et al. 2023,
 *       arXiv:2311.08105): the gradient averaged only inside the rank's DC (a
 *       {@link Communicator#dcGroup DC group}), so each DC trains its own replica. After every
 *       step s with (s + 1) mod H = 0 an outer step: each rank's pseudo-gradient
 *       Δ = θ_global − θ (θ_global: the parameters at the last outer step, the same on every
 *       rank) is averaged across all ranks ({@link TrainSchedule.OuterDtype}: float32 all-reduce,
 *       bfloat16 all-reduce of the rounded values, or int8/int4 {@link PseudoGradientCodec} codes
 *       all-gathered, decoded and averaged), then localsgd sets θ_global ← θ_global − mean Δ (the
 *       average of the replicas) and diloco applies SGD with Nesterov momentum (outer lr η, μ_o:
 *       m ← μ_o·m + mean Δ, θ_global ← θ_global − η·(mean Δ + μ_o·m), as PyTorch's
 *       {@code SGD(nesterov=True)}); every rank then restarts from θ_global. The inner optimizer
 *       is plain SGD with momentum (DiLoCo's is AdamW); each rank keeps its inner momentum across
 *       outer steps, so localsgd with H = 1 is ddp (the replicas' mean momentum obeys ddp's
 *       recursion).</li>
 *   <li><b>streaming-diloco</b> (Douillard et al. 2025, arXiv:2501.18512): the parameters in F
 *       contiguous fragments; after step s each fragment f with (s + 1 − f·⌊H/F⌋) mod H = 0
 *       snapshots its pseudo-gradient and starts its outer sync, which runs while the next T
 *       steps compute; at the end of step s + T the averaged fragment gets diloco's outer step on
 *       its θ_global slice and each rank merges it: θ_f ← α·θ_f + (1 − α)·θ_global,f with
 *       α = {@value #STREAMING_MIX} when T &gt; 0 (the paper's mixing of the local progress made
 *       during the overlap) and α = 0 when T = 0 (diloco's replacement).</li>
 *   <li><b>async1</b>: the gradient all-reduced across all ranks while the next step computes:
 *       step t's optimizer applies step t−1's averaged gradient (one-step-stale gradients; the
 *       last step's gradient is applied after the last step).</li>
 * </ul>
 *
 * <p>Every {@link ModelConfig#evalEvery()} steps rank 0's parameters (its replica, between outer
 * steps) are evaluated on a fixed sample (not timed). Each step also records how far rank 0's
 * averaged gradient is from the exact average of the gradients of the ranks it was averaged
 * with, and the collective bytes handed the fabric for other DCs.
 */
public final class ModelTraining {
    /** Time allowed per all-reduce before the run fails. */
    public static final long STEP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);
    /** Tag space of the DC groups the inner all-reduces run on. */
    public static final int INNER_TAG_SPACE = 1;
    /** streaming-diloco with T &gt; 0: the weight α of the local fragment when the synced one is merged. */
    public static final double STREAMING_MIX = 0.5;

    private ModelTraining() {
    }

    /** Runs {@code config} on {@code cluster}, whose communicators must be idle (the run opens its own over their fabrics). */
    public static ModelResult run(final Cluster cluster, final ModelConfig config) {
        return new Run(cluster, config).run();
    }

    /** An outer sync in flight: fragment {@code fragment}, due at the end of step {@code dueStep}; {@code mix}: merge with α. */
    private record PendingSync(int fragment, int dueStep, List<CompletableFuture<Void>> futures, boolean mix) {
    }

    private static final class Run {
        final Cluster cluster;
        final ModelConfig config;
        final TrainSchedule schedule;
        final TrainSchedule.Kind kind;
        final int n;
        final Communicator[] world;
        final Communicator[] inner;
        final DciCountingFabric[] counting;
        final Mlp mlp;
        final TeacherTask task;
        final int size;
        final float[][] params;
        final float[][] velocity;
        final float[][] grads;
        /** Gradient wire buffers: two sets for async1 (one in flight while the next is filled). */
        final ByteBuffer[][] wire;
        /** Per rank: θ_global and the outer momentum (schedules with outer steps). */
        final float[][] global;
        final float[][] outerMomentum;
        /** Per rank: the pseudo-gradient buffer (float32), averaged in place by the outer syncs. */
        final ByteBuffer[] delta;
        /** Fragment f: elements bounds[f] to bounds[f + 1]. */
        final int[] bounds;
        /** Per rank, per fragment: bfloat16 or encoded wire and gathered buffers. */
        final ByteBuffer[][] outerWire;
        final ByteBuffer[][] outerGathered;
        /** The ranks rank 0's gradient is averaged with. */
        final int[] rank0Group;
        int outerSyncs;

        Run(final Cluster cluster, final ModelConfig config) {
            this.cluster = cluster;
            this.config = config;
            this.schedule = config.schedule();
            this.kind = schedule.kind();
            final List<Communicator> comms = cluster.communicators();
            n = comms.size();
            world = new Communicator[n];
            inner = new Communicator[n];
            counting = new DciCountingFabric[n];
            for (int r = 0; r < n; r++) {
                final Communicator base = comms.get(r);
                counting[r] = new DciCountingFabric(base.fabric(), base.topology());
                world[r] = new Communicator(counting[r], base.topology(), base.config());
                inner[r] = kind.hasOuterSteps() ? world[r].dcGroup(INNER_TAG_SPACE) : world[r];
            }
            rank0Group = kind.hasOuterSteps() ? comms.get(0).topology().ranksIn(comms.get(0).topology().dcOf(0)) : allRanks(n);
            task = new TeacherTask(config.inputs(), config.classes(), config.seed());
            mlp = new Mlp(config.inputs(), config.hidden(), config.classes());
            size = mlp.parameterCount();
            params = new float[n][];
            velocity = new float[n][size];
            grads = new float[n][size];
            wire = new ByteBuffer[kind == TrainSchedule.Kind.ASYNC1 ? 2 : 1][n];
            for (int r = 0; r < n; r++) {
                params[r] = mlp.initialParameters(config.seed() * 13 + 5);
                for (final ByteBuffer[] w : wire) {
                    w[r] = ByteBuffer.allocateDirect(size * 4).order(ByteOrder.LITTLE_ENDIAN);
                }
            }
            final int fragments = schedule.syncFragments();
            if (fragments > 0) {
                global = new float[n][];
                outerMomentum = new float[n][size];
                delta = new ByteBuffer[n];
                outerWire = new ByteBuffer[n][fragments];
                outerGathered = new ByteBuffer[n][fragments];
                bounds = new int[fragments + 1];
                for (int f = 0; f < fragments; f++) {
                    bounds[f + 1] = bounds[f] + size / fragments + (f < size % fragments ? 1 : 0);
                }
                for (int r = 0; r < n; r++) {
                    global[r] = params[r].clone();
                    delta[r] = ByteBuffer.allocateDirect(size * 4).order(ByteOrder.LITTLE_ENDIAN);
                    for (int f = 0; f < fragments; f++) {
                        final int count = bounds[f + 1] - bounds[f];
                        switch (schedule.outerDtype()) {
                            case BFLOAT16:
                                outerWire[r][f] = ByteBuffer.allocateDirect(count * 2).order(ByteOrder.LITTLE_ENDIAN);
                                break;
                            case INT8:
                            case INT4: {
                                final int bytes = PseudoGradientCodec.encodedBytes(count, schedule.outerDtype());
                                outerWire[r][f] = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
                                outerGathered[r][f] = ByteBuffer.allocateDirect(bytes * n).order(ByteOrder.LITTLE_ENDIAN);
                                break;
                            }
                            default:
                                break;
                        }
                    }
                }
            } else {
                global = null;
                outerMomentum = null;
                delta = null;
                bounds = null;
                outerWire = null;
                outerGathered = null;
            }
        }

        private static int[] allRanks(final int n) {
            final int[] all = new int[n];
            for (int r = 0; r < n; r++) {
                all[r] = r;
            }
            return all;
        }

        ModelResult run() {
            final float[] evalX = new float[config.evalSamples() * config.inputs()];
            final int[] evalY = new int[config.evalSamples()];
            task.sample(task.evalStream(), evalX, evalY, config.evalSamples());
            final float[] x = new float[config.batch() * config.inputs()];
            final int[] y = new int[config.batch()];
            final double[][] exact = new double[wire.length][size];
            final CollectiveSpec spec = new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.AVG, size, -1, true);
            final List<ModelResult.Eval> evals = new ArrayList<>();
            final List<ModelResult.Step> steps = new ArrayList<>();
            final List<PendingSync> pending = new ArrayList<>();
            final long t0 = cluster.nowNs();
            evals.add(evaluate(params[0], evalX, evalY, 0, 0));
            int stepsToTarget = -1;
            long timeToTarget = -1;
            long dciBefore = 0;
            // async1: the previous step's all-reduces, still in flight, and which wire set they use.
            List<CompletableFuture<OperationReport>> inFlight = null;
            int inFlightSet = -1;
            for (int step = 0; step < config.steps(); step++) {
                final long stepStart = cluster.nowNs();
                final int set = step % wire.length;
                // Compute: the gradients, for real; the time it takes, modelled.
                java.util.Arrays.fill(exact[set], 0);
                for (int r = 0; r < n; r++) {
                    task.sample(task.batchStream(r, step), x, y, config.batch());
                    mlp.lossAndGradient(params[r], x, y, config.batch(), grads[r], null);
                    final boolean inGroup = contains(rank0Group, r);
                    for (int i = 0; i < size; i++) {
                        if (inGroup) {
                            exact[set][i] += grads[r][i];
                        }
                        wire[set][r].putFloat(4 * i, grads[r][i]);
                    }
                }
                if (config.computeNs() > 0) {
                    final CompletableFuture<Void> computed = new CompletableFuture<>();
                    world[0].fabric().schedule(config.computeNs(), () -> computed.complete(null));
                    cluster.await(List.of(computed), config.computeNs() + STEP_TIMEOUT_NS);
                }
                final long reduceStart = cluster.nowNs();
                final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    fs.add(inner[r].runReportedAsync(spec, wire[set][r], wire[set][r]));
                }
                final List<CompletableFuture<OperationReport>> applied;
                final int appliedSet;
                if (kind == TrainSchedule.Kind.ASYNC1) {
                    // This step's all-reduce flies during the next step; this step applies the previous one's.
                    applied = inFlight;
                    appliedSet = inFlightSet;
                    inFlight = fs;
                    inFlightSet = set;
                } else {
                    applied = fs;
                    appliedSet = set;
                }
                double received = 1;
                double relativeL2 = 0;
                double maxAbs = 0;
                if (applied != null) {
                    cluster.await(applied, STEP_TIMEOUT_NS);
                    received = receivedFraction(applied);
                    final double[] err = error(wire[appliedSet][0], exact[appliedSet]);
                    relativeL2 = err[0];
                    maxAbs = err[1];
                    innerStep(appliedSet);
                }
                // Outer syncs that start after this step, then those this step waits for.
                for (int f = 0; f < schedule.syncFragments(); f++) {
                    if (schedule.syncsAfter(step, f)) {
                        final int due = kind == TrainSchedule.Kind.STREAMING_DILOCO ? step + schedule.overlapSteps() : step;
                        pending.add(startOuterSync(f, due));
                    }
                }
                for (final java.util.Iterator<PendingSync> it = pending.iterator(); it.hasNext(); ) {
                    final PendingSync p = it.next();
                    if (p.dueStep() <= step) {
                        finishOuterSync(p);
                        it.remove();
                    }
                }
                final long end = cluster.nowNs();
                long dci = 0;
                for (final DciCountingFabric c : counting) {
                    dci += c.dciBytes();
                }
                steps.add(new ModelResult.Step(end - stepStart, end - reduceStart, received, relativeL2, maxAbs, dci - dciBefore));
                dciBefore = dci;
                if ((step + 1) % config.evalEvery() == 0 || step + 1 == config.steps()) {
                    final ModelResult.Eval e = evaluate(params[0], evalX, evalY, step + 1, end - t0);
                    evals.add(e);
                    if (stepsToTarget < 0 && e.loss() <= config.targetLoss()) {
                        stepsToTarget = step + 1;
                        timeToTarget = end - t0;
                    }
                }
            }
            // What is still in flight after the last step: async1's last gradient, streaming syncs due later.
            if (inFlight != null) {
                cluster.await(inFlight, STEP_TIMEOUT_NS);
                innerStep(inFlightSet);
            }
            for (final PendingSync p : pending) {
                finishOuterSync(p);
            }
            double divergence = 0;
            for (int r = 1; r < n; r++) {
                for (int i = 0; i < size; i++) {
                    divergence = Math.max(divergence, Math.abs(params[r][i] - params[0][i]));
                }
            }
            return new ModelResult(List.copyOf(evals), List.copyOf(steps), stepsToTarget, timeToTarget, cluster.nowNs() - t0, divergence,
                schedule.spec(), outerSyncs);
        }

        private double receivedFraction(final List<CompletableFuture<OperationReport>> fs) {
            double received = 0;
            for (final CompletableFuture<OperationReport> f : fs) {
                received += f.join().receivedFraction() / fs.size();
            }
            return received;
        }

        /** @return rank 0's averaged gradient against the exact average of its group: relative L2, max absolute. */
        private double[] error(final ByteBuffer rank0, final double[] exactSum) {
            double se = 0;
            double sx = 0;
            double maxAbs = 0;
            for (int i = 0; i < size; i++) {
                final double e = exactSum[i] / rank0Group.length;
                final double d = rank0.getFloat(4 * i) - e;
                se += d * d;
                sx += e * e;
                maxAbs = Math.max(maxAbs, Math.abs(d));
            }
            return new double[] {se == 0 ? 0 : Math.sqrt(se / sx), maxAbs};
        }

        /** SGD with momentum, each rank with the average it received in wire set {@code set}. */
        private void innerStep(final int set) {
            final float lr = (float) config.learningRate();
            final float mu = (float) config.momentum();
            for (int r = 0; r < n; r++) {
                final float[] p = params[r];
                final float[] v = velocity[r];
                final ByteBuffer g = wire[set][r];
                for (int i = 0; i < size; i++) {
                    v[i] = mu * v[i] + g.getFloat(4 * i);
                    p[i] -= lr * v[i];
                }
            }
        }

        /** Writes every rank's pseudo-gradient of fragment {@code f} and starts its average across all ranks. */
        private PendingSync startOuterSync(final int f, final int dueStep) {
            final int from = bounds[f];
            final int count = bounds[f + 1] - from;
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                final ByteBuffer d = delta[r];
                for (int i = from; i < from + count; i++) {
                    d.putFloat(4 * i, global[r][i] - params[r][i]);
                }
                fs.add(startAverage(r, f, from, count));
            }
            outerSyncs++;
            return new PendingSync(f, dueStep, fs, kind == TrainSchedule.Kind.STREAMING_DILOCO && schedule.overlapSteps() > 0);
        }

        /** The outer all-reduce (average across all ranks) of rank {@code r}'s pseudo-gradient slice, in place, in the outer type. */
        private CompletableFuture<Void> startAverage(final int r, final int f, final int from, final int count) {
            final ByteBuffer d = delta[r];
            final Communicator w = world[r];
            final TrainSchedule.OuterDtype type = schedule.outerDtype();
            switch (type) {
                case FLOAT: {
                    final ByteBuffer slice = d.duplicate().position(4 * from).limit(4 * (from + count)).slice().order(ByteOrder.LITTLE_ENDIAN);
                    return w.allReduceAsync(slice, count, DataType.FLOAT32, ReduceOp.AVG);
                }
                case BFLOAT16: {
                    final ByteBuffer bf = outerWire[r][f];
                    for (int i = 0; i < count; i++) {
                        bf.putShort(2 * i, HalfFloats.floatToBf16(d.getFloat(4 * (from + i))));
                    }
                    return w.allReduceAsync(bf, count, DataType.BF16, ReduceOp.AVG).thenRun(() -> {
                        for (int i = 0; i < count; i++) {
                            d.putFloat(4 * (from + i), HalfFloats.bf16ToFloat(bf.getShort(2 * i)));
                        }
                    });
                }
                default: {
                    final ByteBuffer enc = outerWire[r][f];
                    final ByteBuffer gathered = outerGathered[r][f];
                    PseudoGradientCodec.encode(d, from, count, type, enc, 0);
                    return w.allGatherAsync(enc, gathered, enc.capacity() / 4, DataType.INT32)
                        .thenRun(() -> PseudoGradientCodec.decodeMean(gathered, n, count, type, d, from));
                }
            }
        }

        /** Waits for the sync, applies the outer optimizer to θ_global's slice and restarts (or merges) every rank's slice from it. */
        private void finishOuterSync(final PendingSync p) {
            cluster.await(p.futures(), STEP_TIMEOUT_NS);
            final int from = bounds[p.fragment()];
            final int to = bounds[p.fragment() + 1];
            final float eta = (float) config.outerLearningRate();
            final float mu = (float) config.outerMomentum();
            final boolean averaging = kind == TrainSchedule.Kind.LOCALSGD;
            final boolean mixing = p.mix();
            final float alpha = (float) STREAMING_MIX;
            for (int r = 0; r < n; r++) {
                final float[] g = global[r];
                final float[] m = outerMomentum[r];
                final float[] local = params[r];
                final ByteBuffer d = delta[r];
                for (int i = from; i < to; i++) {
                    final float mean = d.getFloat(4 * i);
                    if (averaging) {
                        g[i] -= mean;
                    } else {
                        m[i] = mu * m[i] + mean;
                        g[i] -= eta * (mean + mu * m[i]);
                    }
                    local[i] = mixing ? alpha * local[i] + (1 - alpha) * g[i] : g[i];
                }
            }
        }

        private ModelResult.Eval evaluate(final float[] p, final float[] x, final int[] y, final int step, final long atNs) {
            final int[] correct = new int[1];
            final double loss = mlp.lossAndGradient(p, x, y, config.evalSamples(), null, correct);
            return new ModelResult.Eval(step, atNs, loss, (double) correct[0] / config.evalSamples());
        }
    }

    private static boolean contains(final int[] a, final int v) {
        for (final int e : a) {
            if (e == v) {
                return true;
            }
        }
        return false;
    }
}
