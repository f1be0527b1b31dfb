package io.longhaul.collectives.kernel;

/**
 * Conversions between {@code float} and the 16-bit formats: IEEE 754 binary16 ({@code half},
 * fp16) and bfloat16 (the upper 16 bits of a binary32). Narrowing rounds to nearest, ties to even;
 * NaN stays NaN (quiet), infinities and signed zeros are kept, fp16 overflows to infinity at
 * 65520 and keeps subnormals.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** @return the float value of the binary16 bits {@code h}. */
    public static float fp16ToFloat(final short h) {
        final int bits = h & 0xFFFF;
        final int sign = (bits & 0x8000) << 16;
        final int exp = (bits >>> 10) & 0x1F;
        final int mant = bits & 0x3FF;
        if (exp == 0) {
            final float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** @return {@code f} rounded to the nearest binary16 (ties to even), as bits. */
    public static short floatToFp16(final float f) {
        final int x = Float.floatToRawIntBits(f);
        final int sign = (x >>> 16) & 0x8000;
        final int abs = x & 0x7FFFFFFF;
        if (abs >= 0x7F800000) {
            if (abs > 0x7F800000) {
                return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x3FF));
            }
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x477FF000) {
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) {
            // Subnormal result: count units of 2^-24.
            if (abs <= 0x33000000) {
                return (short) sign;
            }
            final int e = abs >>> 23;
            final int m = (abs & 0x7FFFFF) | 0x800000;
            final int shift = 126 - e;
            int r = m >>> shift;
            final int rem = m & ((1 << shift) - 1);
            final int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (r & 1) != 0)) {
                r++;
            }
            return (short) (sign | r);
        }
        int h = (abs - 0x38000000) >>> 13;
        final int rem = abs & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++;
        }
        return (short) (sign | h);
    }

    /** @return the float value of the bfloat16 bits {@code b}. */
    public static float bf16ToFloat(final short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** @return {@code f} rounded to the nearest bfloat16 (ties to even), as bits. */
    public static short floatToBf16(final float f) {
        final int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x40);
        }
        final int lsb = (x >>> 16) & 1;
        return (short) ((x + 0x7FFF + lsb) >>> 16);
    }
}
