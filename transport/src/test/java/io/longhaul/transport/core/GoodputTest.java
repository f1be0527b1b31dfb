package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Goodput in virtual time (deterministic, so assertable): 256 MiB over a 1 Gbit/s link with 1%
 * random loss, at 10 ms, 1 ms and 0.1 ms RTT. The model-based controller keeps the pipe full; the
 * loss-based ones show the classic collapse (Mathis: rate ~ MSS/RTT * 1.22/sqrt(p)).
 */
class GoodputTest {
    private static final int BYTES = 256 << 20;
    private static final double LINK_BPS = 1e9;

    static double goodputBps(final String cc, final String oneWayDelay, final String loss, final long seed) {
        final LinkSpec forward = LinkSpec.parse("delay=" + oneWayDelay + ",rate=1gbit,loss=" + loss);
        final LinkSpec backward = LinkSpec.parse("delay=" + oneWayDelay + ",rate=1gbit");
        final SimTransfer t = new SimTransfer(seed, new CoreConfig().congestionControl(cc), forward, backward);
        assertThat(t.runUntilEstablished(5_000_000_000L)).isTrue();
        final long start = t.net.nowNs();
        t.send(0, SimTransfer.payload(seed, 0, BYTES));
        assertThat(t.runUntilCompleted(1, 3_600_000_000_000L)).as("seed=%d cc=%s %s", seed, cc, t.describe()).isTrue();
        return BYTES * 8.0 / ((t.net.nowNs() - start) / 1e9);
    }

    @Test
    void shouldTolerateHigherRandomLossWhenBbrsLossThresholdIsRaised() {
        // BBRv3 treats more than 2% loss per round as congestion; random loss above that bounds it.
        final double strict = goodputBps("bbr", "5ms", "5%", 42);
        final double tolerant = goodputBps("bbr:loss_thresh=0.2", "5ms", "5%", 42);
        System.out.printf(Locale.ROOT, "%n5%% random loss, 10 ms RTT: bbr %.1f Mbit/s, bbr:loss_thresh=0.2 %.1f Mbit/s%n",
            strict / 1e6, tolerant / 1e6);
        assertThat(strict).isLessThan(0.5 * LINK_BPS);
        assertThat(tolerant).isGreaterThanOrEqualTo(0.8 * LINK_BPS);
    }

    @Test
    void shouldKeepTheLinkFullWithBbrAndShowTheCollapseOfLossBasedControl() {
        final String[] delays = {"5ms", "500us", "50us"};
        final String[] rtts = {"10 ms", "1 ms", "0.1 ms"};
        final String[] algorithms = {"bbr", "cubic", "newreno"};
        final Map<String, Double> results = new LinkedHashMap<>();
        final StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
            "%nsimulated goodput, 256 MiB, 1 Gbit/s, 1%% random loss (Mbit/s)%n%-8s %10s %10s %10s%n", "RTT", "bbr", "cubic", "newreno"));
        for (int d = 0; d < delays.length; d++) {
            table.append(String.format(Locale.ROOT, "%-8s", rtts[d]));
            for (final String cc : algorithms) {
                final double bps = goodputBps(cc, delays[d], "1%", 42);
                results.put(cc + "@" + rtts[d], bps);
                table.append(String.format(Locale.ROOT, " %10.1f", bps / 1e6));
            }
            table.append('\n');
        }
        System.out.print(table);
        for (final String rtt : rtts) {
            assertThat(results.get("bbr@" + rtt)).as("bbr at %s RTT%s", rtt, table).isGreaterThanOrEqualTo(0.90 * LINK_BPS);
        }
        assertThat(results.get("cubic@10 ms")).as("cubic collapses at 10 ms%s", table).isLessThan(0.1 * LINK_BPS);
        assertThat(results.get("newreno@10 ms")).as("newreno collapses at 10 ms%s", table).isLessThan(0.1 * LINK_BPS);
    }
}
