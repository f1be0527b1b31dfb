package io.longhaul.collectives.kernel;

import io.longhaul.collectives.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

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
        if (count <= 0) {
            return;
        }
        final ByteBuffer b = buf.duplicate().position(offset).limit(offset + count * type.size()).slice().order(ByteOrder.LITTLE_ENDIAN);
        final int largest = blockAt(0, count, maxBlock);
        if (type == DataType.FLOAT32) {
            float[] a = FLOATS.get();
            if (a == null || a.length < largest) {
                a = new float[Math.max(largest, 1024)];
                FLOATS.set(a);
            }
            final FloatBuffer view = b.asFloatBuffer();
            int start = 0;
            while (start < count) {
                final int size = blockAt(start, count, maxBlock);
                view.get(start, a, 0, size);
                if (forward) {
                    signs(a, start, size, seed, (float) (1.0 / Math.sqrt(size)));
                    butterflies(a, size);
                } else {
                    butterflies(a, size);
                    signs(a, start, size, seed, (float) (1.0 / Math.sqrt(size)));
                }
                view.put(start, a, 0, size);
                start += size;
            }
        } else {
            double[] a = DOUBLES.get();
            if (a == null || a.length < largest) {
                a = new double[Math.max(largest, 1024)];
                DOUBLES.set(a);
            }
            final DoubleBuffer view = b.asDoubleBuffer();
            int start = 0;
            while (start < count) {
                final int size = blockAt(start, count, maxBlock);
                view.get(start, a, 0, size);
                if (forward) {
                    signs(a, start, size, seed, 1.0 / Math.sqrt(size));
                    butterflies(a, size);
                } else {
                    butterflies(a, size);
                    signs(a, start, size, seed, 1.0 / Math.sqrt(size));
                }
                view.put(start, a, 0, size);
                start += size;
            }
        }
    }

    private static long mix(final long x) {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * a[j] *= ±scale, the sign taken from bit (first + j) mod 64 of a hash of the seed and
     * (first + j) / 64 (a block starts at a multiple of its size, so at a multiple of 64 when it
     * has more than 64 elements); branch-free, flipping the IEEE sign bit.
     */
    private static void signs(final float[] a, final int first, final int size, final long seed, final float scale) {
        int j = 0;
        while (j < size) {
            final int g = first + j;
            final long bits = mix(seed * 0x9E3779B97F4A7C15L + (g >>> 6));
            final int end = Math.min(size, j + 64 - (g & 63));
            for (int k = j; k < end; k++) {
                final int bit = (int) (bits >>> ((first + k) & 63)) & 1;
                a[k] = Float.intBitsToFloat(Float.floatToRawIntBits(a[k] * scale) ^ (bit << 31));
            }
            j = end;
        }
    }

    private static void signs(final double[] a, final int first, final int size, final long seed, final double scale) {
        int j = 0;
        while (j < size) {
            final int g = first + j;
            final long bits = mix(seed * 0x9E3779B97F4A7C15L + (g >>> 6));
            final int end = Math.min(size, j + 64 - (g & 63));
            for (int k = j; k < end; k++) {
                final long bit = (bits >>> ((first + k) & 63)) & 1;
                a[k] = Double.longBitsToDouble(Double.doubleToRawLongBits(a[k] * scale) ^ (bit << 63));
            }
            j = end;
        }
    }

    /** The unscaled Walsh–Hadamard butterflies over a[0..n), n a power of two: first two stages fused (radix 4). */
    private static void butterflies(final float[] a, final int n) {
        int h = 1;
        if (n >= 4) {
            for (int i = 0; i < n; i += 4) {
                final float x0 = a[i];
                final float x1 = a[i + 1];
                final float x2 = a[i + 2];
                final float x3 = a[i + 3];
                final float s01 = x0 + x1;
                final float d01 = x0 - x1;
                final float s23 = x2 + x3;
                final float d23 = x2 - x3;
                a[i] = s01 + s23;
                a[i + 1] = d01 + d23;
                a[i + 2] = s01 - s23;
                a[i + 3] = d01 - d23;
            }
            h = 4;
        }
        for (; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    final float x = a[j];
                    final float y = a[j + h];
                    a[j] = x + y;
                    a[j + h] = x - y;
                }
            }
        }
    }

    private static void butterflies(final double[] a, final int n) {
        int h = 1;
        if (n >= 4) {
            for (int i = 0; i < n; i += 4) {
                final double x0 = a[i];
                final double x1 = a[i + 1];
                final double x2 = a[i + 2];
                final double x3 = a[i + 3];
                final double s01 = x0 + x1;
                final double d01 = x0 - x1;
                final double s23 = x2 + x3;
                final double d23 = x2 - x3;
                a[i] = s01 + s23;
                a[i + 1] = d01 + d23;
                a[i + 2] = s01 - s23;
                a[i + 3] = d01 - d23;
            }
            h = 4;
        }
        for (; h < n; h <<= 1) {
            for (int i = 0; i < n; i += h << 1) {
                for (int j = i; j < i + h; j++) {
                    final double x = a[j];
                    final double y = a[j + h];
                    a[j] = x + y;
                    a[j + h] = x - y;
                }
            }
        }
    }

    /** In-place fast Walsh–Hadamard transform of a[0..n), n a power of two, scaled by 1/√n (orthonormal). */
    public static void fwht(final float[] a, final int n) {
        butterflies(a, n);
        final float scale = (float) (1.0 / Math.sqrt(n));
        for (int j = 0; j < n; j++) {
            a[j] *= scale;
        }
    }

    /** As {@link #fwht(float[], int)} for doubles. */
    public static void fwht(final double[] a, final int n) {
        butterflies(a, n);
        final double scale = 1.0 / Math.sqrt(n);
        for (int j = 0; j < n; j++) {
            a[j] *= scale;
        }
    }
}
