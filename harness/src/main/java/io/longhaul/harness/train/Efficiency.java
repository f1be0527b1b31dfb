package io.longhaul.harness.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A training efficiency (step time at 0 km ÷ step time at the distance) with what it is worth.
 *
 * <p>On a real-time backend each cell is measured as pairs of runs, the 0 km twin and the
 * distance run back to back, in alternating order (twin first in even pairs, distance first in
 * odd ones, so a slow drift of the machine falls on both equally). The estimate is the median of
 * the pairs' ratios; the interval is a 95% bootstrap percentile interval of that median
 * ({@value #RESAMPLES} resamples of the pairs, a fixed seed, so the same samples always give the
 * same interval). With 5 pairs it is the range of the 5 ratios. On the simulator (virtual time)
 * a run is exact and repeatable: one pair, and the interval is the point.
 *
 * @param value the estimate: the median ratio, or the exact ratio.
 * @param low   the interval's lower end (the value when exact).
 * @param high  the interval's upper end.
 * @param pairs pairs of runs it is based on.
 * @param exact whether the runs are in virtual time (deterministic, no measurement noise).
 */
public record Efficiency(double value, double low, double high, int pairs, boolean exact) {
    /** Bootstrap resamples. */
    public static final int RESAMPLES = 2_000;
    /**
     * Exact efficiencies this close below 1 are "no measurable loss" (they print as 100.0%); so is
     * any above 1 (the run at the distance came out faster, a matter of the dynamics' phase).
     */
    public static final double EXACT_TOLERANCE = 0.0005;
    private static final long SEED = 0x10_4A_11L;

    public Efficiency {
        if (!(low <= value && value <= high)) {
            throw new IllegalArgumentException("efficiency " + value + " outside its interval [" + low + ", " + high + "]");
        }
    }

    /** An exact efficiency (virtual time, or a cell that is its own baseline). */
    public static Efficiency exact(final double value) {
        return new Efficiency(value, value, value, 1, true);
    }

    /**
     * The median of {@code baselineNs[i] / distanceNs[i]} with its bootstrap interval.
     *
     * @param baselineNs the 0 km twin's step time in each pair.
     * @param distanceNs the distance run's step time in the same pairs.
     */
    public static Efficiency ofPairs(final double[] baselineNs, final double[] distanceNs) {
        if (baselineNs.length != distanceNs.length || baselineNs.length == 0) {
            throw new IllegalArgumentException("need equally many baseline and distance runs, at least one: got "
                + baselineNs.length + " and " + distanceNs.length);
        }
        final int n = baselineNs.length;
        final double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = baselineNs[i] / distanceNs[i];
        }
        final double point = median(ratios.clone());
        final double[] medians = new double[RESAMPLES];
        final double[] resample = new double[n];
        final SplittableRandom random = new SplittableRandom(SEED);
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                resample[i] = ratios[random.nextInt(n)];
            }
            medians[b] = median(resample);
        }
        Arrays.sort(medians);
        final double low = Math.min(point, medians[(int) Math.floor(0.025 * (RESAMPLES - 1))]);
        final double high = Math.max(point, medians[(int) Math.ceil(0.975 * (RESAMPLES - 1))]);
        return new Efficiency(point, low, high, n, false);
    }

    /** Median of {@code v} (sorted in place); the mean of the two middle values for an even count. */
    static double median(final double[] v) {
        Arrays.sort(v);
        final int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * @return whether distance costs nothing this measurement can see: the interval holds 100%
     *         (exact: the value is above 1 - {@value #EXACT_TOLERANCE}).
     */
    public boolean noMeasurableLoss() {
        return exact ? value > 1 - EXACT_TOLERANCE : low <= 1 && 1 <= high;
    }

    /** @return half the interval's width: the resolution of this measurement (0 when exact). */
    public double halfWidth() {
        return (high - low) / 2;
    }

    /** @return whether it meets {@code target}: its whole interval at or above it. */
    public boolean meets(final double target) {
        return low >= target || noMeasurableLoss() && target <= 1;
    }

    /**
     * @return e.g. {@code 96.2% [94.1, 97.0]}, {@code 99.1% (exact)}, {@code no measurable loss
     *         (±2.1%)} or {@code no measurable loss (exact: 100.4%)}: never a bare figure above 100%.
     */
    public String label() {
        if (noMeasurableLoss()) {
            if (exact) {
                return value > 1 + EXACT_TOLERANCE ? String.format(Locale.ROOT, "no measurable loss (exact: %.1f%%)", 100 * value)
                    : "no measurable loss (exact)";
            }
            return String.format(Locale.ROOT, "no measurable loss (±%.1f%%)", 100 * halfWidth());
        }
        if (exact) {
            return String.format(Locale.ROOT, "%.1f%% (exact)", 100 * value);
        }
        return String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * value, 100 * low, 100 * high);
    }

    /** @return how it was measured, for tables and reports. */
    public String method() {
        return exact ? "exact (virtual time)" : "median of " + pairs + " interleaved pairs, 95% bootstrap interval";
    }
}
