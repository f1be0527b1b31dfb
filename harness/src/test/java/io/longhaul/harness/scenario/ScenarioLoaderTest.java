package io.longhaul.harness.scenario;

import io.longhaul.collectives.Algorithm;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioLoaderTest {
    private static final String TWO_DCS = "dcs:\n  - {name: east, ranks: 2}\n  - {name: west, ranks: 2}\n";

    private static Scenario parse(final String yaml) {
        return ScenarioLoader.parse(yaml, "dci.yaml", "test");
    }

    @Test
    void shouldLoadEveryPresetByName() {
        for (final String name : ScenarioLoader.PRESETS) {
            final Scenario s = ScenarioLoader.load(name);
            assertThat(s.name()).isEqualTo(name);
            assertThat(s.description()).isNotBlank();
            assertThat(s.source()).isEqualTo("preset " + name);
        }
        assertThat(ScenarioLoader.load("local").topology().toString()).isEqualTo("1x4");
        assertThat(ScenarioLoader.load("local").scale()).as("one machine's DC is not scaled").isEqualTo(1);
        assertThat(ScenarioLoader.load("local").describe()).doesNotContain("scale");
        for (final String name : List.of("dci-10km", "dci-100km", "dci-1000km", "dci-1000km-ecmp", "lossy-1000km")) {
            final Scenario s = ScenarioLoader.load(name);
            assertThat(s.scale()).as(name).isEqualTo(400);
            assertThat(s.describe()).as(name).contains("scale 1:400 (rates and gradient bytes are 1/400 of the real system's: "
                + "1 Gbit/s here is 400 Gbit/s at full size; delays and compute times are real");
            assertThat(s.withDistanceKm(10).atZeroDistance().scale()).as("variations keep the scale").isEqualTo(400);
        }
        assertThat(ScenarioLoader.load("dci-100km").topology().toString()).isEqualTo("2x2");
    }

    @ParameterizedTest(name = "{0}: one-way {1} ns")
    @CsvSource({"dci-10km, 249000", "dci-100km, 690000", "dci-1000km, 5100000", "lossy-1000km, 5100000"})
    void shouldComputeOneWayDelayAsFiberPlusEquipment(final String preset, final long delayNs) {
        final Scenario s = ScenarioLoader.load(preset);
        assertThat(s.interDcLink(0, 1).delayNs()).isEqualTo(delayNs);
        assertThat(s.interDcLink("west", "east")).isEqualTo(s.interDcLink(0, 1));
        assertThat(s.interDcLink(0, 1).rateBitsPerSecond()).isEqualTo(1_000_000_000L);
        assertThat(s.intraDcLink()).isEqualTo(LinkSpec.parse("delay=5us,rate=10gbit"));
    }

    @Test
    void shouldComputeDelayArithmetic() {
        assertThat(Scenario.oneWayDelayNs(0, 0)).isZero();
        assertThat(Scenario.oneWayDelayNs(1, 0)).isEqualTo(4_900);
        assertThat(Scenario.oneWayDelayNs(2.5, 1_000)).isEqualTo(13_250);
        assertThat(Scenario.oneWayDelayNs(1000, Scenario.DEFAULT_EQUIPMENT_DELAY_NS)).isEqualTo(5_100_000);
        assertThatThrownBy(() -> Scenario.oneWayDelayNs(-1, 0)).hasMessageContaining("accepted: 0 to 20000");
    }

    @Test
    void shouldBuildLossyPresetWithRandomAndBurstLoss() {
        final LinkSpec l = ScenarioLoader.load("lossy-1000km").interDcLink();
        assertThat(l.lossProbability()).isEqualTo(0.001);
        assertThat(l.hasBurstLoss()).isTrue();
        assertThat(l.burstP()).isEqualTo(0.0001);
        assertThat(l.burstR()).isEqualTo(0.25);
        assertThat(l.meanLossProbability()).isGreaterThan(0.001);
    }

    @Test
    void shouldParseFieldsPairsAndDefaults() {
        final Scenario s = parse("name: tri\ndcs:\n  - {name: a, ranks: 1}\n  - {name: b, ranks: 2}\n  - {name: c, ranks: 1}\n"
            + "links:\n  intra: {delay: 10us, rate: 25gbit}\n"
            + "  inter: {distance_km: 100, equipment_delay: 0.1ms, rate: 2gbit, queue: 500p, jitter: 20us, loss: 0.5%,"
            + " burst: 'gilbert:p=1%:r=50%', reorder: '1%:2ms', dup: 0.1%, corrupt: 0.01%}\n"
            + "  pairs:\n    - {between: [c, a], distance_km: 1000, loss: 0%, burst: none}\n"
            + "transport: {cc: cubic, max_payload: 8000}\ncollectives: {algorithm: ring, chunk: 512K}\nseed: 42\n");
        assertThat(s.topology().toString()).isEqualTo("0,1,1,2");
        assertThat(s.intraDcLink()).isEqualTo(LinkSpec.parse("delay=10us,rate=25gbit"));
        final LinkSpec ab = s.interDcLink("a", "b");
        assertThat(ab).isEqualTo(LinkSpec.parse("delay=590us,jitter=20us,rate=2gbit,queue=500p,loss=0.5%,burst=gilbert:p=1%:r=50%,"
            + "reorder=1%:2ms,dup=0.1%,corrupt=0.01%"));
        assertThat(s.interDcLink("b", "c")).isEqualTo(ab);
        final LinkSpec ac = s.interDcLink("a", "c");
        assertThat(ac.delayNs()).isEqualTo(5_000_000);
        assertThat(ac.lossProbability()).isZero();
        assertThat(ac.hasBurstLoss()).isFalse();
        assertThat(s.distanceKm(2, 0)).isEqualTo(1000);
        assertThat(s.maxDistanceKm()).isEqualTo(1000);
        assertThat(s.congestionControl()).isEqualTo("cubic");
        assertThat(s.maxPayloadBytes()).isEqualTo(8000);
        assertThat(s.algorithm()).isEqualTo(Algorithm.RING);
        assertThat(s.chunkBytes()).isEqualTo(512 * 1024);
        assertThat(s.seed()).isEqualTo(42);
        assertThatThrownBy(s::interDcLink).isInstanceOf(IllegalStateException.class).hasMessageContaining("different links between DCs");
        assertThat(s.describe()).contains("a-c: 1000 km, one-way 5.00 ms");
    }

    @Test
    void shouldDefaultEverythingButTheDcs() {
        final Scenario s = ScenarioLoader.parse(TWO_DCS, "two.yaml", "test");
        assertThat(s.name()).isEqualTo("two");
        assertThat(s.intraDcLink().isPerfect()).isTrue();
        assertThat(s.interDcLink().delayNs()).isEqualTo(Scenario.DEFAULT_EQUIPMENT_DELAY_NS);
        assertThat(s.congestionControl()).isEqualTo("bbr");
        assertThat(s.algorithm()).isEqualTo(Algorithm.AUTO);
    }

    @Test
    void shouldVaryDistanceLossAndKeepQueueBytesAtZeroDistance() {
        final Scenario s = ScenarioLoader.load("dci-1000km");
        assertThat(s.withDistanceKm(100).interDcLink().delayNs()).isEqualTo(690_000);
        assertThat(s.withLoss(0.01).interDcLink().lossProbability()).isEqualTo(0.01);
        final Scenario zero = s.atZeroDistance();
        assertThat(zero.interDcLink().delayNs()).isEqualTo(200_000);
        assertThat(zero.interDcLink().queueBytes()).isEqualTo(s.interDcLink().queueBytes());
        assertThat(s.withDistanceKm(0).interDcLink().queueBytes()).isLessThan(s.interDcLink().queueBytes());
    }

    @Test
    void shouldLoadAFileByPathAndNameItsErrorsByFileName(@org.junit.jupiter.api.io.TempDir final Path dir) throws Exception {
        final Path f = dir.resolve("mine.yaml");
        Files.writeString(f, TWO_DCS + "links:\n  inter: {distance_km: 50}\n");
        assertThat(ScenarioLoader.load(f.toString()).interDcLink().delayNs()).isEqualTo(445_000);
        Files.writeString(f, TWO_DCS + "links:\n  inter: {distance_km: far}\n");
        assertThatThrownBy(() -> ScenarioLoader.load(f.toString())).isInstanceOf(ScenarioException.class)
            .hasMessage("mine.yaml: links.inter.distance_km: 'far' is not a number; accepted: 0 to 20000 (line 5)");
        assertThatThrownBy(() -> ScenarioLoader.load("dci-9km")).hasMessage("dci-9km: no such preset or file; presets: "
            + String.join(", ", ScenarioLoader.PRESETS));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "not a number|links:\\n  inter: {distance_km: far}|dci.yaml: links.inter.distance_km: 'far' is not a number; accepted: 0 to 20000 (line 5)",
        "out of range|links:\\n  inter: {distance_km: 30000}|dci.yaml: links.inter.distance_km: '30000' is out of range; accepted: 0 to 20000 (line 5)",
        "unknown key|links:\\n  inter: {distanse_km: 10}|dci.yaml: links.inter.distanse_km: unknown key; did you mean 'distance_km'? accepted: distance_km, equipment_delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, ecmp, fail, degrade, nic, nic_queue, hash_seed (line 5)",
        "unknown top key|link:\\n  inter: {}|dci.yaml: link: unknown key; did you mean 'links'? accepted: name, description, dcs, links, transport, collectives, seed, scale (line 4)",
        "duplicate key|seed: 1\\nseed: 2|dci.yaml: seed: duplicate key; each key may appear once (line 5)",
        "bad rate unit|links:\\n  inter: {rate: 1gigabit}|dci.yaml: links.inter.rate: '1gigabit' has unknown unit 'gigabit'; accepted: bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s) (line 5)",
        "bad loss|links:\\n  inter: {loss: 120%}|dci.yaml: links.inter.loss: '120%' is out of range; accepted: 0% to 100% (line 5)",
        "bad queue|links:\\n  inter: {queue: lots}|dci.yaml: links.inter.queue: 'lots' is not a queue size; accepted: bytes (256K, 1500), packets (100p) or multiples of the BDP (2bdp) (line 5)",
        "burst without r|links:\\n  inter: {burst: {p: 1%}}|dci.yaml: links.inter.burst: missing 'r'; a Gilbert-Elliott burst needs p (good to bad) and r (bad to good), e.g. {p: 0.01%, r: 25%} (line 5)",
        "bad burst prob|links:\\n  inter: {burst: {p: 1%, r: 2}}|dci.yaml: links.inter.burst.r: '2' is out of range; accepted: a percentage such as 1% or a fraction such as 0.01 (line 5)",
        "bad intra spec|links:\\n  intra: delay=fast|dci.yaml: links.intra: link spec 'delay=fast': delay: 'fast' does not start with a number; accepted units: ns, us, ms, s, m (line 5)",
        "unknown DC in pair|links:\\n  pairs:\\n    - {between: [east, wset]}|dci.yaml: links.pairs[0].between[1]: 'wset' is not a DC of this scenario; did you mean 'west'? accepted: east, west (line 6)",
        "bad cc|transport: {cc: vegas}|dci.yaml: transport.cc: unknown congestion control 'vegas'; available: bbr, cubic, delay, fixed, newreno (line 4)",
        "bad algorithm|collectives: {algorithm: butterfly}|dci.yaml: collectives.algorithm: unknown algorithm 'butterfly'; accepted: auto, ring, rhd, tree, hier (line 4)",
        "wrong type|links: [1, 2]|dci.yaml: links: expected a mapping with keys intra, inter, pairs but found a list (line 4)",
        "ecmp out of range|links:\\n  inter: {ecmp: 0}|dci.yaml: links.inter.ecmp: '0' is out of range; accepted: 1 to 64 (line 5)",
        "failed link out of range|links:\\n  inter: {ecmp: 4, fail: 9@1s}|dci.yaml: links.inter.fail: fabric spec 'ecmp=4,fail=9@1s': fail=9@1s: link 9 is out of range; accepted: 0 to 3 (ecmp=4, links are numbered from 0) (line 5)",
        "nic without ecmp|links:\\n  inter: {nic: 2gbit}|dci.yaml: links.inter.nic: applies to an ECMP group; add ecmp: K (the number of parallel links, 1 to 64) beside it (line 5)",
        "nic queue without nic|links:\\n  inter: {ecmp: 4, nic_queue: 100p}|dci.yaml: links.inter.nic_queue: needs nic: RATE beside it (a NIC queue without a NIC rate has no effect) (line 5)",
        "bad degrade|links:\\n  inter: {ecmp: 4, degrade: '1@1s:loss=200%'}|dci.yaml: links.inter.degrade: fabric spec 'ecmp=4,degrade=1@1s:loss=200%': degrade=1@1s:loss=200%: loss: '200%' is out of range; accepted: 0% to 100% (line 5)",
        "bad hash seed|links:\\n  inter: {ecmp: 4, hash_seed: abc}|dci.yaml: links.inter.hash_seed: fabric spec 'ecmp=4,hash-seed=abc': hash-seed: 'abc' is not an integer; accepted: a 64-bit signed integer (line 5)",
        "bad scheduler|transport: {scheduler: nope}|dci.yaml: transport.scheduler: unknown path scheduler 'nope'; available: flowlet, minrtt, plb, single, spray, weighted (line 4)",
        "too many paths|transport: {paths: 99}|dci.yaml: transport.paths: '99' is out of range; accepted: 1 to 16 (line 4)",
        "bad ranks|seed: x|dci.yaml: seed: 'x' is not a whole number; accepted: -9223372036854775808 to 9223372036854775807 (line 4)",
        "scale below 1|scale: 0.5|dci.yaml: scale: '0.5' is out of range; accepted: 1 to 1000000 (how many times the real system's rates are divided here) (line 4)",
    })
    void shouldNameFileFieldValueAndAcceptedRange(final String what, final String extra, final String message) {
        assertThatThrownBy(() -> parse(TWO_DCS + extra.replace("\\n", "\n"))).isInstanceOf(ScenarioException.class).hasMessage(message);
    }

    @Test
    void shouldRejectDeepNestingWithAClearErrorInsteadOfOverflowingTheStack() {
        final String lists = TWO_DCS + "links: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";
        assertThatThrownBy(() -> parse(lists)).isInstanceOf(ScenarioException.class)
            .hasMessage("dci.yaml: nested more than 32 mappings or lists deep; a scenario needs at most 4 (line 4)");
        final String maps = TWO_DCS + "links: " + "{a: ".repeat(3_000) + "1" + "}".repeat(3_000) + "\n";
        assertThatThrownBy(() -> parse(maps)).isInstanceOf(ScenarioException.class).hasMessageContaining("nested more than 32");
        final String ok = TWO_DCS + "links: " + "{a: ".repeat(20) + "1" + "}".repeat(20) + "\n";
        assertThatThrownBy(() -> parse(ok)).as("within the limit the schema speaks").hasMessageContaining("links.a: unknown key");
    }

    @Test
    void shouldMapAnEcmpGroupOntoOneFabricSpecWithSchedulerAndPaths() {
        final Scenario s = parse(TWO_DCS + "links:\n  inter: {ecmp: 4, rate: 1gbit, nic: 2gbit, fail: [1@1s+1s, 2@2s]}\n"
            + "transport: {scheduler: 'plb:rounds=16', paths: 4}\n");
        assertThat(s.scheduler()).isEqualTo("plb:rounds=16");
        assertThat(s.paths()).isEqualTo(4);
        assertThat(s.describe()).contains("ECMP group ecmp=4,delay=200us,rate=1gbit,nic=2gbit,fail=1@1s+1s,fail=2@2s")
            .contains("scheduler=plb:rounds=16, paths=4");
        final Scenario preset = ScenarioLoader.load("dci-1000km-ecmp");
        assertThat(preset.describe()).contains("ECMP group ecmp=4,delay=5100us,rate=1gbit,queue=2bdp,nic=2gbit,fail=1@400ms+300ms");
        assertThat(parse(TWO_DCS).paths()).as("one path unless asked").isEqualTo(1);
    }

    @Test
    void shouldRejectBadDataCenters() {
        assertThatThrownBy(() -> parse("name: x\n")).hasMessage("dci.yaml: missing 'dcs': a list of data centers, e.g. dcs: "
            + "[{name: east, ranks: 2}, {name: west, ranks: 2}] (line 1)");
        assertThatThrownBy(() -> parse("dcs: []\n")).hasMessage("dci.yaml: dcs: the list is empty; accepted: at least one DC, e.g. "
            + "- {name: east, ranks: 2} (line 1)");
        assertThatThrownBy(() -> parse("dcs:\n  - {name: a}\n")).hasMessage("dci.yaml: dcs[0]: missing 'ranks': how many ranks this DC hosts, "
            + "1 to 4096 (line 2)");
        assertThatThrownBy(() -> parse("dcs:\n  - {name: a, ranks: 0}\n")).hasMessage("dci.yaml: dcs[0].ranks: '0' is out of range; "
            + "accepted: 1 to 4096 (line 2)");
        assertThatThrownBy(() -> parse("dcs:\n  - {name: a, ranks: 1}\n  - {name: a, ranks: 1}\n"))
            .hasMessage("dci.yaml: dcs[1].name: DC name 'a' is used twice; DC names must be unique (line 3)");
        assertThatThrownBy(() -> parse("")).hasMessage("dci.yaml: the file is empty; a scenario needs at least 'dcs'");
    }

    @Test
    void shouldReportYamlSyntaxErrorsWithTheirLine() {
        assertThatThrownBy(() -> parse(TWO_DCS + "links: {inter: [\n")).isInstanceOf(ScenarioException.class)
            .hasMessageStartingWith("dci.yaml: not valid YAML: ");
    }

    @Test
    void shouldRejectAQueueThatResolvesToNothing() {
        assertThatThrownBy(() -> parse(TWO_DCS + "links:\n  inter: {equipment_delay: 0, rate: 1gbit, queue: 2bdp}\n"))
            .hasMessageContaining("dci.yaml: links.inter: queue: 2bdp resolves to 0 bytes");
    }
}
