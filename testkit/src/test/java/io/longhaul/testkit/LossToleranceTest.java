package io.longhaul.testkit;

import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.CongestionControls;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contrast this project is about, in the simulated path: 1 Gbit/s, 10 ms RTT, 1% random loss.
 * Loss-based controllers collapse toward the Mathis bound; the BBR-style one keeps the link busy.
 */
class LossToleranceTest {
    private static final long RATE_BITS = 1_000_000_000L;
    private static final long RTT_NS = 10_000_000L;

    private static double goodputShare(final String spec, final double loss, final long seed) {
        final CongestionControl cc = CongestionControls.create(spec, CongestionControlConfig.defaults(1250));
        final PathDriver path = new PathDriver(cc, RATE_BITS, RTT_NS, RATE_BITS / 8 / 100, loss, 1250, seed, 0);
        path.runFor(2_000_000_000L);
        final long acked = path.ackedBytes();
        path.runFor(3_000_000_000L);
        return (path.ackedBytes() - acked) / (RATE_BITS / 8.0 * 3);
    }

    @Test
    void shouldKeepBbrAbove90PercentWhileCubicAndNewRenoCollapseAtOnePercentLoss() {
        final double bbr = goodputShare("bbr", 0.01, 99);
        final double cubic = goodputShare("cubic", 0.01, 99);
        final double newreno = goodputShare("newreno", 0.01, 99);
        assertThat(bbr).as("bbr goodput share").isGreaterThan(0.90);
        assertThat(cubic).as("cubic goodput share").isLessThan(0.10);
        assertThat(newreno).as("newreno goodput share").isLessThan(0.10);
    }
}
