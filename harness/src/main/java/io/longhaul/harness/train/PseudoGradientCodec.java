package io.longhaul.harness.train;

import java.nio.ByteBuffer;

/**
 * Blockwise absmax quantization of a float pseudo-gradient to 8- or 4-bit codes, for the outer
 * all-reduce of {@code --outer-dtype int8|int4}. INTELLECT-1 (Jaghouar et al. 2024,
 * arXiv:2412.01152) trained DiLoCo at scale with an int8 pseudo-gradient all-reduce; Streaming
 * DiLoCo (arXiv:2501.18512) reports 4-bit outer gradients without loss.
 *
 * <p>Encoding of {@code count} floats: blocks of {@link #BLOCK} elements (the last may be
 * shorter); per block a float32 scale s = max|x| / q with q = 127 (int8) or 7 (int4), and per
 * element the code round(x / s) in [-q, q] (0 when s = 0). Layout, little-endian: the scales
 * (4 bytes each), then the codes (int8: one signed byte each; int4: two's-complement nibbles, two
 * per byte, the lower element in the low nibble), zero-padded to a multiple of 4 bytes (the
 * all-gather moves int32 words). Decoding gives code · s, so each element is off by at most s/2.
 *
 * <p>The exchange ({@link TrainingLoop}): each rank encodes its slice, an all-gather across all
 * ranks gives every rank every rank's encoding, and each rank writes the mean of the n decoded
 * contributions (exact float arithmetic on the decoded values, the same on every rank).
 */
public final class PseudoGradientCodec {
    /** Elements per scale. */
    public static final int BLOCK = 256;

    private PseudoGradientCodec() {
    }

    private static int levels(final TrainSchedule.OuterDtype t) {
        switch (t) {
            case INT8:
                return 127;
            case INT4:
                return 7;
            default:
                throw new IllegalArgumentException("outer type " + t.flagName() + " is not quantized; accepted: int8, int4");
        }
    }

    private static int blocks(final int count) {
        return (count + BLOCK - 1) / BLOCK;
    }

    /** @return bytes of the encoding of {@code count} elements (a multiple of 4). */
    public static int encodedBytes(final int count, final TrainSchedule.OuterDtype t) {
        levels(t);
        final long codes = t == TrainSchedule.OuterDtype.INT8 ? count : (count + 1L) / 2;
        final long bytes = 4L * blocks(count) + codes;
        return Math.toIntExact((bytes + 3) / 4 * 4);
    }

    /**
     * Encodes the {@code count} floats of {@code src} starting at element {@code from} into
     * {@code dst} at byte {@code at} ({@link #encodedBytes} bytes). Buffers are little-endian,
     * absolute indices.
     */
    public static void encode(final ByteBuffer src, final int from, final int count, final TrainSchedule.OuterDtype t, final ByteBuffer dst,
                              final int at) {
        final int q = levels(t);
        final int nb = blocks(count);
        final int codesAt = at + 4 * nb;
        final int size = encodedBytes(count, t);
        for (int i = at; i < at + size; i++) {
            dst.put(i, (byte) 0);
        }
        for (int b = 0; b < nb; b++) {
            final int lo = b * BLOCK;
            final int hi = Math.min(count, lo + BLOCK);
            float max = 0;
            for (int i = lo; i < hi; i++) {
                max = Math.max(max, Math.abs(src.getFloat(4 * (from + i))));
            }
            final float scale = max / q;
            dst.putFloat(at + 4 * b, scale);
            for (int i = lo; i < hi; i++) {
                final int code = scale == 0 ? 0 : Math.max(-q, Math.min(q, Math.round(src.getFloat(4 * (from + i)) / scale)));
                if (t == TrainSchedule.OuterDtype.INT8) {
                    dst.put(codesAt + i, (byte) code);
                } else {
                    final int p = codesAt + i / 2;
                    final int nibble = code & 0xF;
                    dst.put(p, (byte) ((dst.get(p) & 0xFF) | ((i & 1) == 0 ? nibble : nibble << 4)));
                }
            }
        }
    }

    /** @return element {@code i} of the encoding of {@code count} elements at byte {@code at} of {@code enc}, decoded. */
    public static float decode(final ByteBuffer enc, final int at, final int count, final TrainSchedule.OuterDtype t, final int i) {
        levels(t);
        final int codesAt = at + 4 * blocks(count);
        final float scale = enc.getFloat(at + 4 * (i / BLOCK));
        final int code;
        if (t == TrainSchedule.OuterDtype.INT8) {
            code = enc.get(codesAt + i);
        } else {
            final int b = enc.get(codesAt + i / 2) & 0xFF;
            final int nibble = (i & 1) == 0 ? b & 0xF : b >>> 4;
            code = nibble >= 8 ? nibble - 16 : nibble;
        }
        return code * scale;
    }

    /**
     * Writes into {@code dst} (floats from element {@code from}) the mean over {@code ranks}
     * encodings of {@code count} elements, laid out one after the other in {@code gathered}
     * ({@link #encodedBytes} each, rank 0 first).
     */
    public static void decodeMean(final ByteBuffer gathered, final int ranks, final int count, final TrainSchedule.OuterDtype t,
                                  final ByteBuffer dst, final int from) {
        final int size = encodedBytes(count, t);
        for (int i = 0; i < count; i++) {
            float sum = 0;
            for (int r = 0; r < ranks; r++) {
                sum += decode(gathered, r * size, count, t, i);
            }
            dst.putFloat(4 * (from + i), sum / ranks);
        }
    }
}
