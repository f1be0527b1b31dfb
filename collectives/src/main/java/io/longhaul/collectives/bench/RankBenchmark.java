package io.longhaul.collectives.bench;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;

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
 * average over ranks (nccl-tests' default {@code -a 1}), #wrong the sum.
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

    private static NcclTestsReport.Row runSize(final Communicator comm, final BenchOptions o, final long bytes) {
        final int n = comm.size();
        final Collective c = o.collective();
        final long total = bytes / o.type().size();
        final int count = (int) (c == Collective.REDUCE_SCATTER || c == Collective.ALL_GATHER ? total / n : total);
        final int root = c == Collective.BROADCAST ? o.root() % n : -1;
        final double[] local = new double[4];
        measure(comm, o, count, root, false, local, 0);
        measure(comm, o, count, root, true, local, 1);
        final double[] sum = local.clone();
        comm.allReduce(sum, ReduceOp.SUM);
        final double factor = c.busBandwidthFactor(n);
        final long wrongOut = o.check() ? (long) sum[2] : -1;
        final long wrongIn = o.check() ? (long) sum[3] : -1;
        final String redop = c.reduces() ? o.op().ncclName() : "none";
        return new NcclTestsReport.Row(bytes, total, o.type().ncclName(), redop, root,
            NcclTestsReport.Result.of(bytes, sum[0] / n, factor, wrongOut), NcclTestsReport.Result.of(bytes, sum[1] / n, factor, wrongIn));
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
        final long t0 = System.nanoTime();
        for (int i = 0; i < o.iterations(); i++) {
            runOnce(comm, o, count, root, input, output);
        }
        out[slot] = (System.nanoTime() - t0) / 1e3 / o.iterations();
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
        out[slot + 2] = CheckData.countWrong(c, type, o.op(), r, n, count, root, result);
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
