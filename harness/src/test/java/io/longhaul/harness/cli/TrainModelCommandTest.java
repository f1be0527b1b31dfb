package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longhaul.harness.cli.LonghaulCliTestSupport.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code train --model mlp} on the simulated backend: one bounded run, a comparison grid, and bad flags. */
class TrainModelCommandTest {
    private static Outcome run(final String... args) {
        return LonghaulCliTestSupport.runCli(args);
    }

    @Test
    void shouldTrainTheRealModelBoundedAndReportItsLossCurveAndError(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("mlp.json");
        final Outcome o = run("train", "--model", "mlp", "--scenario", "dci-1000km", "--loss", "1%",
            "--mode", "bounded", "--deadline", "6ms", "--steps", "30", "--json", json.toString());
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# all-reduce: bounded, deadline 6.00 ms per step").contains("#  step   time(ms)  eval-loss  accuracy")
            .contains("gradient relative L2 error mean");
        final JsonNode run = new ObjectMapper().readTree(json.toFile()).get("runs").get(0);
        assertThat(run.get("mode").asText()).isEqualTo("bounded");
        assertThat(run.get("curve")).hasSize(4);
        assertThat(run.get("curve").get(3).get("loss").asDouble()).as("the loss fell").isLessThan(run.get("curve").get(0).get("loss").asDouble());
        assertThat(run.get("receivedFraction").asDouble()).isBetween(0.5, 1.0);
        assertThat(run.get("stepRelativeL2Error")).hasSize(30);
    }

    @Test
    void shouldCompareTheThreeModesAtEachLoss() {
        final Outcome o = run("train", "--model", "mlp", "--compare", "--compare-loss", "0,5",
            "--deadline", "6ms", "--steps", "5");
        assertThat(o.exitCode()).as(o.err()).isZero();
        int lines = 0;
        for (final String line : o.out().split("\n")) {
            if (!line.startsWith("#") && !line.isBlank() && line.contains("%  ")) {
                lines++;
            }
        }
        assertThat(lines).as(o.out()).isEqualTo(6);
        assertThat(o.out()).contains("reliable").contains("bounded+hadamard");
    }

