package io.longhaul.collectives;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Copies Java primitive arrays into little-endian heap buffers and back. */
final class ArrayBuffers {
    private ArrayBuffers() {
    }

    record Wrapped(ByteBuffer buffer, DataType type, int count) {
        void copyBack(final Object array) {
            final ByteBuffer b = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear();
            if (array instanceof float[]) {
                b.asFloatBuffer().get((float[]) array);
            } else if (array instanceof double[]) {
                b.asDoubleBuffer().get((double[]) array);
            } else if (array instanceof int[]) {
                b.asIntBuffer().get((int[]) array);
            } else {
                b.asLongBuffer().get((long[]) array);
            }
        }
    }

    static Wrapped wrap(final Object array) {
        if (array instanceof float[]) {
            final float[] a = (float[]) array;
            final ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(a);
            return new Wrapped(b, DataType.FLOAT32, a.length);
        }
        if (array instanceof double[]) {
            final double[] a = (double[]) array;
            final ByteBuffer b = ByteBuffer.allocate(a.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asDoubleBuffer().put(a);
            return new Wrapped(b, DataType.FLOAT64, a.length);
        }
        if (array instanceof int[]) {
            final int[] a = (int[]) array;
            final ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(a);
            return new Wrapped(b, DataType.INT32, a.length);
        }
        if (array instanceof long[]) {
            final long[] a = (long[]) array;
            final ByteBuffer b = ByteBuffer.allocate(a.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(a);
            return new Wrapped(b, DataType.INT64, a.length);
        }
        throw new IllegalArgumentException("unsupported array " + (array == null ? "null" : array.getClass().getSimpleName())
            + "; accepted: float[], double[], int[], long[]");
    }

    static void requireSame(final Wrapped small, final Wrapped large, final long expectedLargeCount) {
        if (small.type() != large.type()) {
            throw new IllegalArgumentException("arrays differ in type: " + small.type() + " and " + large.type());
        }
        if (large.count() != expectedLargeCount) {
            throw new IllegalArgumentException("array of " + large.count() + " elements where " + expectedLargeCount + " are needed");
        }
    }
}
