package io.longhaul.collectives.bench;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ErrorStats;
import io.longhaul.collectives.Mode;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.kernel.Reductions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The nccl-tests size sweep as one rank runs it, for groups whose ranks live in different
 * processes (or threads): every rank calls {@link #run} with the same options on its own
 * communicator. Per size and placement (out-of-place, then in-place): {@code warmup} operations,
 * {@code iterations} timed blocking operations, then with {@code check} one operation on fresh
 * {@link CheckData} whose wrong elements this rank counts. The ranks then combine their numbers
 * with an all-reduce over the same communicator, as nccl-tests does with MPI: the time is the
 * average over ranks (nccl-tests' default {@code -a 1}), #wrong the sum. These statistics
 * travel in a reliable all-reduce whatever the communicator's mode.
 *
 * <p>In {@link Mode#BOUNDED} a row also carries the fraction of bytes received (mean over ranks
 * and timed operations) and, with checking, the relative L2 and max absolute error of the checked
 * operation against the exact result; #wrong then counts elements that differ from the exact
 * result although their operation did not report them as affected (with the Hadamard transform:
 * by more than {@value #HADAMARD_TOLERANCE} relatively, the transform's rounding).
 */
public final class RankBenchmark {
    private RankBenchmark() {
    }

    /** @return one row per size, the same on every rank. */
    public static List<NcclTestsReport.Row> run(final Communicator comm, final BenchOptions options) {
        return run(comm, options, row -> { });
    }

    /** As {@link #run(Communicator, BenchOptions)}, handing each row to {@code onRow} as soon as it is measured. */
    public static List<NcclTestsReport.Row> run(final Communicator comm, final BenchOptions options,
                                                final Consumer<NcclTestsReport.Row> onRow) {
        final List<NcclTestsReport.Row> rows = new ArrayList<>();
        final List<Long> sizes = options.sizes(comm.size());
        if (!sizes.isEmpty()) {
            // Unmeasured pass over the first size: the JIT compiler warms up here rather than in
            // the first row (nccl-tests' warm-up iterations warm caches and connections; a JVM
            // needs this too).
            runSize(comm, options, sizes.get(0));
        }
        for (final long size : sizes) {
            final NcclTestsReport.Row row = runSize(comm, options, size);
            rows.add(row);
            onRow.accept(row);
        }
        return rows;
    }

    /**
     * Runs one operation of the first size, as every rank's first, and returns how long it took
     * here (ns): what a job's first step costs before the JIT compiler has caught up.
     */
    public static long firstOperationNs(final Communicator comm, final BenchOptions o) {
        final List<Long> sizes = o.sizes(comm.size());
        final long bytes = sizes.isEmpty() ? 0 : sizes.get(0);
        final int n = comm.size();
        final Collective c = o.collective();
        final long total = bytes / o.type().size();
        final int count = (int) (c == Collective.REDUCE_SCATTER || c == Collective.ALL_GATHER ? total / n : total);
        final long inBytes = CheckData.inputElements(c, count, n) * o.type().size();
        final long outBytes = CheckData.outputElements(c, count, n) * o.type().size();
        final ByteBuffer in = ByteBuffer.allocateDirect((int) Math.max(1, inBytes)).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = ByteBuffer.allocateDirect((int) Math.max(1, outBytes)).order(ByteOrder.LITTLE_ENDIAN);
        final long t0 = System.nanoTime();
        runOnce(comm, o, count, c == Collective.BROADCAST ? o.root() % n : -1, in, out);
        return System.nanoTime() - t0;
    }

    private static NcclTestsReport.Row runSize(final Communicator comm, final BenchOptions o, final long bytes) {
        final int n = comm.size();
        final Collective c = o.collective();
        final long total = bytes / o.type().size();
        final int count = (int) (c == Collective.REDUCE_SCATTER || c == Collective.ALL_GATHER ? total / n : total);
        final int root = c == Collective.BROADCAST ? o.root() % n : -1;
        final double[] local = new double[SLOTS];
        measure(comm, o, count, root, false, local, 0);
        measure(comm, o, count, root, true, local, 1);
        final double[] sum = local.clone();
        final double[] max = {local[MAX_ABS], local[MAX_ABS + 1]};
        comm.allReduceExact(sum, ReduceOp.SUM);
        final double factor = c.busBandwidthFactor(n);
        final long wrongOut = o.check() ? (long) sum[2] : -1;
        final long wrongIn = o.check() ? (long) sum[3] : -1;
        final String redop = c.reduces() ? o.op().ncclName() : "none";
        if (!isBounded(comm, c)) {
            return new NcclTestsReport.Row(bytes, total, o.type().ncclName(), redop, root,
                NcclTestsReport.Result.of(bytes, sum[0] / n, factor, wrongOut), NcclTestsReport.Result.of(bytes, sum[1] / n, factor, wrongIn));
        }
        comm.allReduceExact(max, ReduceOp.MAX);
        final NcclTestsReport.Result[] results = new NcclTestsReport.Result[2];
        for (int p = 0; p < 2; p++) {
            final double rel = !o.check() ? Double.NaN : sum[SQ_ERR + p] == 0 ? 0 : Math.sqrt(sum[SQ_ERR + p] / sum[SQ_EXACT + p]);
            results[p] = NcclTestsReport.Result.bounded(bytes, sum[p] / n, factor, p == 0 ? wrongOut : wrongIn, sum[RECV + p] / n,
                rel, o.check() ? max[p] : Double.NaN, o.check() ? (long) sum[AFFECTED + p] : -1);
        }
        return new NcclTestsReport.Row(bytes, total, o.type().ncclName(), redop, root, results[0], results[1]);
    }

    // Slots of the per-rank statistics, each for out-of-place (+0) and in-place (+1).
    private static final int RECV = 4;
    private static final int SQ_ERR = 6;
    private static final int SQ_EXACT = 8;
    private static final int AFFECTED = 10;
    private static final int MAX_ABS = 12;
    private static final int SLOTS = 14;
    /** With the Hadamard transform an element not reported as affected may still differ by rounding: this much, relatively. */
    static final double HADAMARD_TOLERANCE = 1e-4;

    private static boolean isBounded(final Communicator comm, final Collective c) {
        return comm.config().mode() == Mode.BOUNDED
            && (c == Collective.ALL_REDUCE || c == Collective.REDUCE_SCATTER || c == Collective.ALL_GATHER);
    }

    /** Stores this rank's average time (us) in {@code out[slot]} and its wrong elements in {@code out[slot + 2]}. */
    private static void measure(final Communicator comm, final BenchOptions o, final int count, final int root,
                                final boolean inPlace, final double[] out, final int slot) {
        final int n = comm.size();
        final int r = comm.rank();
        final Collective c = o.collective();
        final DataType type = o.type();
        final int es = type.size();
        final long inBytes = CheckData.inputElements(c, count, n) * es;
        final long outBytes = CheckData.outputElements(c, count, n) * es;
        final ByteBuffer output = ByteBuffer.allocateDirect((int) Math.max(inPlace ? inBytes : 0, outBytes)).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer input = inPlace ? output : ByteBuffer.allocateDirect((int) inBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < o.warmup(); i++) {
            runOnce(comm, o, count, root, input, output);
        }
        final boolean bounded = isBounded(comm, c);
        double recv = 0;
        final long t0 = System.nanoTime();
        for (int i = 0; i < o.iterations(); i++) {
            runOnce(comm, o, count, root, input, output);
            if (bounded) {
                recv += comm.lastReport().receivedFraction();
            }
        }
        out[slot] = (System.nanoTime() - t0) / 1e3 / o.iterations();
        out[RECV + slot] = recv / o.iterations();
        if (!o.check()) {
            return;
        }
        if (c == Collective.BROADCAST && r != root) {
            final ByteBuffer z = output.duplicate().clear();
            while (z.hasRemaining()) {
                z.put((byte) 0);
            }
        } else {
            CheckData.fillInput(c, type, o.op(), r, n, count, root, inPlace && c == Collective.ALL_GATHER
                ? output.duplicate().position(r * count * es) : input);
        }
        runOnce(comm, o, count, root, input, output);
        final ByteBuffer result = inPlace && c == Collective.REDUCE_SCATTER ? output.duplicate().position(r * count * es) : output;
        if (!bounded) {
            out[slot + 2] = CheckData.countWrong(c, type, o.op(), r, n, count, root, result);
            return;
        }
        final int elements = (int) CheckData.outputElements(c, count, n);
        final java.util.BitSet affected = comm.lastAffected();
        final boolean hadamard = comm.config().hadamard() && c == Collective.ALL_REDUCE;
        final ErrorStats err = ErrorStats.of(type, result, elements, i -> CheckData.expected(c, o.op(), r, n, count, root, i));
        final ByteBuffer b = result.slice().order(ByteOrder.LITTLE_ENDIAN);
        long silent = 0;
        for (int i = 0; i < elements; i++) {
            if (affected != null && affected.get(i)) {
                continue;
            }
            final double e = CheckData.expected(c, o.op(), r, n, count, root, i);
            final double d = Math.abs(Reductions.get(type, b, i) - e);
            if (hadamard ? d > HADAMARD_TOLERANCE * Math.max(1, Math.abs(e)) : d != 0) {
                silent++;
            }
        }
        out[slot + 2] = silent;
        out[SQ_ERR + slot] = err.sumSquaredError();
        out[SQ_EXACT + slot] = err.sumSquaredExact();
        out[AFFECTED + slot] = affected == null ? 0 : affected.cardinality();
        out[MAX_ABS + slot] = err.maxAbsError();
    }

    private static void runOnce(final Communicator comm, final BenchOptions o, final int count, final int root,
                                final ByteBuffer in, final ByteBuffer out) {
        switch (o.collective()) {
            case ALL_REDUCE:
                comm.allReduce(in, out, count, o.type(), o.op());
                break;
            case REDUCE_SCATTER:
                comm.reduceScatter(in, out, count, o.type(), o.op());
                break;
            case ALL_GATHER:
                comm.allGather(in, out, count, o.type());
                break;
            case BROADCAST:
                comm.broadcast(in, out, count, o.type(), root);
                break;
            default:
                comm.barrier();
                break;
        }
    }
}
