package io.longhaul.transport.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LinkSpecTest {
    private static final String FULL = "delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=0.01:r=0.3,reorder=1%,dup=0.01%,corrupt=0.01%";

    @Test
    void shouldParseTheFullExampleIntoExactValues() {
        final LinkSpec spec = LinkSpec.parse(FULL);

        assertThat(spec.delayNs()).isEqualTo(5_000_000L);
        assertThat(spec.jitterNs()).isEqualTo(50_000L);
        assertThat(spec.rateBitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(spec.queueKind()).isEqualTo(LinkSpec.QueueKind.BDP);
        // BDP = 1e9 bit/s × 10 ms / 8 = 1.25 MB; 2 BDP = 2.5 MB.
        assertThat(spec.queueBytes()).isEqualTo(2_500_000L);
        assertThat(spec.lossProbability()).isEqualTo(0.001);
        assertThat(spec.hasBurstLoss()).isTrue();
        assertThat(spec.burstP()).isEqualTo(0.01);
        assertThat(spec.burstR()).isEqualTo(0.3);
        assertThat(spec.burstH()).isEqualTo(0.0);
        assertThat(spec.burstK()).isEqualTo(1.0);
        assertThat(spec.reorderProbability()).isEqualTo(0.01);
        assertThat(spec.reorderGapNs()).isEqualTo(1_250_000L);
        assertThat(spec.duplicateProbability()).isEqualTo(0.0001);
        assertThat(spec.corruptProbability()).isEqualTo(0.0001);
        assertThat(spec.seed()).isEqualTo(1L);
        assertThat(spec.toString())
            .isEqualTo("delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=1%:r=30%,reorder=1%,dup=0.01%,corrupt=0.01%");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "none",
        "delay=5ms",
        "delay=49us",
        "delay=1500ns",
        "delay=2s",
        "delay=1ms,jitter=100us",
        "jitter=3ms",
        "rate=1gbit",
        "rate=400gbit",
        "rate=12345bit",
        "rate=10mbit,queue=100p",
        "rate=10mbit,queue=256K",
        "rate=10mbit,queue=1500",
        "rate=1gbit,delay=5ms,queue=0.5bdp",
        "queue=64K",
        "loss=0.1%",
        "loss=100%",
        "loss=0.0001%",
        "loss=33.333%",
        "burst=gilbert:p=1%:r=30%",
        "burst=gilbert:p=0.5%:r=25%:h=10%:k=99.9%",
        "loss=1%,burst=gilbert:p=1%:r=50%",
        "reorder=1%",
        "reorder=25%:2ms",
        "delay=10ms,reorder=1%:1ms",
        "reorder=0%:3ms",
        "dup=0.01%",
        "corrupt=1%",
        "seed=42",
        "seed=-7",
        "delay=5ms,seed=9223372036854775807",
        FULL,
    })
    void shouldPrintACanonicalSpecThatParsesBackToAnEqualSpec(final String text) {
        final LinkSpec spec = LinkSpec.parse(text);
        final LinkSpec again = LinkSpec.parse(spec.toString());

        assertThat(again).as("'%s' printed as '%s'", text, spec).isEqualTo(spec);
        assertThat(again.hashCode()).isEqualTo(spec.hashCode());
        assertThat(again.toString()).isEqualTo(spec.toString());
    }

    @Test
    void shouldRoundTripRandomProbabilities() {
        final long seed = 20240601L;
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 10_000; i++) {
            final double p = random.nextDouble() * Math.pow(10, -random.nextInt(8));
            final LinkSpec spec = LinkSpec.builder().loss(p).duplicate(p / 3).corrupt(p / 7).reorder(p)
                .gilbertElliott(p, Math.max(p, 1e-3), p / 2, 1 - p / 5).build();
            final LinkSpec again = LinkSpec.parse(spec.toString());
            assertThat(again).as("seed %d, i %d, p %s, spec %s", seed, i, p, spec).isEqualTo(spec);
            assertThat(spec.lossProbability()).as("seed %d, p %s", seed, p).isCloseTo(p, within(1e-15));
        }
    }

    @Test
    void shouldTreatEmptyAndNoneAsThePerfectLink() {
        assertThat(LinkSpec.parse("")).isEqualTo(LinkSpec.perfect());
        assertThat(LinkSpec.parse("  NONE ")).isEqualTo(LinkSpec.perfect());
        assertThat(LinkSpec.perfect().toString()).isEqualTo("none");
        assertThat(LinkSpec.perfect().isPerfect()).isTrue();
        assertThat(LinkSpec.perfect().rateBitsPerSecond()).isZero();
        assertThat(LinkSpec.perfect().queueBytes()).isZero();
        assertThat(LinkSpec.perfect().meanLossProbability()).isZero();
    }

    @Test
    void shouldAcceptWhitespaceAndUpperCaseKeysAndPrintThemCanonically() {
        final LinkSpec spec = LinkSpec.parse(" Loss = 1% , DELAY=1000us ");
        assertThat(spec.toString()).isEqualTo("delay=1ms,loss=1%");
    }

    @Test
    void shouldBuildTheSameSpecAsItsText() {
        final LinkSpec built = LinkSpec.builder()
            .delay(Duration.ofMillis(5)).jitterNs(50_000).rateBitsPerSecond(1_000_000_000L).queueBdp(2)
            .loss(0.001).gilbertElliott(0.01, 0.3).reorder(0.01).duplicate(0.0001).corrupt(0.0001)
            .build();
        assertThat(built).isEqualTo(LinkSpec.parse(FULL));
        assertThat(built.toBuilder().build()).isEqualTo(built);
    }

    @Test
    void shouldChangeOnlyTheSeedWithSeed() {
        final LinkSpec spec = LinkSpec.parse(FULL);
        final LinkSpec other = spec.withSeed(99);
        assertThat(other.seed()).isEqualTo(99);
        assertThat(other).isNotEqualTo(spec);
        assertThat(other.withSeed(1)).isEqualTo(spec);
        assertThat(other.toString()).isEqualTo(spec + ",seed=99");
        assertThat(spec.withSeed(1)).isSameAs(spec);
    }

    @Test
    void shouldResolveTheDefaultQueueToTwoBdpButAtLeast64KiB() {
        // 1 Gbit/s, 5 ms: 2 BDP = 2.5 MB.
        assertThat(LinkSpec.parse("rate=1gbit,delay=5ms").queueBytes()).isEqualTo(2_500_000L);
        // 1 Gbit/s, 10 us: 2 BDP = 5 KB, below the 64 KiB floor.
        assertThat(LinkSpec.parse("rate=1gbit,delay=10us").queueBytes()).isEqualTo(65_536L);
        assertThat(LinkSpec.parse("rate=1gbit").queueBytes()).isEqualTo(65_536L);
        // Without a rate there is no queue.
        assertThat(LinkSpec.parse("delay=5ms,queue=2bdp").queueBytes()).isZero();
    }

    @Test
    void shouldResolveExplicitQueues() {
        assertThat(LinkSpec.parse("rate=1gbit,queue=256K").queueBytes()).isEqualTo(262_144L);
        assertThat(LinkSpec.parse("rate=1gbit,queue=1MiB").queueBytes()).isEqualTo(1_048_576L);
        assertThat(LinkSpec.parse("rate=1gbit,queue=9000").queueBytes()).isEqualTo(9_000L);
        assertThat(LinkSpec.parse("rate=1gbit,delay=5ms,queue=0.5bdp").queueBytes()).isEqualTo(625_000L);
        final LinkSpec packets = LinkSpec.parse("rate=1gbit,queue=100p");
        assertThat(packets.queuePackets()).isEqualTo(100);
        assertThat(packets.queueBytes()).isZero();
    }

    @Test
    void shouldParseRatesDurationsAndPercentagesInNetemUnits() {
        assertThat(LinkSpec.parse("rate=100mbps").rateBitsPerSecond()).isEqualTo(800_000_000L);
        assertThat(LinkSpec.parse("rate=2.5gbit").rateBitsPerSecond()).isEqualTo(2_500_000_000L);
        assertThat(LinkSpec.parse("delay=1.5ms").delayNs()).isEqualTo(1_500_000L);
        assertThat(LinkSpec.parse("delay=0.49ms").delayNs()).isEqualTo(490_000L);
        assertThat(LinkSpec.parse("delay=1s").delayNs()).isEqualTo(1_000_000_000L);
        // netem: a loss without % is still a percentage.
        assertThat(LinkSpec.parse("loss=0.1").lossProbability()).isEqualTo(0.001);
        // Burst parameters: with % a percentage, without a fraction.
        assertThat(LinkSpec.parse("burst=gilbert:p=1%:r=0.3").burstP()).isEqualTo(0.01);
        assertThat(LinkSpec.parse("burst=gilbert:p=1%:r=0.3").burstR()).isEqualTo(0.3);
        assertThat(LinkSpec.parse("reorder=1%:500us").reorderGapNs()).isEqualTo(500_000L);
    }

    @Test
    void shouldDefaultTheReorderGapToAQuarterOfTheDelayButAtLeastOneMillisecond() {
        assertThat(LinkSpec.parse("reorder=1%").reorderGapNs()).isEqualTo(1_000_000L);
        assertThat(LinkSpec.parse("delay=20ms,reorder=1%").reorderGapNs()).isEqualTo(5_000_000L);
        // An explicit gap equal to the default prints as the default.
        assertThat(LinkSpec.parse("delay=20ms,reorder=1%:5ms").toString()).isEqualTo("delay=20ms,reorder=1%");
    }

    @Test
    void shouldComputeTheMeanLossOfBothModels() {
        // p/(p+r)·(1−h) + r/(p+r)·(1−k) = 0.01/0.31.
        final double ge = 0.01 / 0.31;
        assertThat(LinkSpec.parse("burst=gilbert:p=1%:r=30%").meanLossProbability()).isCloseTo(ge, within(1e-12));
        assertThat(LinkSpec.parse("loss=1%,burst=gilbert:p=1%:r=30%").meanLossProbability())
            .isCloseTo(1 - 0.99 * (1 - ge), within(1e-12));
        assertThat(LinkSpec.parse("burst=gilbert:p=1%:r=30%:h=50%:k=99%").meanLossProbability())
            .isCloseTo(0.01 / 0.31 * 0.5 + 0.30 / 0.31 * 0.01, within(1e-12));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "delay=5xs|link spec 'delay=5xs': delay: '5xs' has unknown unit 'xs'; accepted: ns, us, ms, s, m",
        "delay=5|link spec 'delay=5': delay: '5' has no unit; accepted: ns, us, ms, s, m",
        "delay=-5ms|link spec 'delay=-5ms': delay: '-5ms' must not be negative",
        "jitter=fast|link spec 'jitter=fast': jitter: 'fast' does not start with a number",
        "lost=1%|link spec 'lost=1%': unknown key 'lost' (did you mean 'loss'?); accepted: delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed",
        "colour=red|link spec 'colour=red': unknown key 'colour'; accepted: delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed",
        "delay=1ms,delay=2ms|link spec 'delay=1ms,delay=2ms': duplicate key 'delay'",
        "delay5ms|link spec 'delay5ms': 'delay5ms' is not key=value; expected for example delay=5ms",
        "delay=1ms,,loss=1%|link spec 'delay=1ms,,loss=1%': entry 2 is empty",
        "delay=|link spec 'delay=': delay: value is empty",
        "=5ms|link spec '=5ms': '=5ms' has no key; accepted: delay,",
        "loss=101%|link spec 'loss=101%': loss: '101%' is out of range; accepted: 0% to 100%",
        "loss=-1%|link spec 'loss=-1%': loss: '-1%' is out of range; accepted: 0% to 100%",
        "loss=lots|link spec 'loss=lots': loss: 'lots' is not a percentage",
        "dup=200%|link spec 'dup=200%': dup: '200%' is out of range; accepted: 0% to 100%",
        "corrupt=x|link spec 'corrupt=x': corrupt: 'x' is not a percentage",
        "reorder=150%|link spec 'reorder=150%': reorder: '150%' is out of range; accepted: 0% to 100%",
        "reorder=1%:2xs|link spec 'reorder=1%:2xs': reorder gap: '2xs' has unknown unit 'xs'; accepted: ns, us, ms, s, m",
        "rate=1gbitz|link spec 'rate=1gbitz': rate: '1gbitz' has unknown unit 'gbitz'; accepted: bit, kbit, mbit, gbit, tbit",
        "rate=1000tbit|link spec 'rate=1000tbit': rate: 1000000000000000 bit/s is out of range; accepted: 0 (unlimited) to 100000000000000 bit/s (100tbit)",
        "rate=1gbit,queue=5q|link spec 'rate=1gbit,queue=5q': queue: '5q' is not a queue size; accepted: bytes (256K, 1500;",
        "rate=1gbit,queue=0|link spec 'rate=1gbit,queue=0': queue: '0' must be at least 1 byte",
        "rate=1gbit,queue=0p|link spec 'rate=1gbit,queue=0p': queue: '0p' is out of range; accepted: 1p to 4194304p",
        "rate=1gbit,queue=1.5p|link spec 'rate=1gbit,queue=1.5p': queue: '1.5p' is not a whole number of packets",
        "rate=1gbit,queue=-2bdp|link spec 'rate=1gbit,queue=-2bdp': queue: '-2bdp' must be a positive multiple of the BDP",
        "rate=1gbit,queue=xbdp|link spec 'rate=1gbit,queue=xbdp': queue: 'xbdp' is not a number",
        "rate=1gbit,queue=2bdp|link spec 'rate=1gbit,queue=2bdp': queue: 2bdp resolves to 0 bytes (rate=1gbit, delay=0ns); give the queue in bytes or packets",
        "burst=markov:p=1%|link spec 'burst=markov:p=1%': burst: 'markov:p=1%' has unknown model 'markov'; accepted: gilbert:p=P:r=R[:h=H][:k=K]",
        "burst=gilbert:p=1%|link spec 'burst=gilbert:p=1%': burst: 'gilbert:p=1%' lacks r; accepted: gilbert:p=P:r=R",
        "burst=gilbert:r=1%|link spec 'burst=gilbert:r=1%': burst: 'gilbert:r=1%' lacks p; accepted:",
        "burst=gilbert:p=2:r=0.3|link spec 'burst=gilbert:p=2:r=0.3': burst p: '2' is out of range; accepted: a fraction 0 to 1 or a percentage 0% to 100%",
        "burst=gilbert:p=1%:r=120%|link spec 'burst=gilbert:p=1%:r=120%': burst r: '120%' is out of range; accepted: 0% to 100%",
        "burst=gilbert:p=1%:r=0|link spec 'burst=gilbert:p=1%:r=0': burst: r must be > 0",
        "burst=gilbert:p=1%:r=30%:q=1%|link spec 'burst=gilbert:p=1%:r=30%:q=1%': burst: unknown parameter 'q' in 'gilbert:p=1%:r=30%:q=1%'; accepted: p, r, h, k",
        "burst=gilbert:p=1%:p=2%:r=3%|link spec 'burst=gilbert:p=1%:p=2%:r=3%': burst: duplicate parameter 'p'",
        "burst=gilbert:p1%|link spec 'burst=gilbert:p1%': burst: 'p1%' in 'gilbert:p1%' is not name=value",
        "seed=abc|link spec 'seed=abc': seed: 'abc' is not an integer; accepted: a 64-bit signed integer",
    })
    void shouldRejectBadInputWithAPreciseMessage(final String text, final String expectedMessageStart) {
        assertThatThrownBy(() -> LinkSpec.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(expectedMessageStart);
    }

    @Test
    void shouldValidateBuilderInputNamingTheField() {
        assertThatThrownBy(() -> LinkSpec.builder().loss(1.5).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("loss: 1.5 is out of range; accepted: a probability 0 to 1 (0% to 100%)");
        assertThatThrownBy(() -> LinkSpec.builder().delayNs(-1).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("delay: -1 ns is out of range; accepted: 0 to 1 hour");
        assertThatThrownBy(() -> LinkSpec.builder().rateBitsPerSecond(-1).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("rate: -1 bit/s is out of range");
        assertThatThrownBy(() -> LinkSpec.builder().rateBitsPerSecond(1_000_000).queuePackets(0).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("queue: 0 packets is out of range; accepted: 1 to");
        assertThatThrownBy(() -> LinkSpec.builder().gilbertElliott(0.1, Double.NaN).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("burst r: NaN is out of range");
    }

    @Test
    void shouldDistinguishSpecsThatDiffer() {
        assertThat(LinkSpec.parse("delay=5ms")).isNotEqualTo(LinkSpec.parse("delay=6ms"));
        assertThat(LinkSpec.parse("rate=1gbit,queue=100p")).isNotEqualTo(LinkSpec.parse("rate=1gbit,queue=100K"));
        assertThat(LinkSpec.parse("loss=1%")).isNotEqualTo(LinkSpec.parse("burst=gilbert:p=1%:r=99%"));
        assertThat(LinkSpec.parse("reorder=1%")).isNotEqualTo(LinkSpec.parse("reorder=1%:2ms"));
    }
}
