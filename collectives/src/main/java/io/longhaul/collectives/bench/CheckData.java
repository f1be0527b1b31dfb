package io.longhaul.collectives.bench;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.kernel.Reductions;

import java.nio.ByteBuffer;

/**
 * nccl-tests-style input data whose result is known exactly: rank r's element i is a small
 * integer f(r, i), so sums, products, minima and maxima are exact in every type (bf16 included),
 * and for {@code avg} inputs are multiples of the rank count so the mean is an integer too.
 * {@link #countWrong} compares a result with the exact expectation element by element.
 *
 * <ul>
 *   <li>sum, min, max: f = 1 + (7r + 3i) mod 5 (partial sums ≤ 40);</li>
 *   <li>prod: f = 1 + (r + i) mod 2 (products are powers of two ≤ 2^8);</li>
 *   <li>avg: f = n · (1 + (7r + 3i) mod 5).</li>
 * </ul>
 */
public final class CheckData {
    private CheckData() {
    }

    /** @return rank {@code rank}'s input element {@code index} for {@code op} with {@code ranks} ranks. */
    public static double value(final ReduceOp op, final int rank, final long index, final int ranks) {
        switch (op) {
            case PROD:
                return 1 + (rank + index) % 2;
            case AVG:
                return (double) ranks * (1 + (7L * rank + 3 * index) % 5);
            default:
                return 1 + (7L * rank + 3 * index) % 5;
        }
    }

    /** @return the exact reduction over all ranks of element {@code index}. */
    public static double reduced(final ReduceOp op, final long index, final int ranks) {
        double acc = value(op, 0, index, ranks);
        for (int r = 1; r < ranks; r++) {
            final double v = value(op, r, index, ranks);
            switch (op) {
                case PROD: acc *= v; break;
                case MIN: acc = Math.min(acc, v); break;
                case MAX: acc = Math.max(acc, v); break;
                default: acc += v; break;
            }
        }
        return op == ReduceOp.AVG ? acc / ranks : acc;
    }

    /** Fills rank {@code rank}'s input of a collective (elements from the buffer's position). */
    public static void fillInput(final Collective c, final DataType type, final ReduceOp op, final int rank, final int ranks,
                                 final int count, final int root, final ByteBuffer input) {
        final ByteBuffer b = input.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final long elements = inputElements(c, count, ranks);
        final int r = c == Collective.BROADCAST ? root : rank;
        for (int i = 0; i < elements; i++) {
            Reductions.put(type, b, i, value(op, r, i, ranks));
        }
    }

    /** @return the exact value of output element {@code index} on rank {@code rank}. */
    public static double expected(final Collective c, final ReduceOp op, final int rank, final int ranks, final int count,
                                  final int root, final long index) {
        switch (c) {
            case ALL_REDUCE:
                return reduced(op, index, ranks);
            case REDUCE_SCATTER:
                return reduced(op, (long) rank * count + index, ranks);
            case ALL_GATHER:
                return value(op, (int) (index / Math.max(1, count)), index % Math.max(1, count), ranks);
            case BROADCAST:
                return value(op, root, index, ranks);
            default:
                return 0;
        }
    }

    /** @return how many output elements (from the buffer's position) differ from the exact result. */
    public static long countWrong(final Collective c, final DataType type, final ReduceOp op, final int rank, final int ranks,
                                  final int count, final int root, final ByteBuffer output) {
        final ByteBuffer b = output.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final long elements = outputElements(c, count, ranks);
        long wrong = 0;
        for (int i = 0; i < elements; i++) {
            if (Reductions.get(type, b, i) != expected(c, op, rank, ranks, count, root, i)) {
                wrong++;
            }
        }
        return wrong;
    }

    public static long inputElements(final Collective c, final int count, final int ranks) {
        return c == Collective.REDUCE_SCATTER ? (long) count * ranks : c == Collective.BARRIER ? 0 : count;
    }

    public static long outputElements(final Collective c, final int count, final int ranks) {
        return c == Collective.ALL_GATHER ? (long) count * ranks : c == Collective.BARRIER ? 0 : count;
    }
}
