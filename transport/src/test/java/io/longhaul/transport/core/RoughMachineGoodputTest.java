package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.sim.MachineModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Goodput on machines as rough as a shared VM, in virtual time: both hosts start cold (the first
 * 500 ms run 8 times slower, as a JVM before the JIT has compiled its hot paths), every datagram
 * costs 1 us of CPU, and timers wake late (exponentially, mean 100 or 300 us), or heavy-tailed
 * with multi-millisecond stalls. Over a 10 ms RTT path at 1 Gbit/s and 100 Mbit/s, with no loss
 * or 1% random loss in both directions, {@value #SEEDS} seeds per cell; each cell is asserted on
 * its worst seed:
 * <ul>
 * <li>bbr reaches at least 85% of the line rate over a transfer long enough to amortize startup
 * (128 MiB at 1 Gbit/s, 16 MiB at 100 Mbit/s);</li>
 * <li>fixed at 95% of the line rate reaches at least 95% of its own payload ceiling: the rate
 * times payload over datagram size, times the fraction the link does not lose (a fixed rate spends
 * its rate on repairs too).</li>
 * </ul>
 * The simulator's link rate counts datagram bytes, so the payload ceiling of a link is
 * {@code rate * 1420 / 1472}.
 */
class RoughMachineGoodputTest {
    static final int SEEDS = 20;
    /** What is sent: goodput does not depend on the bytes, and one shared read-only buffer saves generating 128 MiB per seed. */
    private static final ByteBuffer PAYLOAD = ByteBuffer.allocate(128 << 20).asReadOnlyBuffer();
    private static final String COLD = "cost=1us,cold=500ms*8";
    private static final String[] MACHINES = {
        COLD,
        "wake=exp:100us," + COLD,
        "wake=exp:300us," + COLD,
        "wake=pareto:100us,stall=1ms-5ms@1s," + COLD,
    };

    static Stream<Arguments> cells() {
        final List<Arguments> cells = new ArrayList<>();
        for (final String rate : new String[] {"1gbit", "100mbit"}) {
            for (final String loss : new String[] {"0", "1%"}) {
                for (final String machine : MACHINES) {
                    cells.add(Arguments.of("bbr", rate, loss, machine));
                    cells.add(Arguments.of("fixed", rate, loss, machine));
                }
            }
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {1} loss={2} machine={3}")
    @MethodSource("cells")
    void shouldHoldItsRateOnTheWorstSeedOfARoughMachine(final String algorithm, final String rate, final String loss,
                                                        final String machine) {
        final LinkSpec link = LinkSpec.parse("delay=5ms,rate=" + rate + ",loss=" + loss);
        final double lineBps = link.rateBitsPerSecond();
        final boolean fixed = algorithm.equals("fixed");
        final String cc = fixed ? "fixed:rate=" + (long) (0.95 * lineBps) + "bit" : algorithm;
        final int bytes = lineBps >= 1e9 ? 128 << 20 : 16 << 20;
        final MachineModel model = MachineModel.parse(machine);
        final double[] mbps = IntStream.rangeClosed(1, SEEDS).parallel()
            .mapToDouble(seed -> goodputBps(seed, cc, link, model, bytes) / 1e6).toArray();
        int worst = 0;
        for (int i = 1; i < mbps.length; i++) {
            if (mbps[i] < mbps[worst]) {
                worst = i;
            }
        }
        final double[] sorted = mbps.clone();
        Arrays.sort(sorted);
        final double delivered = 1 - link.lossProbability();
        final double target = fixed
            ? 0.95 * 0.95 * lineBps * delivered * CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES / new CoreConfig().maxDatagramBytes() / 1e6
            : 0.85 * lineBps / 1e6;
        final String summary = String.format(Locale.ROOT,
            "%s %s loss=%s machine=%s: min/median/max %.1f/%.1f/%.1f Mbit/s over %d seeds (worst seed %d), target %.1f",
            cc, rate, loss, machine, sorted[0], sorted[SEEDS / 2], sorted[SEEDS - 1], SEEDS, worst + 1, target);
        System.out.println(summary);
        assertThat(sorted[0]).as(summary).isGreaterThanOrEqualTo(target);
    }

    /**
     * Startup fills a 1 Gbit/s x 10 ms pipe within a few hundred milliseconds even from a cold start
     * on a machine whose timers wake 300 us late on average, with 1% random loss both ways: the
     * first 10 ms window in which the receiver gets 85% of the line rate comes within 300 ms of the
     * first byte, on the worst of {@value #SEEDS} seeds.
     */
    @org.junit.jupiter.api.Test
    void shouldFillTheGigabitPipeWithinAFewHundredMillisecondsOfAColdStart() {
        final LinkSpec link = LinkSpec.parse("delay=5ms,rate=1gbit,loss=1%");
        final MachineModel model = MachineModel.parse("wake=exp:300us," + COLD);
        final long windowNs = 10_000_000L;
        final long[] fillNs = IntStream.rangeClosed(1, SEEDS).parallel().mapToLong(seed -> {
            final SimTransfer t = new SimTransfer(seed, new CoreConfig(), new LinkSpec[] {link}, new LinkSpec[] {link}, model);
            assertThat(t.runUntilEstablished(5_000_000_000L)).isTrue();
            final long start = t.net.nowNs();
            t.send(0, PAYLOAD.duplicate());
            long previous = 0;
            for (long at = start + windowNs; at <= start + 1_000_000_000L; at += windowNs) {
                t.net.runUntil(() -> false, at);
                final long received = t.serverConnection().stats().paths().get(0).bytesReceived();
                if ((received - previous) * 8.0 * 1e9 / windowNs >= 0.85 * link.rateBitsPerSecond()) {
                    return at - start;
                }
                previous = received;
            }
            return Long.MAX_VALUE;
        }).toArray();
        final long worst = Arrays.stream(fillNs).max().orElseThrow();
        final int worstSeed = IntStream.range(0, SEEDS).filter(i -> fillNs[i] == worst).findFirst().orElseThrow() + 1;
        System.out.printf(Locale.ROOT, "startup on a cold rough machine: pipe full after %s ms (worst seed %d)%n",
            Arrays.toString(Arrays.stream(fillNs).map(ns -> ns / 1_000_000).toArray()), worstSeed);
        assertThat(worst).as("worst seed %d", worstSeed).isLessThanOrEqualTo(300_000_000L);
    }

    private static double goodputBps(final long seed, final String cc, final LinkSpec link, final MachineModel machine,
                                     final int bytes) {
        final SimTransfer t = new SimTransfer(seed, new CoreConfig().congestionControl(cc),
            new LinkSpec[] {link}, new LinkSpec[] {link}, machine);
        assertThat(t.runUntilEstablished(5_000_000_000L)).as("seed %d: handshake", seed).isTrue();
        final long start = t.net.nowNs();
        t.send(0, PAYLOAD.duplicate().limit(bytes));
        assertThat(t.runUntilCompleted(1, 600_000_000_000L)).as("seed %d: %s", seed, t.describe()).isTrue();
        return bytes * 8.0 / ((t.net.nowNs() - start) / 1e9);
    }
}
