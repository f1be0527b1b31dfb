package io.longhaul.harness.train;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.harness.scenario.Cluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A synthetic data-parallel training loop, as PyTorch DDP runs one: every rank computes a forward
 * pass, then a backward pass that produces the gradient bucket by bucket, evenly over its
 * duration; each bucket's all-reduce starts (asynchronously) the moment the bucket is produced,
 * so communication overlaps the rest of the backward pass; the optimizer step waits for the last
 * bucket, and the next step's forward pass follows it.
 *
 * <p>Compute is modelled with {@link Fabric#schedule} timers, never with sleeps or busy loops, so
 * the same loop runs on a simulated fabric in virtual time (exact and reproducible) and on a real
 * transport in real time. The all-reduces carry real data (in-place float sums over a direct
 * buffer per rank), so a real transport moves every byte.
 */
public final class TrainingLoop {
    /** Time allowed per step beyond its compute time before the run fails: 120 s of the cluster's clock. */
    public static final long STEP_SLACK_NS = TimeUnit.SECONDS.toNanos(120);

    private TrainingLoop() {
    }

    /** Runs {@code config.warmup() + config.steps()} steps on every rank of {@code cluster}. */
    public static TrainResult run(final Cluster cluster, final TrainConfig config) {
        final List<Communicator> comms = cluster.communicators();
        final int n = comms.size();
        final int total = config.warmup() + config.steps();
        final long[][] stepEnd = new long[total][n];
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
            final ByteBuffer grad = ByteBuffer.allocateDirect((int) config.gradBytes()).order(ByteOrder.LITTLE_ENDIAN);
            final RankLoop loop = new RankLoop(comms.get(r), config, buckets, offsetNs, grad, stepEnd, r, total);
            ranks.add(loop.done);
            loop.step(0);
        }
        cluster.await(ranks, total * (config.computeNs() + STEP_SLACK_NS));
        for (final CompletableFuture<Void> f : ranks) {
            Communicator.await(f);
        }
        final List<Long> measured = new ArrayList<>();
        long previous = t0;
        for (int s = 0; s < total; s++) {
            long end = Long.MIN_VALUE;
            for (int r = 0; r < n; r++) {
                end = Math.max(end, stepEnd[s][r]);
            }
            if (s >= config.warmup()) {
                measured.add(end - previous);
            }
            previous = end;
        }
        return new TrainResult(config, measured);
    }

    /** One rank's steps, driven by fabric timers and collective completions (no thread of its own). */
    private static final class RankLoop {
        final Communicator comm;
        final Fabric fabric;
        final TrainConfig config;
        final List<Long> buckets;
        final long[] offsetNs;
        final ByteBuffer grad;
        final long[][] stepEnd;
        final int rank;
        final int total;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        RankLoop(final Communicator comm, final TrainConfig config, final List<Long> buckets, final long[] offsetNs, final ByteBuffer grad,
                 final long[][] stepEnd, final int rank, final int total) {
            this.comm = comm;
            this.fabric = comm.fabric();
            this.config = config;
            this.buckets = buckets;
            this.offsetNs = offsetNs;
            this.grad = grad;
            this.stepEnd = stepEnd;
            this.rank = rank;
            this.total = total;
        }

        void step(final int s) {
            if (s == total) {
                done.complete(null);
                return;
            }
            fabric.schedule(config.forwardNs(), () -> backward(s));
        }

        private void backward(final int s) {
            final List<CompletableFuture<Void>> reduced = new ArrayList<>();
            long offset = 0;
            for (int k = 0; k < buckets.size(); k++) {
                final CompletableFuture<Void> bucketDone = new CompletableFuture<>();
                reduced.add(bucketDone);
                final ByteBuffer slice = grad.duplicate().position((int) offset).limit((int) (offset + buckets.get(k))).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
                final int count = (int) (buckets.get(k) / config.dtype().size());
                fabric.schedule(offsetNs[k], () -> {
                    try {
                        comm.allReduceAsync(slice, count, config.dtype(), ReduceOp.SUM).whenComplete((v, e) -> {
                            if (e != null) {
                                bucketDone.completeExceptionally(e);
                            } else {
                                bucketDone.complete(null);
                            }
                        });
                    } catch (final RuntimeException e) {
                        bucketDone.completeExceptionally(e);
                    }
                });
                offset += buckets.get(k);
            }
            // The optimizer step needs every bucket reduced and backward finished (the last bucket's timer).
            CompletableFuture.allOf(reduced.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
                if (e != null) {
                    done.completeExceptionally(e);
                    return;
                }
                stepEnd[s][rank] = fabric.nowNs();
                step(s + 1);
            });
        }
    }
}
