package io.longhaul.collectives.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class HalfFloatsTest {

    @Test
    void shouldRoundTripEveryFp16BitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            final float f = HalfFloats.fp16ToFloat((short) bits);
            final short back = HalfFloats.floatToFp16(f);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(HalfFloats.fp16ToFloat(back))).as("NaN 0x%04x", bits).isTrue();
            } else {
                assertThat(back & 0xFFFF).as("0x%04x -> %s", bits, f).isEqualTo(bits);
            }
        }
    }

    @Test
    void shouldRoundTripEveryBf16BitPattern() {
        for (int bits = 0; bits < 0x10000; bits++) {
            final float f = HalfFloats.bf16ToFloat((short) bits);
            final short back = HalfFloats.floatToBf16(f);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(HalfFloats.bf16ToFloat(back))).isTrue();
            } else {
                assertThat(back & 0xFFFF).as("0x%04x", bits).isEqualTo(bits);
            }
        }
    }

    @Test
    void shouldDecodeKnownFp16Values() {
        assertThat(HalfFloats.fp16ToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(HalfFloats.fp16ToFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(HalfFloats.fp16ToFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(HalfFloats.fp16ToFloat((short) 0x8000))).isEqualTo(0x80000000);
    }

    @Test
    void shouldRoundFp16ToNearestEven() {
        assertThat(HalfFloats.floatToFp16(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);          // tie, even stays
        assertThat(HalfFloats.floatToFp16(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);      // tie, odd rounds up
        assertThat(HalfFloats.floatToFp16(1f + 0x1p-11f + 0x1p-20f)).isEqualTo((short) 0x3C01); // above tie
        assertThat(HalfFloats.floatToFp16(65519f)).isEqualTo((short) 0x7BFF);
        assertThat(HalfFloats.floatToFp16(65520f)).isEqualTo((short) 0x7C00);
        assertThat(HalfFloats.floatToFp16(0x1p-25f)).isEqualTo((short) 0);                     // tie to even zero
        assertThat(HalfFloats.floatToFp16(0x1.8p-25f)).isEqualTo((short) 1);
        assertThat(HalfFloats.floatToFp16(3 * 0x1p-25f)).isEqualTo((short) 2);                 // 1.5 units, tie to even 2
        assertThat(HalfFloats.floatToFp16(-0f)).isEqualTo((short) 0x8000);
        assertThat(HalfFloats.floatToFp16(0x1.ffcp-15f)).isEqualTo((short) 0x0400);            // subnormal rounds up to min normal
    }

    @Test
    void shouldMatchAReferenceRoundingOnRandomFloats() {
        final long seed = 42;
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 200_000; i++) {
            final float f = Float.intBitsToFloat(random.nextInt()) ;
            if (Float.isNaN(f) || Math.abs(f) > 65504f) {
                continue;
            }
            final short h = HalfFloats.floatToFp16(f);
            final double got = HalfFloats.fp16ToFloat(h);
            final double down = HalfFloats.fp16ToFloat((short) (h - (got == 0 ? 0 : 1)));
            final double up = HalfFloats.fp16ToFloat((short) (h + 1));
            // No representable neighbour is strictly closer.
            assertThat(Math.abs(got - f)).as("seed %d f=%s", seed, f).isLessThanOrEqualTo(Math.abs(Math.abs(down) - Math.abs(f)) + 0.0);
            if (Math.abs(f) < 65504f && !Double.isInfinite(up)) {
                assertThat(Math.abs(got - f)).as("seed %d f=%s", seed, f).isLessThanOrEqualTo(Math.abs(Math.abs(up) - Math.abs(f)));
            }
            final short b = HalfFloats.floatToBf16(f);
            final float bg = HalfFloats.bf16ToFloat(b);
            assertThat(Math.abs((double) bg - f)).as("bf16 seed %d f=%s", seed, f)
                .isLessThanOrEqualTo(Math.abs((double) HalfFloats.bf16ToFloat((short) (b + 1)) - f));
        }
    }

    @Test
    void shouldRoundBf16ToNearestEvenAndKeepNaN() {
        assertThat(HalfFloats.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        assertThat(HalfFloats.floatToBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
        assertThat(HalfFloats.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001))))).isTrue();
    }
}
