package io.longhaul.testkit;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.LossSample;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link CongestionControl} must honour, as an abstract JUnit 5 suite. A plug-in
 * author extends it, implements {@link #create(CongestionControlConfig)} and runs it:
 *
 * <pre>{@code
 * class MyCcContractTest extends CongestionControlContract {
 *     @Override
 *     protected CongestionControl create(CongestionControlConfig config) {
 *         return new MyCongestionControl(config);
 *     }
 * }
 * }</pre>
 *
 * <p>Two drivers feed the controller: a seeded random sequence of sends, RTT samples, ACKs and
 * losses with arbitrary but self-consistent values (for invariants that must hold whatever
 * happens), and {@link PathDriver}, a simulated bottleneck in virtual time (for behaviour: growth
 * on a clean path, reaction to heavy loss). Failures print the seed so that a run can be replayed.
 * Algorithms that by design do not grow or do not react to loss override {@link #growsWithoutLoss()}
 * or {@link #respondsToLoss()}.
 */
public abstract class CongestionControlContract {
    /** Seeds of the random-sequence tests. */
    protected static final long[] SEEDS = {1L, 42L, 0xC0FFEEL, 20240601L, -7L};
    /** Events per random sequence. */
    protected static final int EVENTS_PER_SEQUENCE = 5_000;
    /** Largest pacing rate accepted as "finite": 10 Pbit/s. */
    protected static final long MAX_FINITE_RATE_BYTES_PER_SECOND = 1_250_000_000_000_000L;

    /** Bottleneck of the simulated path used by the behavioural tests. */
    protected static final long PATH_RATE_BITS_PER_SECOND = 100_000_000L;
    /** Base RTT of the simulated path. */
    protected static final long PATH_RTT_NS = 10_000_000L;

    /**
     * Creates the controller under test.
     *
     * @param config the configuration, by default {@link #config()}.
     */
    protected abstract CongestionControl create(CongestionControlConfig config);

    /** @return the configuration the tests create controllers with: RFC 9002 defaults for 1200-byte datagrams. */
    protected CongestionControlConfig config() {
        return CongestionControlConfig.defaults(1200);
    }

    /** @return the window a fresh controller reports; the configured initial window unless overridden. */
    protected long expectedInitialWindowBytes(final CongestionControlConfig config) {
        return config.initialWindowBytes();
    }

    /** @return whether heavy loss must reduce the window or the pacing rate (false for fixed-rate algorithms). */
    protected boolean respondsToLoss() {
        return true;
    }

    /** @return whether a clean path must make the window or the pacing rate grow (false for fixed-rate algorithms). */
    protected boolean growsWithoutLoss() {
        return true;
    }

    /** @return the share of a clean bottleneck the controller must deliver after a warm-up; 0 to skip. */
    protected double minimumCleanPathUtilization() {
        return 0.5;
    }

    // ---------------------------------------------------------------------------------------

    @Test
    public void windowStartsAtTheInitialWindow() {
        final CongestionControlConfig config = config();
        final CongestionControl cc = create(config);
        assertThat(cc.congestionWindowBytes())
            .as("initial congestion window of %s", cc.name())
            .isEqualTo(expectedInitialWindowBytes(config));
        assertThat(cc.pacingRateBytesPerSecond()).as("initial pacing rate").isPositive();
    }

    @Test
    public void windowNeverDropsBelowTheMinimumUnderAnySequenceOfEvents() {
        final CongestionControlConfig config = config();
        for (final long seed : SEEDS) {
            final CongestionControl cc = create(config);
            runRandomSequence(seed, cc, (step, event) -> {
                if (cc.congestionWindowBytes() < config.minimumWindowBytes()) {
                    fail("seed %d, step %d (%s): cwnd %d below minimum %d; %s", seed, step, event,
                        cc.congestionWindowBytes(), config.minimumWindowBytes(), cc);
                }
            });
        }
    }

    @Test
    public void pacingRateIsPositiveAndFiniteAtAllTimes() {
        final CongestionControlConfig config = config();
        for (final long seed : SEEDS) {
            final CongestionControl cc = create(config);
            runRandomSequence(seed, cc, (step, event) -> checkPacingRate(cc, "seed " + seed + ", step " + step + " (" + event + ")"));
        }
        final CongestionControl cc = create(config);
        final PathDriver path = path(cc, 0.01, 7);
        path.runFor(2_000_000_000L, (nowNs, c) -> checkPacingRate(c, "simulated path, seed 7, t=" + nowNs + "ns"));
    }

    @Test
    public void windowNeverDropsBelowTheMinimumOnALossyPath() {
        final CongestionControlConfig config = config();
        final CongestionControl cc = create(config);
        final PathDriver path = path(cc, 0.05, 11);
        path.runFor(2_000_000_000L, (nowNs, c) -> {
            if (c.congestionWindowBytes() < config.minimumWindowBytes()) {
                fail("simulated path with 5%% loss, seed 11, t=%dns: cwnd %d below minimum %d; %s", nowNs,
                    c.congestionWindowBytes(), config.minimumWindowBytes(), c);
            }
        });
    }

    @Test
    public void windowOrPacingRateGrowsOnACleanPath() {
        assumeTrue(growsWithoutLoss(), "algorithm does not adapt its window or rate");
        final CongestionControlConfig config = config();
        final CongestionControl cc = create(config);
        final long initialWindow = cc.congestionWindowBytes();
        final long[] firstPacedRate = {-1};
        final PathDriver path = path(cc, 0.0, 3);
        path.runFor(500_000_000L, (nowNs, c) -> {
            if (firstPacedRate[0] < 0 && c.pacingRateBytesPerSecond() != CongestionControl.UNPACED) {
                firstPacedRate[0] = c.pacingRateBytesPerSecond();
            }
        });
        final long window = cc.congestionWindowBytes();
        final long rate = cc.pacingRateBytesPerSecond();
        final boolean grew = window > initialWindow || (firstPacedRate[0] > 0 && rate != CongestionControl.UNPACED && rate > firstPacedRate[0]);
        assertThat(grew)
            .as("after 50 clean RTTs %s should have grown: cwnd %d (initial %d), pacing %d B/s (first %d B/s); %s",
                cc.name(), window, initialWindow, rate, firstPacedRate[0], cc)
            .isTrue();
    }

    @Test
    public void deliversMostOfACleanBottleneck() {
        final double minimum = minimumCleanPathUtilization();
        assumeTrue(minimum > 0, "no utilization requirement");
        final CongestionControl cc = create(config());
        final PathDriver path = path(cc, 0.0, 5);
        path.runFor(1_000_000_000L);
        final long before = path.ackedBytes();
        final long measureNs = 2_000_000_000L;
        path.runFor(measureNs);
        final double utilization = (path.ackedBytes() - before) / (path.bottleneckBytesPerSecond() * measureNs * 1e-9);
        assertThat(utilization)
            .as("share of a clean %d Mbit/s, %d ms bottleneck delivered by %s between 1 s and 3 s; %s",
                PATH_RATE_BITS_PER_SECOND / 1_000_000, PATH_RTT_NS / 1_000_000, cc.name(), cc)
            .isGreaterThanOrEqualTo(minimum);
    }

    @Test
    public void windowOrPacingRateShrinksUnderHeavyLoss() {
        assumeTrue(respondsToLoss(), "algorithm ignores loss by design");
        final CongestionControl cc = create(config());
        final PathDriver path = path(cc, 0.0, 13);
        path.runFor(2_000_000_000L);
        final long windowBefore = cc.congestionWindowBytes();
        final long rateBefore = cc.pacingRateBytesPerSecond();
        path.lossProbability(0.2);
        path.runFor(20 * PATH_RTT_NS);
        final long windowAfter = cc.congestionWindowBytes();
        final long rateAfter = cc.pacingRateBytesPerSecond();
        assertThat(windowAfter < windowBefore || rateAfter < rateBefore)
            .as("20 RTTs of 20%% loss (seed 13) should reduce cwnd or pacing of %s: cwnd %d -> %d, pacing %d -> %d B/s; %s",
                cc.name(), windowBefore, windowAfter, rateBefore, rateAfter, cc)
            .isTrue();
    }

    @Test
    public void identicalInputsGiveIdenticalOutputs() {
        final CongestionControlConfig config = config();
        for (final long seed : SEEDS) {
            final List<long[]> first = new ArrayList<>();
            final CongestionControl a = create(config);
            runRandomSequence(seed, a, (step, event) -> first.add(new long[] {a.congestionWindowBytes(), a.pacingRateBytesPerSecond()}));
            final CongestionControl b = create(config);
            final int[] index = {0};
            runRandomSequence(seed, b, (step, event) -> {
                final long[] expected = first.get(index[0]++);
                if (expected[0] != b.congestionWindowBytes() || expected[1] != b.pacingRateBytesPerSecond()) {
                    fail("seed %d, step %d (%s): second instance has cwnd %d, pacing %d; first had cwnd %d, pacing %d", seed, step,
                        event, b.congestionWindowBytes(), b.pacingRateBytesPerSecond(), expected[0], expected[1]);
                }
            });
        }
        final long[] pathA = pathTrace(create(config));
        final long[] pathB = pathTrace(create(config));
        assertThat(pathB).as("two runs of the same simulated path (seed 17)").containsExactly(pathA);
    }

    @Test
    public void nameIsNonEmptyLowerCaseAndStable() {
        final CongestionControl a = create(config());
        final CongestionControl b = create(config());
        assertThat(a.name()).isNotBlank();
        assertThat(a.name()).isEqualTo(a.name().toLowerCase(Locale.ROOT)).doesNotContain(":", ",", "=", " ");
        assertThat(b.name()).isEqualTo(a.name());
        runRandomSequence(SEEDS[0], a, (step, event) -> {
        });
        assertThat(a.name()).as("name after use").isEqualTo(b.name());
    }

    // ---------------------------------------------------------------------------------------
    // Drivers.

    /** Called after each event of a random sequence. */
    @FunctionalInterface
    protected interface StepCheck {
        void check(int step, String event);
    }

    /** @return a {@link PathDriver} on the standard path: 100 Mbit/s, 10 ms, buffer of one BDP. */
    protected PathDriver path(final CongestionControl cc, final double lossProbability, final long seed) {
        final long bdpBytes = PATH_RATE_BITS_PER_SECOND / 8 * PATH_RTT_NS / 1_000_000_000L;
        return new PathDriver(cc, PATH_RATE_BITS_PER_SECOND, PATH_RTT_NS, bdpBytes, lossProbability,
            config().maxDatagramBytes(), seed, 1_000_000_000L);
    }

    private long[] pathTrace(final CongestionControl cc) {
        final PathDriver path = path(cc, 0.02, 17);
        final long[] trace = new long[200];
        for (int i = 0; i < trace.length; i += 2) {
            path.runFor(5_000_000L);
            trace[i] = cc.congestionWindowBytes();
            trace[i + 1] = cc.pacingRateBytesPerSecond();
        }
        return trace;
    }

    private static void checkPacingRate(final CongestionControl cc, final String where) {
        final long rate = cc.pacingRateBytesPerSecond();
        if (rate <= 0 || (rate != CongestionControl.UNPACED && rate > MAX_FINITE_RATE_BYTES_PER_SECOND)) {
            fail("%s: pacing rate %d B/s is not positive and finite (nor UNPACED); %s", where, rate, cc);
        }
    }

    /**
     * Feeds {@code cc} a random but self-consistent sequence of events: time moves forward from a
     * random start (possibly negative or close to overflow), in-flight bytes, delivered bytes and
     * RTTs stay coherent, and some values are edge cases (zero-byte ACKs, missing RTT or rate
     * samples, persistent congestion).
     */
    protected void runRandomSequence(final long seed, final CongestionControl cc, final StepCheck check) {
        final SplittableRandom random = new SplittableRandom(seed);
        final int mss = config().maxDatagramBytes();
        final AckSample ack = new AckSample();
        final LossSample loss = new LossSample();
        long nowNs = random.nextLong();
        long inflight = 0;
        long delivered = 0;
        long minRtt = -1;
        long srtt = -1;
        final long[] sendTimes = new long[64];
        final long[] deliveredAtSend = new long[64];
        int sent = 0;
        for (int step = 0; step < EVENTS_PER_SEQUENCE; step++) {
            nowNs += random.nextInt(4) == 0 ? random.nextLong(50_000_000L) : random.nextLong(20_000L);
            final int kind = random.nextInt(10);
            final String event;
            if (kind < 5 || inflight == 0) {
                final int bytes = 1 + random.nextInt(mss);
                inflight += bytes;
                sendTimes[sent % sendTimes.length] = nowNs;
                deliveredAtSend[sent % deliveredAtSend.length] = delivered;
                sent++;
                cc.onPacketSent(nowNs, bytes, inflight);
                event = "sent " + bytes + " B, inflight " + inflight;
            } else if (kind < 9) {
                final long acked = random.nextInt(20) == 0 ? 0 : 1 + random.nextLong(inflight);
                inflight -= acked;
                delivered += acked;
                final int back = random.nextInt(Math.min(sent, sendTimes.length));
                final int slot = (sent - 1 - back) % sendTimes.length;
                final long sentTime = sendTimes[slot];
                final long rtt = Math.max(1, nowNs - sentTime);
                final boolean hasRtt = random.nextInt(8) != 0;
                if (hasRtt) {
                    minRtt = minRtt < 0 ? rtt : Math.min(minRtt, rtt);
                    srtt = srtt < 0 ? rtt : (7 * srtt + rtt) / 8;
                    cc.onRttSample(nowNs, rtt, minRtt, srtt);
                }
                final long rate = random.nextInt(5) == 0 ? -1 : 1 + random.nextLong(random.nextBoolean() ? 100_000_000L : 100_000_000_000L);
                ack.set(acked, inflight, sentTime, delivered, Math.min(deliveredAtSend[slot], delivered), rate, random.nextInt(6) == 0,
                    hasRtt ? rtt : -1, minRtt, srtt);
                cc.onAck(nowNs, ack);
                event = "ack " + ack;
            } else {
                final long lost = 1 + random.nextLong(inflight);
                inflight -= lost;
                final long sentTime = sendTimes[(sent - 1 - random.nextInt(Math.min(sent, sendTimes.length))) % sendTimes.length];
                loss.set(lost, (int) Math.max(1, lost / mss), sentTime, inflight, inflight + lost, random.nextInt(30) == 0);
                cc.onLoss(nowNs, loss);
                event = "loss " + loss;
            }
            check.check(step, event);
        }
    }
}
