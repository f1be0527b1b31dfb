package io.longhaul.transport.path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TimerLatenessTest {
    @Test
    void shouldFollowAWorseSampleAtOnceAndForgetItGradually() {
        final TimerLateness t = new TimerLateness();
        t.record(1_000, 1_050);
        assertThat(t.estimateNs()).isEqualTo(50);
        t.record(2_000, 2_000 + 800_000);
        assertThat(t.estimateNs()).isEqualTo(800_000);
        for (int i = 0; i < 177; i++) {
            t.record(10_000, 10_000);
        }
        assertThat(t.estimateNs()).isBetween(390_000L, 410_000L);
        assertThat(t.maxNs()).isEqualTo(800_000);
        assertThat(t.samples()).isEqualTo(179);
    }

    @Test
    void shouldCountAnEarlyTimerAsOnTime() {
        final TimerLateness t = new TimerLateness();
        t.record(5_000, 4_000);
        assertThat(t.estimateNs()).isZero();
        assertThat(t.maxNs()).isZero();
    }
}
