package io.longhaul.collectives.kernel;

import io.longhaul.collectives.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A seeded randomized Hadamard transform, y = H·D·x / √b per block of b elements (H the b×b
 * Walsh–Hadamard matrix, D a diagonal of random ±1), computed with the fast Walsh–Hadamard
 * butterfly in b·log2(b) additions. It is orthonormal, so {@link #inverse} (x = D·H·y / √b)
 * undoes it up to rounding, and it is linear, so the transform of a sum is the sum of the
 * transforms: ranks transform their inputs, all-reduce, and invert. A lost packet then becomes
 * small noise spread over its whole block instead of a hole in a few coordinates (the use
 * OptiReduce, NSDI '25, makes of it).
 *
 * <p>Blocks: a count is cut greedily into powers of two of at most {@code maxBlock} (e.g. 1000
 * with maxBlock 512 into 512, 256, 128, 64, 32, 8), so no padding is needed; a block of one
 * element only has its sign flipped. The signs depend on the seed and the element's index only,
 * so every rank with the same seed applies the same transform. float32 and float64.
 */
public final class Hadamard {
    private static final ThreadLocal<float[]> FLOATS = new ThreadLocal<>();
    private static final ThreadLocal<double[]> DOUBLES = new ThreadLocal<>();

    private Hadamard() {
    }

    /** Transforms {@code count} elements of {@code buf} from byte offset {@code offset}, in place. */
    public static void forward(final DataType type, final ByteBuffer buf, final int offset, final int count, final int maxBlock,
                               final long seed) {
        apply(type, buf, offset, count, maxBlock, seed, true);
    }

    /** Undoes {@link #forward} with the same arguments. */
    public static void inverse(final DataType type, final ByteBuffer buf, final int offset, final int count, final int maxBlock,
                               final long seed) {
        apply(type, buf, offset, count, maxBlock, seed, false);
    }

    /** @return the size of the block that starts at element {@code start} of {@code count}. */
    public static int blockAt(final int start, final int count, final int maxBlock) {
        return Math.min(maxBlock, Integer.highestOneBit(count - start));
    }

    private static void apply(final DataType type, final ByteBuffer buf, final int offset, final int count, final int maxBlock,
                              final long seed, final boolean forward) {
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new IllegalArgumentException("the Hadamard transform supports float and double, not " + type.ncclName());
        }
        if (maxBlock < 1 || Integer.bitCount(maxBlock) != 1) {
            throw new IllegalArgumentException("maxBlock " + maxBlock + " is not a power of two");
        }
        final ByteBuffer b = buf.order() == ByteOrder.LITTLE_ENDIAN ? buf : buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int start = 0;
        while (start < count) {
            final int size = blockAt(start, count, maxBlock);
            if (type == DataType.FLOAT32) {
                floatBlock(b, offset + start * 4, start, size, seed, forward);
            } else {
                doubleBlock(b, offset + start * 8, start, size, seed, forward);
            }
            start += size;
        }
    }

    private static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Flips the sign of element j of a[0..size) when the seeded bit of element (first + j) is set. */
    private static void signs(final float[] a, final int first, final int size, final long seed) {
        long bits = 0;
        for (int j = 0; j < size; j++) {
            final int g = first + j;
            if (j == 0 || (g & 63) == 0) {
                bits = mix(seed * 0x9E3779B97F4A7C15L + (g >>> 6));
            }
            if (((bits >>> (g & 63)) & 1) != 0) {
                a[j] = -a[j];
            }
        }
    }

    private static void signs(final double[] a, final int first, final int size, final long seed) {
        long bits = 0;
        for (int j = 0; j < size; j++) {
            final int g = first + j;
            if (j == 0 || (g & 63) == 0) {
                bits = mix(seed * 0x9E3779B97F4A7C15L + (g >>> 6));
            }
            if (((bits >>> (g & 63)) & 1) != 0) {
                a[j] = -a[j];
            }
        }
    }

    /** In-place fast Walsh–Hadamard transform of a[0..n), n a power of two, scaled by 1/√n. */
    public static void fwht(final float[] a, final int n) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    final float x = a[j];
                    final float y = a[j + h];
                    a[j] = x + y;
                    a[j + h] = x - y;
                }
            }
        }
        final float scale = (float) (1.0 / Math.sqrt(n));
        for (int j = 0; j < n; j++) {
            a[j] *= scale;
        }
    }

    /** As {@link #fwht(float[], int)} for doubles. */
    public static void fwht(final double[] a, final int n) {
        for (int h = 1; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    final double x = a[j];
                    final double y = a[j + h];
                    a[j] = x + y;
                    a[j + h] = x - y;
                }
            }
        }
        final double scale = 1.0 / Math.sqrt(n);
        for (int j = 0; j < n; j++) {
            a[j] *= scale;
        }
    }

    private static void floatBlock(final ByteBuffer b, final int at, final int first, final int size, final long seed,
                                   final boolean forward) {
        float[] a = FLOATS.get();
        if (a == null || a.length < size) {
            a = new float[Math.max(size, 1024)];
            FLOATS.set(a);
        }
        final java.nio.FloatBuffer view = b.duplicate().position(at).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        view.get(0, a, 0, size);
        if (forward) {
            signs(a, first, size, seed);
            fwht(a, size);
        } else {
            fwht(a, size);
            signs(a, first, size, seed);
        }
        view.put(0, a, 0, size);
    }

    private static void doubleBlock(final ByteBuffer b, final int at, final int first, final int size, final long seed,
                                    final boolean forward) {
        double[] a = DOUBLES.get();
        if (a == null || a.length < size) {
            a = new double[Math.max(size, 1024)];
            DOUBLES.set(a);
        }
        final java.nio.DoubleBuffer view = b.duplicate().position(at).slice().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer();
        view.get(0, a, 0, size);
        if (forward) {
            signs(a, first, size, seed);
            fwht(a, size);
        } else {
            fwht(a, size);
            signs(a, first, size, seed);
        }
        view.put(0, a, 0, size);
    }
}
