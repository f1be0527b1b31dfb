package io.longhaul.collectives.bench;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The nccl-tests options of a collective benchmark, independent of any command-line parser:
 * {@code -b} minBytes, {@code -e} maxBytes, {@code -f} stepFactor (or {@code -i} stepBytes when
 * the factor is 1), {@code -n} iterations, {@code -w} warmup iterations, {@code -c} check,
 * {@code -d} data type, {@code -o} op, {@code -r} root, plus the algorithm.
 */
public record BenchOptions(Collective collective, long minBytes, long maxBytes, int stepFactor, long stepBytes,
                           int iterations, int warmup, boolean check, DataType type, ReduceOp op, int root, Algorithm algorithm) {

    /** nccl-tests defaults: -b 32M -e 32M -f 1 -i 1M -n 20 -w 5 -c 1 -d float -o sum -r 0. */
    public static BenchOptions defaults(final Collective collective) {
        return new BenchOptions(collective, 32L << 20, 32L << 20, 1, 1L << 20, 20, 5, true, DataType.FLOAT32, ReduceOp.SUM, 0,
            Algorithm.AUTO);
    }

    public BenchOptions {
        if (minBytes < 0 || maxBytes < minBytes) {
            throw new IllegalArgumentException("byte range -b " + minBytes + " -e " + maxBytes + " is invalid; accepted: 0 <= b <= e");
        }
        if (maxBytes > (1L << 31) - 1) {
            throw new IllegalArgumentException("-e " + maxBytes + " is out of range; accepted: <= 2147483647 bytes");
        }
        if (stepFactor < 1) {
            throw new IllegalArgumentException("-f " + stepFactor + " is out of range; accepted: >= 1");
        }
        if (stepFactor == 1 && stepBytes < 1 && maxBytes > minBytes) {
            throw new IllegalArgumentException("-i " + stepBytes + " is out of range; accepted: >= 1 when -f is 1");
        }
        if (iterations < 1 || warmup < 0) {
            throw new IllegalArgumentException("-n " + iterations + " -w " + warmup + " out of range; accepted: n >= 1, w >= 0");
        }
        if (root < 0) {
            throw new IllegalArgumentException("-r " + root + " is out of range; accepted: >= 0");
        }
    }

    public BenchOptions withSizes(final long min, final long max, final int factor) {
        return new BenchOptions(collective, min, max, factor, stepBytes, iterations, warmup, check, type, op, root, algorithm);
    }

    public BenchOptions withIterations(final int n, final int w) {
        return new BenchOptions(collective, minBytes, maxBytes, stepFactor, stepBytes, n, w, check, type, op, root, algorithm);
    }

    public BenchOptions withType(final DataType t, final ReduceOp o) {
        return new BenchOptions(collective, minBytes, maxBytes, stepFactor, stepBytes, iterations, warmup, check, t, o, root, algorithm);
    }

    public BenchOptions withAlgorithm(final Algorithm a) {
        return new BenchOptions(collective, minBytes, maxBytes, stepFactor, stepBytes, iterations, warmup, check, type, op, root, a);
    }

    /**
     * The sizes of the sweep, as nccl-tests computes them: from minBytes, multiplied by stepFactor
     * (or increased by stepBytes when the factor is 1) while ≤ maxBytes; each rounded down to a
     * whole number of elements, and for reduce-scatter and all-gather to a multiple of ranks elements.
     */
    public List<Long> sizes(final int ranks) {
        final List<Long> out = new ArrayList<>();
        final long align = (long) type.size() * (collective == Collective.REDUCE_SCATTER || collective == Collective.ALL_GATHER ? ranks : 1);
        long size = minBytes;
        while (size <= maxBytes) {
            out.add(size / align * align);
            final long next = stepFactor > 1 ? size * stepFactor : size + stepBytes;
            if (next <= size) {
                break;
            }
            size = next;
        }
        return out;
    }

    /** Parses a size with an optional K, M, G suffix (powers of 1024, as nccl-tests). */
    public static long parseSize(final String text) {
        final String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty size; accepted: a number with an optional K, M or G suffix");
        }
        final char last = t.charAt(t.length() - 1);
        final long mult = last == 'K' ? 1L << 10 : last == 'M' ? 1L << 20 : last == 'G' ? 1L << 30 : 1;
        final String digits = mult == 1 ? t : t.substring(0, t.length() - 1);
        try {
            final long v = Long.parseLong(digits.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, mult);
        } catch (final NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("bad size '" + text + "'; accepted: a non-negative number with an optional K, M or G suffix");
        }
    }
}