    @Test
    void shouldTrainTheRealModelUnderDilocoAndReportTheScheduleLossAndDciBytes(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("diloco.json");
        final Outcome o = run("train", "--model", "mlp", "--scenario", "dci-1000km", "--schedule", "diloco", "--inner-steps", "4",
            "--outer-dtype", "int8", "--outer-lr", "0.2", "--steps", "16", "--json", json.toString());
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# schedule: diloco (H=4, outer int8), outer: nesterov sgd lr 0.2 momentum 0.9")
            .contains("# schedule diloco:H=4:outer=int8: final loss ").contains("in 4 of 16 steps").contains(", 4 outer syncs");
        final JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.get("schedule").asText()).isEqualTo("diloco:H=4:outer=int8");
        assertThat(root.get("outerLr").asDouble()).isEqualTo(0.2);
        final JsonNode r = root.get("runs").get(0);
        assertThat(r.get("outerSyncs").asInt()).isEqualTo(4);
        assertThat(r.get("stepsCrossingDci").asInt()).isEqualTo(4);
        assertThat(r.get("dciBytes").asLong()).isPositive();
    }

    @Test
    void shouldCompareSchedulesOneLinePerScheduleOnTheSameModelAndData(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("schedules.json");
        final Outcome o = run("train", "--model", "mlp", "--compare-schedules", "ddp,localsgd:H=4,diloco:H=4:outer=int8", "--steps", "8",
            "--json", json.toString());
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# compare schedules: ddp,localsgd:H=4,diloco:H=4:outer=int8 (diloco outer: nesterov sgd lr 0.1");
        final JsonNode runs = new ObjectMapper().readTree(json.toFile()).get("runs");
        assertThat(runs).hasSize(3);
        assertThat(runs.get(0).get("schedule").asText()).isEqualTo("ddp");
        assertThat(runs.get(0).get("stepsCrossingDci").asInt()).isEqualTo(8);
        assertThat(runs.get(1).get("schedule").asText()).isEqualTo("localsgd:H=4:outer=float");
        assertThat(runs.get(1).get("stepsCrossingDci").asInt()).isEqualTo(2);
        assertThat(runs.get(2).get("schedule").asText()).isEqualTo("diloco:H=4:outer=int8");
        assertThat(runs.get(2).get("dciBytes").asLong()).as("int8 codes: fewer bytes than float").isLessThan(runs.get(1).get("dciBytes").asLong());
        assertThat(o.out()).contains("  ddp ").contains("  localsgd:H=4:outer=float ").contains("  diloco:H=4:outer=int8 ");
    }

    @Test
    void shouldPrintDdpWithItsScheduleLine() {
        final Outcome o = run("train", "--model", "mlp", "--steps", "3");
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# schedule: ddp\n").contains("# schedule ddp: final loss ").contains("in 3 of 3 steps")
            .contains(", 0 outer syncs");
    }

    @Test
    void shouldRejectBadModelFlags() {
        final String[][] cases = {
            {"--model nn", "--model nn is unknown; accepted: synthetic, mlp"},
            {"--model mlp --mode fast", "--mode: unknown mode 'fast'"},
            {"--model mlp --hadamard", "--hadamard needs --mode bounded"},
            {"--model mlp --mode bounded --deadline 1us", "--deadline 1us is out of range; accepted: 10us to 10min, or auto"},
            {"--model mlp --compare --compare-loss 0,x", "--compare-loss: 'x' is not a number"},
            {"--model mlp --batch 0", "--batch 0 is out of range; accepted: 1 to 65536"},
            {"--model mlp --lr -1", "--lr -1.0 is out of range"},
            {"--model mlp --schedule fsdp", "--schedule fsdp is unknown; accepted: ddp, localsgd, diloco, streaming-diloco, async1"},
            {"--model mlp --inner-steps 4", "--inner-steps applies to --schedule localsgd, diloco and streaming-diloco, not ddp"},
            {"--model mlp --schedule async1 --outer-dtype int8", "--outer-dtype applies to --schedule localsgd, diloco and streaming-diloco, not async1"},
            {"--model mlp --schedule diloco --outer-dtype fp8", "--outer-dtype fp8 is unknown; accepted: float, bfloat16, int8, int4"},
            {"--model mlp --schedule localsgd --outer-lr 0.5", "--outer-lr applies to --schedule diloco and streaming-diloco, not localsgd"},
            {"--model mlp --outer-lr 0.5", "--outer-lr applies to --schedule diloco and streaming-diloco, not ddp"},
            {"--model mlp --schedule diloco --outer-lr 0", "--outer-lr 0.0 is out of range; accepted: (0, 10]"},
            {"--model mlp --compare-schedules ddp,fsdp", "--compare-schedules: --schedule fsdp is unknown; accepted: ddp, localsgd"},
            {"--model mlp --compare-schedules ddp,ddp:H=4", "--compare-schedules: schedule 'ddp:H=4': ddp takes no H"},
            {"--model mlp --compare-schedules ddp,diloco --schedule diloco", "--compare-schedules takes each schedule's parameters in its spec"},
            {"--model mlp --compare-schedules ddp,diloco --compare", "--compare-schedules and --compare are exclusive"},
            {"--model mlp --compare-schedules ddp,diloco --inner-steps 4", "--compare-schedules takes each schedule's parameters in its spec"},
            {"--model mlp --compare-schedules ddp,localsgd --outer-lr 0.3", "--outer-lr applies to --schedule diloco and streaming-diloco, not ddp,localsgd"},
            {"--compare-schedules ddp,diloco", "--compare-schedules applies to --model mlp"},
            {"--model mlp --schedule diloco --fragments 2", "--fragments applies to --schedule streaming-diloco, not diloco"},
            {"--model mlp --schedule streaming-diloco --inner-steps 4 --overlap-steps 4",
                "--overlap-steps 4 is out of range; accepted: 0 to --inner-steps - 1 (3)"},
        };
        for (final String[] c : cases) {
            final String[] args = ("train " + c[0]).split(" ");
            final Outcome o = run(args);
            assertThat(o.exitCode()).as(c[0]).isEqualTo(2);
            assertThat(o.err()).as(c[0]).contains(c[1]);
        }
    }
}
