package io.longhaul.transport.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FabricSpecTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    @Test
    void shouldParseOneValueForEveryLink() {
        final FabricSpec spec = FabricSpec.parse("ecmp=4,rate=1gbit,delay=5ms,loss=0.1%");

        assertThat(spec.links()).isEqualTo(4);
        assertThat(spec.linkSpecs()).hasSize(4).containsOnly(LinkSpec.parse("delay=5ms,rate=1gbit,loss=0.1%"));
        assertThat(spec.nic()).isNull();
        assertThat(spec.hashSeed()).isEqualTo(FabricSpec.DEFAULT_HASH_SEED);
        assertThat(spec.seed()).isEqualTo(FabricSpec.DEFAULT_SEED);
        assertThat(spec.events()).isEmpty();
        assertThat(spec).hasToString("ecmp=4,delay=5ms,rate=1gbit,loss=0.1%");
    }

    @Test
    void shouldParseAListOfExactlyKValuesLinkZeroFirst() {
        final FabricSpec spec = FabricSpec.parse("ecmp=4,rate=1gbit/1gbit/500mbit/1gbit,delay=5ms");

        assertThat(spec.link(0).rateBitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(spec.link(1).rateBitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(spec.link(2).rateBitsPerSecond()).isEqualTo(500_000_000L);
        assertThat(spec.link(3).rateBitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(spec.linkSpecs()).extracting(LinkSpec::delayNs).containsOnly(5 * MS);
        // The default queue follows each link's own rate: 2 BDP of 500 Mbit/s × 10 ms RTT.
        assertThat(spec.link(2).queueBytes()).isEqualTo(1_250_000L);
        assertThat(spec).hasToString("ecmp=4,delay=5ms,rate=1gbit/1gbit/500mbit/1gbit");
    }

    @Test
    void shouldParseTheFabricKeysAndEvents() {
        final FabricSpec spec = FabricSpec.parse(
            "ecmp=4,rate=1gbit,nic=2gbit,nic-queue=256K,hash-seed=7,seed=42,degrade=2@3s:loss=2%,fail=1@2s+500ms,fail=3@10s");

        assertThat(spec.nicRateBitsPerSecond()).isEqualTo(2_000_000_000L);
        assertThat(spec.nic().queueBytes()).isEqualTo(256 * 1024);
        assertThat(spec.hashSeed()).isEqualTo(7);
        assertThat(spec.seed()).isEqualTo(42);
        assertThat(spec.events()).containsExactly(
            new FabricSpec.Event(FabricSpec.EventKind.FAIL, 1, 2 * S, 500 * MS, Map.of()),
            new FabricSpec.Event(FabricSpec.EventKind.DEGRADE, 2, 3 * S, -1, Map.of("loss", "2%")),
            new FabricSpec.Event(FabricSpec.EventKind.FAIL, 3, 10 * S, -1, Map.of()));
        assertThat(spec.events().get(0).endNs()).isEqualTo(2500 * MS);
        assertThat(spec.events().get(2).forever()).isTrue();
        // Events print in time order.
        assertThat(spec).hasToString("ecmp=4,rate=1gbit,nic=2gbit,nic-queue=256K,hash-seed=7,seed=42,"
            + "fail=1@2s+500ms,degrade=2@3s:loss=2%,fail=3@10s");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ecmp=1",
        "ecmp=64",
        "ecmp=4,delay=5ms,rate=1gbit,loss=0.1%",
        "ecmp=4,delay=5ms,rate=1gbit/1gbit/500mbit/1gbit",
        "ecmp=3,loss=1%/-/2%",
        "ecmp=2,delay=1ms/2ms,jitter=10us,rate=10gbit,queue=100p/2bdp,burst=gilbert:p=1%:r=30%/-,reorder=1%:5ms,dup=0.01%,corrupt=-/0.01%",
        "ecmp=2,rate=1gbit,nic=1gbit",
        "ecmp=2,rate=1gbit,nic=1gbit,nic-queue=50p",
        "ecmp=8,hash-seed=-3,seed=9",
        "ecmp=4,rate=1gbit,fail=0@0ns,fail=1@2s+500ms,fail=1@2200ms+1s",
        "ecmp=4,rate=1gbit,degrade=2@3s:loss=2%,degrade=2@4s+1s:delay=20ms:rate=100mbit",
        "ecmp=2,degrade=0@1s+1s:burst=gilbert:p=1%:r=30%:delay=20ms",
        "ecmp=2,delay=40ms,degrade=1@1s:reorder=1%:2ms",
    })
    void shouldPrintACanonicalFormThatParsesBackToAnEqualSpec(final String text) {
        final FabricSpec spec = FabricSpec.parse(text);
        assertThat(spec).hasToString(text);
        final FabricSpec again = FabricSpec.parse(spec.toString());
        assertThat(again).isEqualTo(spec).hasSameHashCodeAs(spec);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "ecmp=2,rate=1gbit/1gbit; ecmp=2,rate=1gbit",
        "ECMP=2 , Rate = 1gbit ; ecmp=2,rate=1gbit",
        "ecmp=2,loss=0%/1%; ecmp=2,loss=-/1%",
        "ecmp=2,rate=1gbit,loss=-; ecmp=2,rate=1gbit",
        "ecmp=2,nic=1gbit,nic-queue=1000p; ecmp=2,nic=1gbit",
        "ecmp=2,hash-seed=0,seed=1; ecmp=2",
        "ecmp=2,degrade=1@1000ms:LOSS=2%; ecmp=2,degrade=1@1s:loss=2%",
    })
    void shouldCanonicaliseEquivalentForms(final String text, final String canonical) {
        final FabricSpec spec = FabricSpec.parse(text);
        assertThat(spec).hasToString(canonical);
        assertThat(FabricSpec.parse(canonical)).isEqualTo(spec);
    }

    @Test
    void shouldBuildTheSameSpecAsTheTextForm() {
        final FabricSpec built = FabricSpec.builder(4)
            .link(LinkSpec.parse("delay=5ms,rate=1gbit"))
            .link(2, LinkSpec.parse("delay=5ms,rate=500mbit"))
            .nicRateBitsPerSecond(2_000_000_000L)
            .hashSeed(7)
            .seed(42)
            .fail(1, 2 * S, 500 * MS)
            .degrade(2, 3 * S, "loss=2%,delay=10ms")
            .build();
        final FabricSpec parsed = FabricSpec.parse(
            "ecmp=4,delay=5ms,rate=1gbit/1gbit/500mbit/1gbit,nic=2gbit,hash-seed=7,seed=42,fail=1@2s+500ms,degrade=2@3s:loss=2%:delay=10ms");
        assertThat(built).isEqualTo(parsed);
        assertThat(built.toBuilder().build()).isEqualTo(built);
        assertThat(built.withSeed(5).seed()).isEqualTo(5);
        assertThat(built.withSeed(5).withSeed(42)).isEqualTo(built);
    }

    @Test
    void shouldIgnoreALinkSpecsOwnSeedBecauseTheFabricDerivesLinkSeeds() {
        final FabricSpec spec = FabricSpec.builder(2).link(LinkSpec.parse("loss=1%,seed=99")).build();
        assertThat(spec.link(0).seed()).isEqualTo(LinkSpec.DEFAULT_SEED);
        assertThat(spec).isEqualTo(FabricSpec.parse("ecmp=2,loss=1%"));
    }

    @Test
    void shouldDeriveADistinctSeedPerLinkAndDirection() {
        final FabricSpec spec = FabricSpec.parse("ecmp=64,seed=5");
        final Set<Long> seeds = new HashSet<>();
        for (int l = 0; l < 64; l++) {
            seeds.add(spec.linkSeed(l, 0));
            seeds.add(spec.linkSeed(l, 1));
        }
        assertThat(seeds).hasSize(128);
        assertThat(spec.linkSeed(3, 1)).isEqualTo(FabricSpec.parse("ecmp=4,seed=5").linkSeed(3, 1));
        assertThat(spec.linkSeed(3, 1)).isNotEqualTo(spec.withSeed(6).linkSeed(3, 1));
    }

    @Test
    void shouldTellAFabricSpecByItsEcmpEntry() {
        assertThat(FabricSpec.isFabricSpec("ecmp=2,rate=1gbit")).isTrue();
        assertThat(FabricSpec.isFabricSpec("rate=1gbit, ECMP = 4")).isTrue();
        assertThat(FabricSpec.isFabricSpec("rate=1gbit,delay=5ms")).isFalse();
        assertThat(FabricSpec.isFabricSpec("")).isFalse();
        assertThat(FabricSpec.isFabricSpec(null)).isFalse();
    }

    @Test
    void shouldApplyOverlappingEventsInTimeOrder() {
        final FabricSpec spec = FabricSpec.parse("ecmp=2,delay=5ms,loss=1%,fail=1@1s+2s,fail=1@2s+2s,"
            + "degrade=0@1s+2s:loss=3%:delay=7ms,degrade=0@2s+2s:loss=5%");

        final FabricSpec.Segment[] failed = spec.timeline(1);
        assertThat(failed).extracting(FabricSpec.Segment::fromNs).containsExactly(0L, 1 * S, 4 * S);
        assertThat(failed).extracting(FabricSpec.Segment::down).containsExactly(false, true, false);

        final FabricSpec.Segment[] degraded = spec.timeline(0);
        assertThat(degraded).extracting(FabricSpec.Segment::fromNs).containsExactly(0L, 1 * S, 2 * S, 3 * S, 4 * S);
        assertThat(degraded).extracting(s -> s.spec().toString()).containsExactly(
            "delay=5ms,loss=1%",
            "delay=7ms,loss=3%",
            "delay=7ms,loss=5%",   // the later start wins loss; delay still from the first
            "delay=5ms,loss=5%",
            "delay=5ms,loss=1%");
        assertThat(degraded).extracting(FabricSpec.Segment::down).containsOnly(false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        // wrong list length names both numbers
        "ecmp=4,rate=1gbit/1gbit/500mbit; rate: '1gbit/1gbit/500mbit' has 3 values for 4 links (ecmp=4); accepted: one value for all links or exactly 4 separated by '/'",
        // unknown keys with a suggestion
        "ecmp=4,rte=1gbit; unknown key 'rte' (did you mean 'rate'?); accepted: ecmp, delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, nic, nic-queue, hash-seed, seed, fail, degrade",
        "ecmp=4,hashseed=3; unknown key 'hashseed' (did you mean 'hash-seed'?)",
        "ecmp=4,degrade=1@1s:los=2%; degrade: '1@1s:los=2%': unknown key 'los' (did you mean 'loss'?); accepted: delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt",
        // link index out of range
        "ecmp=4,fail=4@1s; fail=4@1s: link 4 is out of range; accepted: 0 to 3 (ecmp=4, links are numbered from 0)",
        "ecmp=4,degrade=-1@1s:loss=1%; link -1 is out of range; accepted: 0 to 3",
        // bad times
        "ecmp=4,fail=1@soon; fail: '1@soon': time: 'soon' does not start with a number; accepted units: ns, us, ms, s, m",
        "ecmp=4,fail=1@5; fail: '1@5': time: '5' has no unit; accepted: ns, us, ms, s, m",
        "ecmp=4,fail=1@1s+0s; fail: '1@1s+0s': duration: '0s' must be more than 0 (leave it out for forever)",
        "ecmp=4,fail=1@25h; time: '25h' has unknown unit 'h'",
        "ecmp=4,fail=1@1441m; time 86460000000000 ns is out of range; accepted: 0 to 24h",
        // event formats
        "ecmp=4,fail=1; fail: '1' is not L@TIME[+DURATION], e.g. fail=1@2s+500ms",
        "ecmp=4,fail=x@1s; fail: 'x@1s': link 'x' is not an integer",
        "ecmp=4,fail=1@1s:loss=1%; a failure changes no parameters (degrade does)",
        "ecmp=4,degrade=1@1s; degrade: '1@1s' changes nothing; expected degrade=L@TIME[+DURATION]:key=value[:key=value...]",
        "ecmp=4,degrade=1@1s:loss=1%:loss=2%; duplicate key 'loss'; each key may change once per event",
        "ecmp=4,degrade=1@1s:loss=200%; degrade=1@1s:loss=200%: loss: '200%' is out of range",
        // the link count
        "ecmp=65; ecmp: 65 is out of range; accepted: 1 to 64 parallel links",
        "ecmp=0; ecmp: 0 is out of range; accepted: 1 to 64 parallel links",
        "ecmp=four; ecmp: 'four' is not an integer",
        "rate=1gbit; has no ecmp=K; a fabric spec needs the number of parallel links, 1 to 64",
        "ecmp=2,ecmp=3; duplicate key 'ecmp'",
        // per-link values are parsed by LinkSpec
        "ecmp=2,delay=5ms/5parsecs; link 1: delay: '5parsecs' has unknown unit 'parsecs'",
        "ecmp=2,delay=5parsecs; fabric spec 'ecmp=2,delay=5parsecs': delay: '5parsecs' has unknown unit 'parsecs'",
        "ecmp=2,rate=1gbit/; rate: value 2 of '1gbit/' is empty; use '-' to leave the key unset on a link",
        "ecmp=2,seed=1/2; seed: '1/2' is not an integer",
        // NIC
        "ecmp=2,nic-queue=100p; nic-queue: needs nic=RATE",
        "ecmp=2,nic=1gbit,nic-queue=2bdp; nic-queue: '2bdp' is not accepted; give the NIC queue in bytes (256K) or packets (1000p)",
        "ecmp=2,nic=fast; nic: 'fast' does not start with a number",
        "ecmp=2,,rate=1gbit; entry 2 is empty",
    })
    void shouldRejectBadInputWithAPreciseMessage(final String text, final String message) {
        assertThatThrownBy(() -> FabricSpec.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("fabric spec '" + text + "': ")
            .hasMessageContaining(message);
    }

    @Test
    void shouldValidateTheBuilderLikeTheParser() {
        assertThatThrownBy(() -> FabricSpec.builder(4).link(4, LinkSpec.perfect()).build())
            .hasMessage("link: link 4 is out of range; accepted: 0 to 3 (ecmp=4, links are numbered from 0)");
        assertThatThrownBy(() -> FabricSpec.builder(65).build())
            .hasMessage("ecmp: 65 is out of range; accepted: 1 to 64 parallel links");
        assertThatThrownBy(() -> FabricSpec.builder(2).fail(0, -1).build())
            .hasMessageContaining("time -1 ns is out of range; accepted: 0 to 24h");
        assertThatThrownBy(() -> FabricSpec.builder(2).degrade(0, S, "jitter=oops").build())
            .hasMessageContaining("degrade=0@1s:jitter=oops: jitter: 'oops' does not start with a number");
        assertThatThrownBy(() -> FabricSpec.builder(2).nicQueuePackets(10).build())
            .hasMessageStartingWith("nic-queue: needs nic=RATE");
    }
}
