package io.longhaul.collectives.kernel;

import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * Element-wise reduction kernels over little-endian {@link ByteBuffer}s, direct or heap.
 *
 * <p>Each kernel moves blocks of {@value #BLOCK} elements between the buffer and per-thread
 * primitive arrays with the bulk {@code get/put} of a typed view, and combines the arrays in a
 * plain counted loop that C2 auto-vectorizes. Bulk copies run at memory speed, so the kernel
 * is bounded by memory bandwidth rather than by per-element bounds and byte-order checks. bf16
 * and fp16 are widened to float, combined, and rounded back to nearest even.
 *
 * <p>All offsets are absolute byte offsets; buffer positions and limits are not changed.
 */
public final class Reductions {
    /** Elements per block (16 KiB of float32 per operand). */
    public static final int BLOCK = 4096;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[] fa = new float[BLOCK];
        final float[] fb = new float[BLOCK];
        final double[] da = new double[BLOCK];
        final double[] db = new double[BLOCK];
        final int[] ia = new int[BLOCK];
        final int[] ib = new int[BLOCK];
        final long[] la = new long[BLOCK];
        final long[] lb = new long[BLOCK];
        final short[] sa = new short[BLOCK];
        final short[] sb = new short[BLOCK];
    }

    private Reductions() {
    }

    /**
     * {@code dst[i] = op(dst[i], src[i])} for {@code count} elements. {@link ReduceOp#AVG} combines
     * as a sum (divide once at the end with {@link #divide}).
     */
    public static void reduce(final DataType type, final ReduceOp op, final ByteBuffer dst, final int dstOffset,
                              final ByteBuffer src, final int srcOffset, final int count) {
        if (count <= 0) {
            return;
        }
        final int bytes = count * type.size();
        final ByteBuffer d = window(dst, dstOffset, bytes);
        final ByteBuffer s = window(src, srcOffset, bytes);
        final ReduceOp c = op.combiner();
        switch (type) {
            case FLOAT32:
                reduceFloat(c, d.asFloatBuffer(), s.asFloatBuffer(), count);
                break;
            case FLOAT64:
                reduceDouble(c, d.asDoubleBuffer(), s.asDoubleBuffer(), count);
                break;
            case INT32:
                reduceInt(c, d.asIntBuffer(), s.asIntBuffer(), count);
                break;
            case INT64:
                reduceLong(c, d.asLongBuffer(), s.asLongBuffer(), count);
                break;
            case BF16:
            case FP16:
                reduceHalf(type == DataType.BF16, c, d.asShortBuffer(), s.asShortBuffer(), count);
                break;
            default:
                throw new IllegalArgumentException("unsupported type " + type);
        }
    }

    /** {@code buf[i] = buf[i] / divisor} for {@code count} elements (truncating for integers). */
    public static void divide(final DataType type, final ByteBuffer buf, final int offset, final int count, final int divisor) {
        if (count <= 0 || divisor == 1) {
            return;
        }
        final ByteBuffer b = window(buf, offset, count * type.size());
        switch (type) {
            case FLOAT32: {
                final FloatBuffer v = b.asFloatBuffer();
                for (int i = 0; i < count; i++) {
                    v.put(i, v.get(i) / divisor);
                }
                break;
            }
            case FLOAT64: {
                final DoubleBuffer v = b.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    v.put(i, v.get(i) / divisor);
                }
                break;
            }
            case INT32: {
                final IntBuffer v = b.asIntBuffer();
                for (int i = 0; i < count; i++) {
                    v.put(i, v.get(i) / divisor);
                }
                break;
            }
            case INT64: {
                final LongBuffer v = b.asLongBuffer();
                for (int i = 0; i < count; i++) {
                    v.put(i, v.get(i) / divisor);
                }
                break;
            }
            case BF16:
            case FP16: {
                final boolean bf = type == DataType.BF16;
                final ShortBuffer v = b.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    v.put(i, fromFloat(bf, toFloat(bf, v.get(i)) / divisor));
                }
                break;
            }
            default:
                throw new IllegalArgumentException("unsupported type " + type);
        }
    }

    /** @return a little-endian buffer over {@code bytes} bytes of {@code buf} from absolute {@code offset}. */
    static ByteBuffer window(final ByteBuffer buf, final int offset, final int bytes) {
        return buf.duplicate().clear().position(offset).limit(offset + bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void reduceFloat(final ReduceOp op, final FloatBuffer d, final FloatBuffer s, final int count) {
        final Scratch t = SCRATCH.get();
        final float[] a = t.fa;
        final float[] b = t.fb;
        for (int base = 0; base < count; base += BLOCK) {
            final int n = Math.min(BLOCK, count - base);
            d.get(base, a, 0, n);
            s.get(base, b, 0, n);
            switch (op) {
                case SUM:
                    for (int i = 0; i < n; i++) {
                        a[i] += b[i];
                    }
                    break;
                case PROD:
                    for (int i = 0; i < n; i++) {
                        a[i] *= b[i];
                    }
                    break;
                case MIN:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.min(a[i], b[i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.max(a[i], b[i]);
                    }
                    break;
            }
            d.put(base, a, 0, n);
        }
    }

    private static void reduceDouble(final ReduceOp op, final DoubleBuffer d, final DoubleBuffer s, final int count) {
        final Scratch t = SCRATCH.get();
        final double[] a = t.da;
        final double[] b = t.db;
        for (int base = 0; base < count; base += BLOCK) {
            final int n = Math.min(BLOCK, count - base);
            d.get(base, a, 0, n);
            s.get(base, b, 0, n);
            switch (op) {
                case SUM:
                    for (int i = 0; i < n; i++) {
                        a[i] += b[i];
                    }
                    break;
                case PROD:
                    for (int i = 0; i < n; i++) {
                        a[i] *= b[i];
                    }
                    break;
                case MIN:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.min(a[i], b[i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.max(a[i], b[i]);
                    }
                    break;
            }
            d.put(base, a, 0, n);
        }
    }

    private static void reduceInt(final ReduceOp op, final IntBuffer d, final IntBuffer s, final int count) {
        final Scratch t = SCRATCH.get();
        final int[] a = t.ia;
        final int[] b = t.ib;
        for (int base = 0; base < count; base += BLOCK) {
            final int n = Math.min(BLOCK, count - base);
            d.get(base, a, 0, n);
            s.get(base, b, 0, n);
            switch (op) {
                case SUM:
                    for (int i = 0; i < n; i++) {
                        a[i] += b[i];
                    }
                    break;
                case PROD:
                    for (int i = 0; i < n; i++) {
                        a[i] *= b[i];
                    }
                    break;
                case MIN:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.min(a[i], b[i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.max(a[i], b[i]);
                    }
                    break;
            }
            d.put(base, a, 0, n);
        }
    }

    private static void reduceLong(final ReduceOp op, final LongBuffer d, final LongBuffer s, final int count) {
        final Scratch t = SCRATCH.get();
        final long[] a = t.la;
        final long[] b = t.lb;
        for (int base = 0; base < count; base += BLOCK) {
            final int n = Math.min(BLOCK, count - base);
            d.get(base, a, 0, n);
            s.get(base, b, 0, n);
            switch (op) {
                case SUM:
                    for (int i = 0; i < n; i++) {
                        a[i] += b[i];
                    }
                    break;
                case PROD:
                    for (int i = 0; i < n; i++) {
                        a[i] *= b[i];
                    }
                    break;
                case MIN:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.min(a[i], b[i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        a[i] = Math.max(a[i], b[i]);
                    }
                    break;
            }
            d.put(base, a, 0, n);
        }
    }

    private static void reduceHalf(final boolean bf, final ReduceOp op, final ShortBuffer d, final ShortBuffer s, final int count) {
        final Scratch t = SCRATCH.get();
        final short[] a = t.sa;
        final short[] b = t.sb;
        final float[] fa = t.fa;
        final float[] fb = t.fb;
        for (int base = 0; base < count; base += BLOCK) {
            final int n = Math.min(BLOCK, count - base);
            d.get(base, a, 0, n);
            s.get(base, b, 0, n);
            if (bf) {
                for (int i = 0; i < n; i++) {
                    fa[i] = Float.intBitsToFloat((a[i] & 0xFFFF) << 16);
                    fb[i] = Float.intBitsToFloat((b[i] & 0xFFFF) << 16);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    fa[i] = HalfFloats.fp16ToFloat(a[i]);
                    fb[i] = HalfFloats.fp16ToFloat(b[i]);
                }
            }
            switch (op) {
                case SUM:
                    for (int i = 0; i < n; i++) {
                        fa[i] += fb[i];
                    }
                    break;
                case PROD:
                    for (int i = 0; i < n; i++) {
                        fa[i] *= fb[i];
                    }
                    break;
                case MIN:
                    for (int i = 0; i < n; i++) {
                        fa[i] = Math.min(fa[i], fb[i]);
                    }
                    break;
                default:
                    for (int i = 0; i < n; i++) {
                        fa[i] = Math.max(fa[i], fb[i]);
                    }
                    break;
            }
            if (bf) {
                // Branch-free round-to-nearest-even so the loop vectorizes; NaN is made quiet.
                for (int i = 0; i < n; i++) {
                    final int x = Float.floatToRawIntBits(fa[i]);
                    final int rounded = (x + 0x7FFF + ((x >>> 16) & 1)) >>> 16;
                    final int nan = (x >>> 16) | 0x40;
                    a[i] = (short) ((x & 0x7FFFFFFF) > 0x7F800000 ? nan : rounded);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    a[i] = HalfFloats.floatToFp16(fa[i]);
                }
            }
            d.put(base, a, 0, n);
        }
    }

    static float toFloat(final boolean bf, final short v) {
        return bf ? HalfFloats.bf16ToFloat(v) : HalfFloats.fp16ToFloat(v);
    }

    static short fromFloat(final boolean bf, final float v) {
        return bf ? HalfFloats.floatToBf16(v) : HalfFloats.floatToFp16(v);
    }

    /** Reads element {@code index} of a little-endian buffer as a double (checkers and tests). */
    public static double get(final DataType type, final ByteBuffer buf, final int index) {
        final int at = index * type.size();
        final ByteBuffer b = buf.order() == ByteOrder.LITTLE_ENDIAN ? buf : buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT32: return b.getFloat(at);
            case FLOAT64: return b.getDouble(at);
            case INT32: return b.getInt(at);
            case INT64: return b.getLong(at);
            case BF16: return HalfFloats.bf16ToFloat(b.getShort(at));
            default: return HalfFloats.fp16ToFloat(b.getShort(at));
        }
    }

    /** Writes element {@code index} of a little-endian buffer from a double, rounding to the type. */
    public static void put(final DataType type, final ByteBuffer buf, final int index, final double value) {
        final int at = index * type.size();
        final ByteBuffer b = buf.order() == ByteOrder.LITTLE_ENDIAN ? buf : buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT32: b.putFloat(at, (float) value); break;
            case FLOAT64: b.putDouble(at, value); break;
            case INT32: b.putInt(at, (int) value); break;
            case INT64: b.putLong(at, (long) value); break;
            case BF16: b.putShort(at, HalfFloats.floatToBf16((float) value)); break;
            default: b.putShort(at, HalfFloats.floatToFp16((float) value)); break;
        }
    }
}
