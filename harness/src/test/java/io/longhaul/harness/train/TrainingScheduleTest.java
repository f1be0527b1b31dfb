package io.longhaul.harness.train;

import io.longhaul.collectives.DataType;
import io.longhaul.harness.scenario.LoopbackBackend;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.scenario.SimBackend;
import io.longhaul.transport.core.CoreConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The training schedules on the simulated backend, in virtual time, against step times and DCI
 * bytes worked out by hand from the link figures.
 *
 * <p>The hand model. Two DCs of one rank each, joined by a 1 Gbit/s link each way with one-way
 * delay d; ring all-reduce; congestion control {@code fixed:rate=1gbit} (no ramp-up, so the link
 * runs at its rate from the first packet). A message of m bytes (32-byte header + payload) goes
 * out in packets carrying {@link CoreConfig#DEFAULT_MAX_PAYLOAD_BYTES} (1420) bytes of it in 1500
 * bytes on the wire, so it takes m · 1500/1420 · 8 ns to serialize. A 2-rank ring all-reduce of
 * B bytes is a reduce-scatter round (each rank sends B/2 + 32 bytes, which arrive after
 * serialization + d) then an all-gather round (the same again): A = 2 · (ser(B/2 + 32) + d). A
 * 2-rank all-gather of P bytes per rank is one round: ser(P + 32) + d. Compute: forward 10 ms +
 * backward 20 ms, one bucket (so its all-reduce starts at the end of backward). Tolerance: 1% of
 * the communication time plus 0.1 ms (what the hand model leaves out: acknowledgements, the last
 * packet's short tail, timer granularity).
 *
 * <p>DCI bytes are counted exactly: with chunks of 1 MiB (the default), each ring round is one
 * message per rank.
 */
class TrainingScheduleTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final SimBackend SIM = new SimBackend();
    private static final long GRAD = 1L << 20;
    private static final long COMPUTE = 30 * MS;
    private static final int HEADER = 32;
    /** 1 MiB float32 gradient in one bucket, 10 ms forward, 20 ms backward, 8 measured steps after 4 warm-up ones. */
    private static final TrainConfig BASE = new TrainConfig(GRAD, GRAD, 10 * MS, 20 * MS, 8, 4, DataType.FLOAT32);

    /** 2 DCs x {@code ranksPerDc}, one-way inter-DC delay {@code delayMs}. */
    private static Scenario twoDcs(final int ranksPerDc, final int delayMs, final String algorithm) {
        return ScenarioLoader.parse("dcs: [{name: a, ranks: " + ranksPerDc + "}, {name: b, ranks: " + ranksPerDc + "}]\n"
            + "links: {intra: \"delay=5us,rate=10gbit\", inter: {distance_km: 0, equipment_delay: " + delayMs + "ms, rate: 1gbit, queue: 4bdp}}\n"
            + "transport: {cc: \"fixed:rate=1gbit\"}\ncollectives: {algorithm: " + algorithm + "}\nseed: 3\n", "two-dcs.yaml", "test");
    }

    /** Serialization of an m-byte message at 1 Gbit/s, packet headers included. */
    private static double serNs(final long messageBytes) {
        return messageBytes * 1500.0 / CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES * 8;
    }

    /** 2-rank ring all-reduce of {@code bytes}. */
    private static double allReduceNs(final long bytes, final int delayMs) {
        return 2 * (serNs(bytes / 2 + HEADER) + delayMs * MS);
    }

    private static TrainResult run(final Scenario s, final TrainConfig c) {
        return TrainComparison.runOnce(SIM, s, c);
    }

    private static TrainSchedule schedule(final TrainSchedule.Kind kind, final int h) {
        return TrainSchedule.of(kind).withInnerSteps(h);
    }

    private static void assertCloseTo(final long actualNs, final double expectedCommNs, final String what) {
        assertThat((double) actualNs).as(what).isCloseTo(COMPUTE + expectedCommNs, within(0.01 * expectedCommNs + 0.1 * MS));
    }

    @Test
    void shouldTakeComputePlusOneRingAllReduceEveryDdpStep() {
        final TrainResult r = run(twoDcs(1, 5, "ring"), BASE);
        final double a = allReduceNs(GRAD, 5);
        assertThat(r.schedule().kind()).isEqualTo(TrainSchedule.Kind.DDP);
        for (final long step : r.stepNs()) {
            assertCloseTo(step, a, "ddp step");
        }
        assertThat(r.exposedNs()).isCloseTo(a, within(0.01 * a + 0.1 * MS));
        // Each rank sends two messages of half the gradient plus a header, every step.
        assertThat(r.dciBytes()).hasSize(8).containsOnly(2 * 2 * (GRAD / 2 + HEADER));
        assertThat(r.meanDciBytesPerStep()).isEqualTo(2 * 2 * (GRAD / 2 + HEADER));
    }

    @Test
    void shouldRunInnerStepsAtComputeSpeedAndPayOneBlockingAllReduceEveryHSteps() {
        // One rank per DC: the DC groups are single ranks, so inner steps send nothing.
        final int h = 4;
        for (final TrainSchedule.Kind kind : List.of(TrainSchedule.Kind.LOCALSGD, TrainSchedule.Kind.DILOCO)) {
            final TrainResult r = run(twoDcs(1, 5, "ring"), BASE.withSchedule(schedule(kind, h)));
            final double a = allReduceNs(GRAD, 5);
            for (int i = 0; i < r.stepNs().size(); i++) {
                // Step index in the run (4 warm-up steps first); the outer sync ends steps 7 and 11.
                final int s = i + BASE.warmup();
                if ((s + 1) % h == 0) {
                    assertCloseTo(r.stepNs().get(i), a, kind + " outer step " + s);
                    assertThat(r.dciBytes().get(i)).as("outer step %d", s).isEqualTo(2 * 2 * (GRAD / 2 + HEADER));
                } else {
                    assertThat(r.stepNs().get(i)).as(kind + " inner step " + s).isEqualTo(COMPUTE);
                    assertThat(r.dciBytes().get(i)).as("inner step %d", s).isZero();
                }
            }
            // Total over the 8 measured steps: 8 computes and 2 outer all-reduces.
            assertThat((double) r.stepNs().stream().mapToLong(Long::longValue).sum()).isCloseTo(8 * COMPUTE + 2 * a, within(0.02 * a + 0.2 * MS));
        }
    }

    @Test
    void shouldGiveLocalSgdAndDilocoTheSameTimesAndBytes() {
        final TrainResult local = run(twoDcs(2, 5, "hier"), BASE.withSchedule(schedule(TrainSchedule.Kind.LOCALSGD, 4)));
        final TrainResult diloco = run(twoDcs(2, 5, "hier"), BASE.withSchedule(schedule(TrainSchedule.Kind.DILOCO, 4)));
        assertThat(diloco.stepNs()).isEqualTo(local.stepNs());
        assertThat(diloco.dciBytes()).isEqualTo(local.dciBytes());
    }

    @Test
    void shouldCrossTheDciHTimesLessWithLocalSgdThanWithDdp() {
        // 2 DCs x 2 ranks, hierarchical all-reduce: inside a DC the ranks reduce-scatter and all-gather (not counted: same DC);
        // across, ranks 0-2 and 1-3 ring-all-reduce their half (B/2): two messages of B/4 + header each, per rank.
        final long perAllReduce = 4 * 2 * (GRAD / 4 + HEADER);
        final TrainResult ddp = run(twoDcs(2, 5, "hier"), BASE);
        assertThat(ddp.dciBytes()).containsOnly(perAllReduce);
        for (final int h : new int[] {2, 4, 8}) {
            final TrainResult local = run(twoDcs(2, 5, "hier"), BASE.withSchedule(schedule(TrainSchedule.Kind.LOCALSGD, h)));
            // The DC-local gradient all-reduces ran (steps take longer than compute) but crossed nothing.
            assertThat(local.totalDciBytes()).as("H=%d", h).isEqualTo(8 / h * perAllReduce);
            assertThat(ddp.meanDciBytesPerStep() / local.meanDciBytesPerStep()).as("H=%d", h).isEqualTo((double) h);
            assertThat(local.minStepNs()).isGreaterThan(COMPUTE);
        }
    }

    @Test
    void shouldSendFewerBytesAndFinishSoonerWithQuantizedOuterSyncs() {
        final int h = 4;
        final long elements = GRAD / 4;
        final int delayMs = 5;
        // bfloat16: a ring all-reduce of 2 bytes per element.
        final TrainResult bf16 = run(twoDcs(1, delayMs, "ring"),
            BASE.withSchedule(schedule(TrainSchedule.Kind.DILOCO, h).withOuterDtype(TrainSchedule.OuterDtype.BFLOAT16)));
        final long bf16Bytes = 2 * 2 * (elements + HEADER);
        // int8 / int4: one all-gather round of the encoding: 1024 blocks of 256 with a 4-byte scale each, then the codes.
        final long int8Payload = 4 * 1024 + elements;
        final long int4Payload = 4 * 1024 + elements / 2;
        assertThat(PseudoGradientCodec.encodedBytes((int) elements, TrainSchedule.OuterDtype.INT8)).isEqualTo((int) int8Payload);
        assertThat(PseudoGradientCodec.encodedBytes((int) elements, TrainSchedule.OuterDtype.INT4)).isEqualTo((int) int4Payload);
        final TrainResult int8 = run(twoDcs(1, delayMs, "ring"),
            BASE.withSchedule(schedule(TrainSchedule.Kind.DILOCO, h).withOuterDtype(TrainSchedule.OuterDtype.INT8)));
        final TrainResult int4 = run(twoDcs(1, delayMs, "ring"),
            BASE.withSchedule(schedule(TrainSchedule.Kind.DILOCO, h).withOuterDtype(TrainSchedule.OuterDtype.INT4)));
        // Outer syncs end measured steps 3 and 7 (run steps 7 and 11).
        for (final int i : new int[] {3, 7}) {
            assertThat(bf16.dciBytes().get(i)).isEqualTo(bf16Bytes);
            assertThat(int8.dciBytes().get(i)).isEqualTo(2 * (int8Payload + HEADER));
            assertThat(int4.dciBytes().get(i)).isEqualTo(2 * (int4Payload + HEADER));
            assertCloseTo(bf16.stepNs().get(i), 2 * (serNs(elements + HEADER) + delayMs * MS), "bfloat16 outer step");
            assertCloseTo(int8.stepNs().get(i), serNs(int8Payload + HEADER) + delayMs * MS, "int8 outer step");
            assertCloseTo(int4.stepNs().get(i), serNs(int4Payload + HEADER) + delayMs * MS, "int4 outer step");
        }
        assertThat(int8.totalDciBytes() + int4.totalDciBytes()).isPositive();
        assertThat(int4.meanDciBytesPerStep()).isLessThan(int8.meanDciBytesPerStep());
        assertThat(int8.meanDciBytesPerStep()).isLessThan(bf16.meanDciBytesPerStep());
    }

    @Test
    void shouldHideStreamingFragmentSyncsBehindTheNextStepWhenTheyFit() {
        // H = 4, F = 2: fragment 0 (the first 512 KiB) syncs after steps 3, 7, 11; fragment 1 after steps 1, 5, 9.
        final TrainSchedule streaming = schedule(TrainSchedule.Kind.STREAMING_DILOCO, 4).withFragments(2).withOverlapSteps(1);
        final double fragmentSync = allReduceNs(GRAD / 2, 5);
        assertThat(fragmentSync).isLessThan(COMPUTE);
        final TrainResult r = run(twoDcs(1, 5, "ring"), BASE.withSchedule(streaming));
        // Each sync (14.9 ms by hand) runs under the next step's 30 ms of compute: nothing is exposed.
        assertThat(r.stepNs()).containsOnly(COMPUTE);
        // A fragment's sync is 2 ranks x 2 messages of a quarter of the gradient plus a header; one starts every H/F = 2 steps.
        // Its reduce-scatter round is handed to the fabric as the starting step ends, its all-gather round during the next step:
        // every step carries half a sync.
        final long syncBytes = 2 * 2 * (GRAD / 4 + HEADER);
        assertThat(r.dciBytes()).containsOnly(syncBytes / 2);
        assertThat(r.meanDciBytesPerStep()).isEqualTo(syncBytes * 2 / 4.0);
        // The same with T = 0: each sync blocks the step that starts it.
        final TrainResult blocking = run(twoDcs(1, 5, "ring"), BASE.withSchedule(streaming.withOverlapSteps(0)));
        for (int i = 0; i < blocking.stepNs().size(); i++) {
            final int s = i + BASE.warmup();
            if (s % 2 == 1) {
                assertCloseTo(blocking.stepNs().get(i), fragmentSync, "blocking fragment sync after step " + s);
            } else {
                assertThat(blocking.stepNs().get(i)).isEqualTo(COMPUTE);
            }
        }
    }

    @Test
    void shouldExposeOnlyTheStreamingSyncThatOutlastsItsOverlap() {
        // 20 ms one way: a fragment's sync takes 44.4 ms by hand, more than the 30 ms step that overlaps it.
        final TrainSchedule streaming = schedule(TrainSchedule.Kind.STREAMING_DILOCO, 4).withFragments(2).withOverlapSteps(1);
        final double fragmentSync = allReduceNs(GRAD / 2, 20);
        final TrainResult r = run(twoDcs(1, 20, "ring"), BASE.withSchedule(streaming));
        for (int i = 0; i < r.stepNs().size(); i++) {
            final int s = i + BASE.warmup();
            if (s % 2 == 0) {
                // Step s waits for the sync started at the end of step s - 1: it ends fragmentSync after that.
                assertThat((double) r.stepNs().get(i)).as("step %d", s).isCloseTo(fragmentSync, within(0.01 * fragmentSync + 0.1 * MS));
            } else {
                assertThat(r.stepNs().get(i)).as("step %d", s).isEqualTo(COMPUTE);
            }
        }
        assertThat(r.exposedNs()).isCloseTo((fragmentSync - COMPUTE) / 2, within(0.01 * fragmentSync + 0.1 * MS));
    }

    @Test
    void shouldHideAsync1AllReducesBehindTheNextStepOrPayHalfTheRestWhenLonger() {
        final TrainSchedule async1 = TrainSchedule.of(TrainSchedule.Kind.ASYNC1);
        // 5 ms: the all-reduce (18.9 ms) fits in the next step's compute; every step is its compute time.
        final TrainResult fits = run(twoDcs(1, 5, "ring"), BASE.withSchedule(async1));
        assertThat(fits.stepNs()).containsOnly(COMPUTE);
        assertThat(fits.dciBytes()).containsOnly(2 * 2 * (GRAD / 2 + HEADER));
        // 20 ms: the all-reduce A (48.9 ms) outlasts a step. Step t's end waits for all-reduce t-1, which started at the end of
        // step t-1's backward, so ends E(t) = E(t-2) + compute + A: pairs of steps take compute + A, i.e. alternately A and compute.
        final double a = allReduceNs(GRAD, 20);
        final TrainResult longer = run(twoDcs(1, 20, "ring"), BASE.withSchedule(async1));
        assertThat(longer.meanStepNs()).isCloseTo((COMPUTE + a) / 2, within(0.01 * a + 0.1 * MS));
        for (int i = 0; i < longer.stepNs().size(); i += 2) {
            assertThat((double) longer.stepNs().get(i) + longer.stepNs().get(i + 1)).isCloseTo(COMPUTE + a, within(0.01 * a + 0.1 * MS));
        }
        // Over the 8 measured steps (an even number, in the periodic regime) the bytes are exactly 8 all-reduces' worth.
        assertThat(longer.totalDciBytes()).isEqualTo(8 * 2 * 2 * (GRAD / 2 + HEADER));
        final TrainResult ddp = run(twoDcs(1, 20, "ring"), BASE);
        assertThat(longer.meanStepNs()).isLessThan(ddp.meanStepNs());
    }

    @Test
    void shouldRunDilocoWithInt8OuterSyncsOverRealSocketsAndCountTheSameBytesAsTheSimulator() {
        // 2 DCs x 2 ranks, 1 ms between DCs, on loopback sockets in real time (a short run: 256 KiB, 2 + 4 steps of 6 ms).
        final Scenario s = ScenarioLoader.parse("dcs: [{name: a, ranks: 2}, {name: b, ranks: 2}]\n"
            + "links: {intra: \"delay=5us\", inter: {distance_km: 0, equipment_delay: 1ms, rate: 1gbit}}\ncollectives: {algorithm: hier}\nseed: 5\n",
            "loop.yaml", "test");
        final long grad = 256L << 10;
        final TrainConfig c = new TrainConfig(grad, grad / 2, 2 * MS, 4 * MS, 4, 2, DataType.FLOAT32,
            TrainSchedule.of(TrainSchedule.Kind.DILOCO).withInnerSteps(2).withOuterDtype(TrainSchedule.OuterDtype.INT8));
        final TrainResult real = TrainComparison.runOnce(new LoopbackBackend(), s, c);
        final TrainResult sim = run(s, c);
        // The int8 sync is a ring all-gather over ranks 0-1-2-3: ranks 1 and 3 each send 3 blocks of codes + scales + header across.
        final long payload = 4 * (grad / 4 / PseudoGradientCodec.BLOCK) + grad / 4;
        final long perSync = 2 * 3 * (payload + HEADER);
        assertThat(sim.dciBytes()).containsExactly(0L, perSync, 0L, perSync);
        assertThat(real.dciBytes()).isEqualTo(sim.dciBytes());
        assertThat(real.stepNs()).hasSize(4).allSatisfy(step -> assertThat(step).isGreaterThanOrEqualTo(6 * MS));
    }

    @Test
    void shouldQuantizeBlockwiseWithinHalfAScale() {
        final int count = 1000;
        final java.nio.ByteBuffer src = java.nio.ByteBuffer.allocate(4 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            src.putFloat(4 * i, (float) Math.sin(i * 0.37) * (i < 256 ? 100 : 0.01f));
        }
        for (final TrainSchedule.OuterDtype t : new TrainSchedule.OuterDtype[] {TrainSchedule.OuterDtype.INT8, TrainSchedule.OuterDtype.INT4}) {
            final int q = t == TrainSchedule.OuterDtype.INT8 ? 127 : 7;
            final java.nio.ByteBuffer enc = java.nio.ByteBuffer.allocate(2 * PseudoGradientCodec.encodedBytes(count, t))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            PseudoGradientCodec.encode(src, 0, count, t, enc, 0);
            // Rank 1 contributes the negation: the mean of the two decodings must be 0 everywhere.
            final java.nio.ByteBuffer neg = java.nio.ByteBuffer.allocate(4 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                neg.putFloat(4 * i, -src.getFloat(4 * i));
            }
            PseudoGradientCodec.encode(neg, 0, count, t, enc, PseudoGradientCodec.encodedBytes(count, t));
            for (int i = 0; i < count; i++) {
                final int block = i / PseudoGradientCodec.BLOCK;
                float max = 0;
                for (int j = block * PseudoGradientCodec.BLOCK; j < Math.min(count, (block + 1) * PseudoGradientCodec.BLOCK); j++) {
                    max = Math.max(max, Math.abs(src.getFloat(4 * j)));
                }
                final float x = src.getFloat(4 * i);
                assertThat(PseudoGradientCodec.decode(enc, 0, count, t, i)).as("%s element %d", t, i)
                    .isCloseTo(x, within(max / q / 2 * 1.0001f + 1e-12f));
            }
            final java.nio.ByteBuffer mean = java.nio.ByteBuffer.allocate(4 * count).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            PseudoGradientCodec.decodeMean(enc, 2, count, t, mean, 0);
            for (int i = 0; i < count; i++) {
                assertThat(mean.getFloat(4 * i)).isZero();
            }
        }
        // Four bits really are half of eight: 1000 elements in 4 blocks.
        assertThat(PseudoGradientCodec.encodedBytes(count, TrainSchedule.OuterDtype.INT8)).isEqualTo(4 * 4 + 1000);
        assertThat(PseudoGradientCodec.encodedBytes(count, TrainSchedule.OuterDtype.INT4)).isEqualTo(4 * 4 + 500);
    }

    @Test
    void shouldKeepTheSevenArgumentConfigurationDdpAndNameBadScheduleFlags() {
        assertThat(BASE.schedule()).isEqualTo(TrainSchedule.ddp());
        assertThat(BASE.withSteps(3, 0).schedule()).isEqualTo(TrainSchedule.ddp());
        final TrainConfig diloco = BASE.withSchedule(TrainSchedule.of(TrainSchedule.Kind.DILOCO));
        assertThat(diloco.withSizes(GRAD, GRAD / 2).withCompute(MS, MS).withSteps(2, 1).schedule().kind()).isEqualTo(TrainSchedule.Kind.DILOCO);
        assertThat(new TrainResult(BASE, List.of(1L)).dciBytes()).isEmpty();
        assertThat(new TrainResult(BASE, List.of(1L)).withFabric(null).meanDciBytesPerStep()).isNaN();
        assertThatThrownBy(() -> TrainSchedule.Kind.parse("fsdp"))
            .hasMessage("--schedule fsdp is unknown; accepted: ddp, localsgd, diloco, streaming-diloco, async1");
        assertThatThrownBy(() -> TrainSchedule.OuterDtype.parse("fp8"))
            .hasMessage("--outer-dtype fp8 is unknown; accepted: float, bfloat16, int8, int4");
        assertThatThrownBy(() -> TrainSchedule.of(TrainSchedule.Kind.DILOCO).withInnerSteps(0))
            .hasMessage("--inner-steps 0 is out of range; accepted: 1 to 10000");
        assertThatThrownBy(() -> TrainSchedule.of(TrainSchedule.Kind.STREAMING_DILOCO).withFragments(9))
            .hasMessage("--fragments 9 is out of range; accepted: 1 to --inner-steps (8)");
        assertThatThrownBy(() -> TrainSchedule.of(TrainSchedule.Kind.STREAMING_DILOCO).withOverlapSteps(8))
            .hasMessage("--overlap-steps 8 is out of range; accepted: 0 to --inner-steps - 1 (7)");
        assertThatThrownBy(() -> new TrainConfig(8, 8, 0, 0, 1, 0, DataType.FLOAT32,
            TrainSchedule.of(TrainSchedule.Kind.STREAMING_DILOCO).withFragments(4)))
            .hasMessage("--fragments 4 is out of range; accepted: 1 to the gradient's 2 elements");
    }

    @Test
    void shouldStaggerStreamingFragmentsOverTheOuterPeriod() {
        final TrainSchedule s = TrainSchedule.of(TrainSchedule.Kind.STREAMING_DILOCO).withInnerSteps(8).withFragments(4);
        // Fragment f syncs after steps s with (s + 1 - 2f) mod 8 = 0.
        assertThat(s.syncsAfter(7, 0)).isTrue();
        assertThat(s.syncsAfter(1, 1)).isTrue();
        assertThat(s.syncsAfter(3, 2)).isTrue();
        assertThat(s.syncsAfter(5, 3)).isTrue();
        assertThat(s.syncsAfter(9, 1)).isTrue();
        int syncs = 0;
        for (int step = 0; step < 64; step++) {
            for (int f = 0; f < 4; f++) {
                syncs += s.syncsAfter(step, f) ? 1 : 0;
            }
        }
        assertThat(syncs).isEqualTo(64 / 8 * 4);
        assertThat(TrainSchedule.ddp().syncsAfter(7, 0)).isFalse();
    }
}
