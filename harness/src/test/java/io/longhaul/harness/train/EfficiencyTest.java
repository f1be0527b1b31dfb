package io.longhaul.harness.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EfficiencyTest {
    @Test
    void shouldSpanTheRangeOfFiveRatiosAroundTheirMedian() {
        // Ratios 0.90, 0.95, 1.00, 0.92, 0.97: with 5 pairs the bootstrap's 2.5% and 97.5% medians
        // are the smallest and largest ratio (a resample's median falls at or below the smallest
        // with probability 5.8%, above the second smallest with far more).
        final double[] baseline = {90, 95, 100, 92, 97};
        final double[] distance = {100, 100, 100, 100, 100};
        final Efficiency e = Efficiency.ofPairs(baseline, distance);
        assertThat(e.value()).isCloseTo(0.95, within(1e-12));
        assertThat(e.low()).isCloseTo(0.90, within(1e-12));
        assertThat(e.high()).isCloseTo(1.00, within(1e-12));
        assertThat(e.pairs()).isEqualTo(5);
        assertThat(e.noMeasurableLoss()).as("the interval reaches 100%").isTrue();
        assertThat(e.label()).isEqualTo("no measurable loss (±5.0%)");
        assertThat(Efficiency.ofPairs(baseline, distance)).as("the same samples, the same interval").isEqualTo(e);
    }

    @Test
    void shouldAgreeWithTheOrderStatisticIntervalOfTheMedianForManyPairs() {
        // 41 ratios evenly from 0.80 to 0.96: the distribution-free 95% interval of a median of
        // n = 41 lies between the order statistics n/2 -+ 1.96 sqrt(n)/2, the 14th and 28th values
        // (0.848 and 0.904); the bootstrap percentile interval lands within one value of each.
        final int n = 41;
        final double[] baseline = new double[n];
        final double[] distance = new double[n];
        for (int i = 0; i < n; i++) {
            baseline[i] = 0.80 + 0.004 * ((i * 17) % n);
            distance[i] = 1;
        }
        final Efficiency e = Efficiency.ofPairs(baseline, distance);
        final double[] sorted = baseline.clone();
        Arrays.sort(sorted);
        final double z = 1.959964;
        final int lowRank = (int) Math.floor(n / 2.0 - z * Math.sqrt(n) / 2);
        final int highRank = (int) Math.ceil(n / 2.0 + z * Math.sqrt(n) / 2);
        assertThat(e.value()).isCloseTo(sorted[n / 2], within(1e-12));
        assertThat(e.low()).isBetween(sorted[lowRank - 2], sorted[lowRank]);
        assertThat(e.high()).isBetween(sorted[highRank - 2], sorted[highRank]);
        assertThat(e.noMeasurableLoss()).isFalse();
        assertThat(e.meets(0.80)).isTrue();
        assertThat(e.meets(0.90)).as("the interval reaches below 90%").isFalse();
        assertThat(e.label()).matches("88\\.0% \\[8\\d\\.\\d, 9\\d\\.\\d\\]");
    }

    @Test
    void shouldCallAnExactRatioOfOneNoMeasurableLossAndNeverPrintABareFigureAboveOneHundred() {
        assertThat(Efficiency.exact(1.0).label()).isEqualTo("no measurable loss (exact)");
        assertThat(Efficiency.exact(0.9996).noMeasurableLoss()).isTrue();
        assertThat(Efficiency.exact(0.9994).noMeasurableLoss()).isFalse();
        assertThat(Efficiency.exact(1.004).label()).as("faster at the distance, exactly").isEqualTo("no measurable loss (exact: 100.4%)");
        assertThat(Efficiency.exact(0.93).label()).isEqualTo("93.0% (exact)");
        assertThat(Efficiency.exact(0.93).meets(0.9)).isTrue();
        // Noise that puts every pair above 100% is shown with its interval, never alone.
        final Efficiency noisy = Efficiency.ofPairs(new double[] {112, 110, 104, 109, 108}, new double[] {100, 100, 100, 100, 100});
        assertThat(noisy.label()).isEqualTo("109.0% [104.0, 112.0]");
        assertThat(noisy.method()).isEqualTo("median of 5 interleaved pairs, 95% bootstrap interval");
    }
}
