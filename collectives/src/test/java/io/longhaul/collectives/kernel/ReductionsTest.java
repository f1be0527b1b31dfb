package io.longhaul.collectives.kernel;

import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ReductionsTest {

    private static double scalar(final ReduceOp op, final double a, final double b) {
        switch (op) {
            case PROD: return a * b;
            case MIN: return Math.min(a, b);
            case MAX: return Math.max(a, b);
            default: return a + b;
        }
    }

    @Test
    void shouldMatchScalarReductionForEveryTypeAndOpAtOffsetsAcrossBlocks() {
        final long seed = 7;
        final SplittableRandom random = new SplittableRandom(seed);
        final int count = Reductions.BLOCK * 2 + 13;
        for (final DataType t : DataType.values()) {
            for (final ReduceOp op : ReduceOp.values()) {
                for (final boolean direct : new boolean[] {false, true}) {
                    final int dOff = 3 * t.size();
                    final int sOff = 5 * t.size();
                    final ByteBuffer d = alloc((count + 3) * t.size(), direct);
                    final ByteBuffer s = alloc((count + 5) * t.size(), direct);
                    final double[] expected = new double[count];
                    for (int i = 0; i < count; i++) {
                        final double a = random.nextInt(-8, 9);
                        final double b = random.nextInt(-8, 9);
                        Reductions.put(t, d, i + 3, a);
                        Reductions.put(t, s, i + 5, b);
                        expected[i] = scalar(op, a, b);
                    }
                    Reductions.reduce(t, op, d, dOff, s, sOff, count);
                    for (int i = 0; i < count; i++) {
                        assertThat(Reductions.get(t, d, i + 3)).as("seed %d %s %s direct=%s i=%d", seed, t, op, direct, i)
                            .isEqualTo(expected[i]);
                    }
                    assertThat(d.position()).isZero();
                }
            }
        }
    }

    @Test
    void shouldDivideForAverageTruncatingIntegers() {
        for (final DataType t : DataType.values()) {
            final ByteBuffer b = alloc(3 * t.size(), true);
            Reductions.put(t, b, 0, 12);
            Reductions.put(t, b, 1, 7);
            Reductions.put(t, b, 2, -7);
            Reductions.divide(t, b, 0, 3, 4);
            assertThat(Reductions.get(t, b, 0)).as("%s", t).isEqualTo(3);
            if (t.isFloatingPoint()) {
                assertThat(Reductions.get(t, b, 1)).as("%s", t).isEqualTo(1.75);
            } else {
                assertThat(Reductions.get(t, b, 1)).isEqualTo(1);
                assertThat(Reductions.get(t, b, 2)).isEqualTo(-1);
            }
        }
    }

    private static ByteBuffer alloc(final int bytes, final boolean direct) {
        return (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
