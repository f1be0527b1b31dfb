package io.longhaul.collectives;

import io.longhaul.collectives.kernel.Reductions;

import java.nio.ByteBuffer;
import java.util.function.LongToDoubleFunction;

/**
 * The error of a result against the exact one: relative L2 error ‖a − e‖₂ / ‖e‖₂ and the largest
 * absolute error max |aᵢ − eᵢ|, accumulated over any number of buffers (ranks) with {@link #plus}.
 *
 * @param sumSquaredError  Σ (aᵢ − eᵢ)².
 * @param sumSquaredExact  Σ eᵢ².
 * @param maxAbsError      max |aᵢ − eᵢ|.
 * @param elements         elements compared.
 * @param wrong            elements with aᵢ ≠ eᵢ.
 */
public record ErrorStats(double sumSquaredError, double sumSquaredExact, double maxAbsError, long elements, long wrong) {
    /** Nothing compared yet. */
    public static final ErrorStats NONE = new ErrorStats(0, 0, 0, 0, 0);

    /** @return the error of {@code count} elements of {@code actual} (from its position) against {@code exact(i)}. */
    public static ErrorStats of(final DataType type, final ByteBuffer actual, final int count, final LongToDoubleFunction exact) {
        final ByteBuffer b = actual.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        double se = 0;
        double sx = 0;
        double max = 0;
        long wrong = 0;
        for (int i = 0; i < count; i++) {
            final double e = exact.applyAsDouble(i);
            final double a = Reductions.get(type, b, i);
            final double d = a - e;
            if (d != 0 || Double.isNaN(a)) {
                wrong++;
            }
            se += d * d;
            sx += e * e;
            max = Math.max(max, Math.abs(d));
        }
        return new ErrorStats(se, sx, max, count, wrong);
    }

    /** @return the two accumulated together. */
    public ErrorStats plus(final ErrorStats o) {
        return new ErrorStats(sumSquaredError + o.sumSquaredError, sumSquaredExact + o.sumSquaredExact,
            Math.max(maxAbsError, o.maxAbsError), elements + o.elements, wrong + o.wrong);
    }

    /** @return ‖a − e‖₂ / ‖e‖₂ (0 when both are 0; infinite when only the exact result is 0). */
    public double relativeL2() {
        if (sumSquaredError == 0) {
            return 0;
        }
        return sumSquaredExact == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(sumSquaredError / sumSquaredExact);
    }
}
