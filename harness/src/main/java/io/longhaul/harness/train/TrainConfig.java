package io.longhaul.harness.train;

import io.longhaul.collectives.DataType;
import io.longhaul.transport.util.Units;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The synthetic data-parallel model: a gradient of {@code gradBytes} produced during
 * {@code backwardNs} in buckets of {@code bucketBytes} (the last one may be smaller), after a
 * forward pass of {@code forwardNs}; {@code warmup} steps not measured, then {@code steps} measured.
 *
 * <p><b>Scale.</b> The defaults (16 MiB of float32 gradient in 4 MiB buckets, 30 ms forward,
 * 60 ms backward) are sized for the presets' 1 Gbit/s inter-DC links, a 400 Gbit/s link scaled
 * down 400×: bytes scale with the rate, times do not, so the ratio of communication to compute
 * (and with it the efficiency) is that of the full-size job. At 400 Gbit/s the same step is a
 * 6.7 GB gradient: the bf16 gradient of a 3.4B-parameter model (a GPT-style 1.3B model has a
 * 2.6 GB bf16 gradient: {@code --grad-size 6.5M} here), in 1.6 GB buckets (PyTorch DDP's
 * default is 25 MB; raise {@code --bucket-size} accordingly for a finer pipeline).
 *
 * <p>{@code schedule} says how ranks synchronize ({@link TrainSchedule}); the 7-argument
 * constructor gives {@link TrainSchedule#ddp()}.
 */
public record TrainConfig(long gradBytes, long bucketBytes, long forwardNs, long backwardNs, int steps, int warmup, DataType dtype,
                          TrainSchedule schedule) {
    /** Default gradient size: 16 MiB. */
    public static final long DEFAULT_GRAD_BYTES = 16L << 20;
    /** Default bucket size: 4 MiB. */
    public static final long DEFAULT_BUCKET_BYTES = 4L << 20;
    /** Default forward time: 30 ms. */
    public static final long DEFAULT_FORWARD_NS = TimeUnit.MILLISECONDS.toNanos(30);
    /** Default backward time: 60 ms. */
    public static final long DEFAULT_BACKWARD_NS = TimeUnit.MILLISECONDS.toNanos(60);
    /** Largest gradient: 1 GiB (one direct buffer per rank, all ranks in one process). */
    public static final long MAX_GRAD_BYTES = 1L << 30;

    public TrainConfig {
        if (dtype == null) {
            throw new IllegalArgumentException("--dtype is missing; accepted: float, double, bfloat16, half, int32, int64");
        }
        if (gradBytes < dtype.size() || gradBytes > MAX_GRAD_BYTES) {
            throw new IllegalArgumentException("--grad-size " + Units.formatSize(gradBytes) + " is out of range; accepted: "
                + dtype.size() + " B to 1 GiB");
        }
        if (gradBytes % dtype.size() != 0) {
            throw new IllegalArgumentException("--grad-size " + gradBytes + " B is not a whole number of " + dtype.ncclName() + " elements ("
                + dtype.size() + " B each)");
        }
        if (bucketBytes < dtype.size() || bucketBytes > gradBytes || bucketBytes % dtype.size() != 0) {
            throw new IllegalArgumentException("--bucket-size " + Units.formatSize(bucketBytes) + " is out of range; accepted: a whole number of "
                + dtype.ncclName() + " elements from " + dtype.size() + " B to the gradient size (" + Units.formatSize(gradBytes) + ")");
        }
        if (forwardNs < 0 || backwardNs < 0 || forwardNs > TimeUnit.HOURS.toNanos(1) || backwardNs > TimeUnit.HOURS.toNanos(1)) {
            throw new IllegalArgumentException("--forward " + Units.formatDuration(forwardNs) + " / --backward " + Units.formatDuration(backwardNs)
                + " out of range; accepted: 0 to 1 h each");
        }
        if (steps < 1 || steps > 100_000) {
            throw new IllegalArgumentException("--steps " + steps + " is out of range; accepted: 1 to 100000");
        }
        if (warmup < 0 || warmup > 100_000) {
            throw new IllegalArgumentException("--warmup " + warmup + " is out of range; accepted: 0 to 100000");
        }
        if (schedule == null) {
            throw new IllegalArgumentException("--schedule is missing; accepted: ddp, localsgd, diloco, streaming-diloco, async1");
        }
        if (schedule.kind() == TrainSchedule.Kind.STREAMING_DILOCO && schedule.fragments() > gradBytes / dtype.size()) {
            throw new IllegalArgumentException("--fragments " + schedule.fragments() + " is out of range; accepted: 1 to the gradient's "
                + gradBytes / dtype.size() + " elements");
        }
    }

    /** Synchronous DDP ({@link TrainSchedule#ddp()}). */
    public TrainConfig(final long gradBytes, final long bucketBytes, final long forwardNs, final long backwardNs, final int steps,
                       final int warmup, final DataType dtype) {
        this(gradBytes, bucketBytes, forwardNs, backwardNs, steps, warmup, dtype, TrainSchedule.ddp());
    }

    /** The defaults: 16 MiB float32 gradient, 4 MiB buckets, 30 ms forward, 60 ms backward, 5 steps after 1 warm-up. */
    public static TrainConfig defaults() {
        return new TrainConfig(DEFAULT_GRAD_BYTES, DEFAULT_BUCKET_BYTES, DEFAULT_FORWARD_NS, DEFAULT_BACKWARD_NS, 5, 1, DataType.FLOAT32);
    }

    public TrainConfig withSteps(final int measured, final int warm) {
        return new TrainConfig(gradBytes, bucketBytes, forwardNs, backwardNs, measured, warm, dtype, schedule);
    }

    public TrainConfig withSizes(final long grad, final long bucket) {
        return new TrainConfig(grad, bucket, forwardNs, backwardNs, steps, warmup, dtype, schedule);
    }

    public TrainConfig withCompute(final long forward, final long backward) {
        return new TrainConfig(gradBytes, bucketBytes, forward, backward, steps, warmup, dtype, schedule);
    }

    /** @return this configuration with another synchronization schedule. */
    public TrainConfig withSchedule(final TrainSchedule value) {
        return new TrainConfig(gradBytes, bucketBytes, forwardNs, backwardNs, steps, warmup, dtype, value);
    }

    /**
     * @return this configuration with its steps fitted to its schedule: a schedule with outer steps
     *         measures whole rounds of H steps, at least 2, after at least H warm-up steps (so the
     *         first outer sync, which also opens the inter-DC sessions, is not measured); async1
     *         warms up at least 2 steps (its first measured step would wait for step 0's
     *         all-reduce); ddp as it is.
     */
    public TrainConfig fittedToSchedule() {
        if (schedule.kind().hasOuterSteps()) {
            final int h = schedule.innerSteps();
            return withSteps(Math.max(2, (steps + h - 1) / h) * h, Math.max(warmup, h));
        }
        if (schedule.kind() == TrainSchedule.Kind.ASYNC1) {
            return withSteps(steps, Math.max(warmup, 2));
        }
        return this;
    }

    /** @return elements of the gradient (and of the pseudo-gradient of the outer steps). */
    public int gradElements() {
        return (int) (gradBytes / dtype.size());
    }

    /** @return compute time of one step: forward + backward. */
    public long computeNs() {
        return forwardNs + backwardNs;
    }

    /** @return the bucket sizes in bytes, in the order backward produces them (the last may be smaller). */
    public List<Long> bucketSizes() {
        final List<Long> out = new ArrayList<>();
        for (long off = 0; off < gradBytes; off += bucketBytes) {
            out.add(Math.min(bucketBytes, gradBytes - off));
        }
        return out;
    }

    @Override
    public String toString() {
        return "grad " + Units.formatSize(gradBytes) + " " + dtype.ncclName() + " in " + bucketSizes().size() + " buckets of "
            + Units.formatSize(bucketBytes) + ", forward " + Units.formatDuration(forwardNs) + ", backward "
            + Units.formatDuration(backwardNs) + ", " + steps + " steps + " + warmup + " warm-up"
            + (schedule.kind() == TrainSchedule.Kind.DDP ? "" : ", schedule " + schedule);
    }
}
