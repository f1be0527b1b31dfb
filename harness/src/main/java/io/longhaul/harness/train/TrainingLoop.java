package io.longhaul.harness.train;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.kernel.HalfFloats;
import io.longhaul.harness.scenario.Cluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A synthetic data-parallel training loop. Every rank computes a forward pass, then a backward
 * pass that produces the gradient bucket by bucket, evenly over its duration; each bucket's
 * all-reduce starts (asynchronously) the moment the bucket is produced, so communication overlaps
 * the rest of the backward pass. What the all-reduces span and what the optimizer step waits for
 * is the {@link TrainSchedule}:
 *
 * <ul>
 *   <li><b>ddp</b> (PyTorch DDP): buckets all-reduced across all ranks; the optimizer step waits
 *       for the last bucket, and the next step's forward pass follows it.</li>
 *   <li><b>localsgd / diloco</b>: buckets all-reduced inside each DC only (a
 *       {@link Communicator#dcGroup DC group}, tag space {@link #INNER_TAG_SPACE}); at the end of
 *       every step s with (s + 1) mod H = 0, after that step's buckets, an outer all-reduce across
 *       all ranks of the whole pseudo-gradient (average; float, bfloat16, or quantized, see
 *       {@link TrainSchedule.OuterDtype}), which ends the step: the next forward pass waits for it.
 *       The two differ only in the outer optimizer, which is arithmetic on the averaged
 *       pseudo-gradient the timing model does not run.</li>
 *   <li><b>streaming-diloco</b>: as diloco, but at the end of step s the outer all-reduce of each
 *       fragment f with (s + 1 − f·⌊H/F⌋) mod H = 0 (a contiguous slice, F near-equal ones) only
 *       starts; the end of step s + T waits for it (T = 0: step s itself).</li>
 *   <li><b>async1</b>: buckets all-reduced across all ranks; the end of step t waits for its own
 *       backward pass and for step t−1's all-reduces, not for its own (two gradient buffers
 *       alternate, so step t's backward never writes a buffer still being reduced).</li>
 * </ul>
 * Outer syncs and async1's all-reduces still running after the last step are waited for before
 * the run returns (not part of any step's time).
 *
 * <p>Compute is modelled with {@link Fabric#schedule} timers, never with sleeps or busy loops, so
 * the same loop runs on a simulated fabric in virtual time (exact and reproducible) and on a real
 * transport in real time. The all-reduces carry real data (in-place float sums over a direct
 * buffer per rank; the pseudo-gradient is a float buffer of the gradient's element count, filled
 * with seeded values, reduced, converted and quantized for real: only its values are synthetic),
 * so a real transport moves every byte. Quantization and bfloat16 conversion take the CPU time
 * they take: none of the simulator's clock, real time on a real backend.
 *
 * <p>What the model does not capture: the accuracy cost of fewer or staler synchronizations
 * (localsgd, diloco, streaming-diloco and async1 need more steps to the same loss; that is
 * {@code --model mlp}'s business), optimizer compute, and the memory traffic of the outer step.
 *
 * <p>Bytes across the DCI: every rank's fabric is wrapped in a {@link DciCountingFabric}; a
 * measured step's count is the sum over ranks of what each sent to ranks of other DCs between its
 * end of the previous step and its end of this one (collective messages with their 32-byte
 * headers; transport overhead not counted). Syncs that straddle steps (streaming-diloco, async1)
 * are counted in the steps during which their messages were handed to the fabric.
 */
public final class TrainingLoop {
    /** Time allowed per step beyond its compute time before the run fails: 120 s of the cluster's clock. */
    public static final long STEP_SLACK_NS = TimeUnit.SECONDS.toNanos(120);
    /** Tag space of the DC groups the inner all-reduces of localsgd, diloco and streaming-diloco run on. */
    public static final int INNER_TAG_SPACE = 1;

    private TrainingLoop() {
    }

    /**
     * Runs {@code config.warmup() + config.steps()} steps on every rank of {@code cluster} (whose
     * communicators must be idle: the loop runs its own communicators over their fabrics).
     */
    public static TrainResult run(final Cluster cluster, final TrainConfig config) {
        final List<Communicator> comms = cluster.communicators();
        final int n = comms.size();
        final int total = config.warmup() + config.steps();
        final long[][] stepEnd = new long[total][n];
        final long[][] dciAt = new long[total][n];
        final List<Long> buckets = config.bucketSizes();
        final long[] offsetNs = new long[buckets.size()];
        long produced = 0;
        for (int k = 0; k < buckets.size(); k++) {
            produced += buckets.get(k);
            // Bucket k is ready when backward has produced its last byte.
            offsetNs[k] = Math.round((double) config.backwardNs() * produced / config.gradBytes());
        }
        final long t0 = cluster.nowNs();
        final List<CompletableFuture<Void>> ranks = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final Communicator base = comms.get(r);
            final DciCountingFabric counting = new DciCountingFabric(base.fabric(), base.topology());
            final Communicator world = new Communicator(counting, base.topology(), base.config());
            final RankLoop loop = new RankLoop(world, counting, config, buckets, offsetNs, stepEnd, dciAt, r, total);
            ranks.add(loop.done);
            loop.step(0);
        }
        cluster.await(ranks, total * (config.computeNs() + STEP_SLACK_NS));
        for (final CompletableFuture<Void> f : ranks) {
            Communicator.await(f);
        }
        final List<Long> measured = new ArrayList<>();
        final List<Long> dci = new ArrayList<>();
        long previous = t0;
        long previousDci = 0;
        for (int s = 0; s < total; s++) {
            long end = Long.MIN_VALUE;
            long bytes = 0;
            for (int r = 0; r < n; r++) {
                end = Math.max(end, stepEnd[s][r]);
                bytes += dciAt[s][r];
            }
            if (s >= config.warmup()) {
                measured.add(end - previous);
                dci.add(bytes - previousDci);
            }
            previous = end;
            previousDci = bytes;
        }
        return new TrainResult(config, measured, null, dci);
    }

    /** Completes {@code target} as {@code source} does. */
    private static void forward(final CompletableFuture<?> source, final CompletableFuture<Void> target) {
        source.whenComplete((v, e) -> {
            if (e != null) {
                target.completeExceptionally(e);
            } else {
                target.complete(null);
            }
        });
    }

    private static CompletableFuture<Void> all(final List<CompletableFuture<Void>> fs) {
        return CompletableFuture.allOf(fs.toArray(new CompletableFuture<?>[0]));
    }

    /** One rank's steps, driven by fabric timers and collective completions (no thread of its own). */
    private static final class RankLoop {
        final Communicator world;
        final Communicator inner;
        final DciCountingFabric counting;
        final Fabric fabric;
        final TrainConfig config;
        final TrainSchedule schedule;
        final List<Long> buckets;
        final long[] offsetNs;
        final ByteBuffer[] grads;
        final long[][] stepEnd;
        final long[][] dciAt;
        final int index;
        final int total;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Outer syncs and async all-reduces not yet waited for by a step: waited for after the last step. */
        final List<CompletableFuture<Void>> outstanding = new ArrayList<>();
        /** streaming-diloco: syncs the end of step s waits for. */
        final List<List<CompletableFuture<Void>>> due = new ArrayList<>();
        /** The pseudo-gradient (float32, the gradient's element count); null for ddp and async1. */
        final ByteBuffer delta;
        /** Fragment f is elements bounds[f] to bounds[f+1] of the pseudo-gradient. */
        final int[] bounds;
        final OuterSync[] syncs;
        /** async1: the previous step's all-reduces. */
        CompletableFuture<Void> previousReduced = CompletableFuture.completedFuture(null);

        RankLoop(final Communicator world, final DciCountingFabric counting, final TrainConfig config, final List<Long> buckets,
                 final long[] offsetNs, final long[][] stepEnd, final long[][] dciAt, final int index, final int total) {
            this.world = world;
            this.counting = counting;
            this.fabric = world.fabric();
            this.config = config;
            this.schedule = config.schedule();
            this.inner = schedule.kind().hasOuterSteps() ? world.dcGroup(INNER_TAG_SPACE) : world;
            this.buckets = buckets;
            this.offsetNs = offsetNs;
            this.stepEnd = stepEnd;
            this.dciAt = dciAt;
            this.index = index;
            this.total = total;
            grads = new ByteBuffer[schedule.kind() == TrainSchedule.Kind.ASYNC1 ? 2 : 1];
            for (int i = 0; i < grads.length; i++) {
                grads[i] = ByteBuffer.allocateDirect((int) config.gradBytes()).order(ByteOrder.LITTLE_ENDIAN);
            }
            for (int s = 0; s < total; s++) {
                due.add(new ArrayList<>());
            }
            final int fragments = schedule.syncFragments();
            if (fragments > 0) {
                final int elements = config.gradElements();
                delta = ByteBuffer.allocateDirect(Math.multiplyExact(elements, 4)).order(ByteOrder.LITTLE_ENDIAN);
                final int seed = world.rank() * 7919 + 17;
                for (int i = 0; i < elements; i++) {
                    delta.putFloat(4 * i, (Math.floorMod(seed + 31L * i, 2001) - 1000) * 1e-6f);
                }
                bounds = new int[fragments + 1];
                for (int f = 0; f < fragments; f++) {
                    bounds[f + 1] = bounds[f] + elements / fragments + (f < elements % fragments ? 1 : 0);
                }
                syncs = new OuterSync[fragments];
                for (int f = 0; f < fragments; f++) {
                    syncs[f] = new OuterSync(world, delta, bounds[f], bounds[f + 1] - bounds[f], schedule.outerDtype());
                }
            } else {
                delta = null;
                bounds = null;
                syncs = null;
            }
        }

        void step(final int s) {
            if (s == total) {
                forward(all(outstanding), done);
                return;
            }
            fabric.schedule(config.forwardNs(), () -> backward(s));
        }

        private void backward(final int s) {
            final ByteBuffer grad = grads[s % grads.length];
            final List<CompletableFuture<Void>> reduced = new ArrayList<>();
            final CompletableFuture<Void> backwardDone = new CompletableFuture<>();
            long offset = 0;
            for (int k = 0; k < buckets.size(); k++) {
                final CompletableFuture<Void> bucketDone = new CompletableFuture<>();
                reduced.add(bucketDone);
                final ByteBuffer slice = grad.duplicate().position((int) offset).limit((int) (offset + buckets.get(k))).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
                final int count = (int) (buckets.get(k) / config.dtype().size());
                final boolean last = k == buckets.size() - 1;
                fabric.schedule(offsetNs[k], () -> {
                    try {
                        forward(inner.allReduceAsync(slice, count, config.dtype(), ReduceOp.SUM), bucketDone);
                    } catch (final RuntimeException e) {
                        bucketDone.completeExceptionally(e);
                    }
                    if (last) {
                        backwardDone.complete(null);
                    }
                });
                offset += buckets.get(k);
            }
            final CompletableFuture<Void> gate;
            if (schedule.kind() == TrainSchedule.Kind.ASYNC1) {
                // The optimizer applies the previous step's reduced gradient: it needs that one and this backward pass.
                gate = CompletableFuture.allOf(backwardDone, previousReduced);
                previousReduced = all(reduced);
                outstanding.add(previousReduced);
            } else {
                // Every bucket reduced (the last bucket's timer is the end of backward), and any outer sync due now.
                final List<CompletableFuture<Void>> waits = new ArrayList<>(reduced);
                waits.addAll(due.get(s));
                gate = all(waits);
            }
            gate.whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                    return;
                }
                try {
                    afterInnerStep(s);
                } catch (final RuntimeException x) {
                    done.completeExceptionally(x);
                }
            });
        }

        /** Starts the outer syncs that follow step {@code s}, then ends it when those that block it are done. */
        private void afterInnerStep(final int s) {
            final List<CompletableFuture<Void>> blocking = new ArrayList<>();
            for (int f = 0; f < schedule.syncFragments(); f++) {
                if (!schedule.syncsAfter(s, f)) {
                    continue;
                }
                final CompletableFuture<Void> sync = syncs[f].start();
                if (schedule.kind() != TrainSchedule.Kind.STREAMING_DILOCO || schedule.overlapSteps() == 0) {
                    blocking.add(sync);
                } else if (s + schedule.overlapSteps() < total) {
                    due.get(s + schedule.overlapSteps()).add(sync);
                } else {
                    outstanding.add(sync);
                }
            }
            if (blocking.isEmpty()) {
                endStep(s);
                return;
            }
            all(blocking).whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                } else {
                    endStep(s);
                }
            });
        }

        private void endStep(final int s) {
            stepEnd[s][index] = fabric.nowNs();
            dciAt[s][index] = counting.dciBytes();
            step(s + 1);
        }
    }

    /**
     * The outer all-reduce (average across all ranks) of one slice of the pseudo-gradient, in
     * place: float all-reduce; bfloat16 all-reduce of the rounded values, widened back; or, for
     * int8 and int4, {@link PseudoGradientCodec} encodings all-gathered (as int32 words) and their
     * decoded mean written back.
     */
    private static final class OuterSync {
        final Communicator world;
        final ByteBuffer delta;
        final int from;
        final int count;
        final TrainSchedule.OuterDtype type;
        final ByteBuffer wire;
        final ByteBuffer gathered;

        OuterSync(final Communicator world, final ByteBuffer delta, final int from, final int count, final TrainSchedule.OuterDtype type) {
            this.world = world;
            this.delta = delta;
            this.from = from;
            this.count = count;
            this.type = type;
            switch (type) {
                case BFLOAT16:
                    wire = ByteBuffer.allocateDirect(Math.multiplyExact(count, 2)).order(ByteOrder.LITTLE_ENDIAN);
                    gathered = null;
                    break;
                case INT8:
                case INT4: {
                    final int bytes = PseudoGradientCodec.encodedBytes(count, type);
                    wire = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
                    gathered = ByteBuffer.allocateDirect(Math.multiplyExact(bytes, world.size())).order(ByteOrder.LITTLE_ENDIAN);
                    break;
                }
                default:
                    wire = null;
                    gathered = null;
            }
        }

        CompletableFuture<Void> start() {
            switch (type) {
                case FLOAT: {
                    final ByteBuffer slice = delta.duplicate().position(4 * from).limit(4 * (from + count)).slice().order(ByteOrder.LITTLE_ENDIAN);
                    return world.allReduceAsync(slice, count, DataType.FLOAT32, ReduceOp.AVG);
                }
                case BFLOAT16: {
                    for (int i = 0; i < count; i++) {
                        wire.putShort(2 * i, HalfFloats.floatToBf16(delta.getFloat(4 * (from + i))));
                    }
                    return world.allReduceAsync(wire, count, DataType.BF16, ReduceOp.AVG).thenRun(() -> {
                        for (int i = 0; i < count; i++) {
                            delta.putFloat(4 * (from + i), HalfFloats.bf16ToFloat(wire.getShort(2 * i)));
                        }
                    });
                }
                default: {
                    PseudoGradientCodec.encode(delta, from, count, type, wire, 0);
                    return world.allGatherAsync(wire, gathered, wire.capacity() / 4, DataType.INT32)
                        .thenRun(() -> PseudoGradientCodec.decodeMean(gathered, world.size(), count, type, delta, from));
                }
            }
        }
    }
}
