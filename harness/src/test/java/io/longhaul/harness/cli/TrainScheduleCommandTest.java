package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longhaul.harness.cli.LonghaulCliTestSupport.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code train --schedule}: the schedule's name, exposed communication and DCI bytes in the output and the JSON; bad flags. */
class TrainScheduleCommandTest {
    private static Outcome run(final String... args) {
        return LonghaulCliTestSupport.runCli(args);
    }

    private static final String[] SMALL = {"train", "--scenario", "dci-1000km", "--grad-size", "1M", "--bucket-size", "256K", "--forward", "3ms",
        "--backward", "6ms"};

    private static String[] small(final String... more) {
        final String[] all = new String[SMALL.length + more.length];
        System.arraycopy(SMALL, 0, all, 0, SMALL.length);
        System.arraycopy(more, 0, all, SMALL.length, more.length);
        return all;
    }

    @Test
    void shouldReportTheScheduleItsExposedCommunicationAndDciBytes(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("diloco.json");
        final Outcome o = run(small("--schedule", "diloco", "--inner-steps", "4", "--outer-dtype", "int8", "--json", json.toString()));
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# schedule: diloco (H=4, outer int8)").contains("#  step   time(ms)  compute(ms)  exposed(ms)  dci(bytes)")
            .contains("# schedule diloco: exposed communication ").contains(" per step, DCI ");
        // Defaults for an outer schedule: 2 x H measured steps after H warm-up steps.
        final JsonNode row = new ObjectMapper().readTree(json.toFile());
        assertThat(row.get("schedule").asText()).isEqualTo("diloco:H=4:outer=int8");
        assertThat(row.get("steps_ms")).hasSize(8);
        assertThat(row.get("steps_dci_bytes")).hasSize(8);
        // Two outer syncs in 8 steps, nothing else crosses: 6 steps with 0 bytes.
        int zero = 0;
        long total = 0;
        for (final JsonNode b : row.get("steps_dci_bytes")) {
            zero += b.asLong() == 0 ? 1 : 0;
            total += b.asLong();
        }
        assertThat(zero).isEqualTo(6);
        assertThat(row.get("dci_bytes_per_step").asDouble()).isEqualTo(total / 8.0);
        assertThat(row.get("exposed_ms").asDouble()).isPositive();
        assertThat(row.get("exact").asBoolean()).as("the sim backend").isTrue();
    }

    @Test
    void shouldPrintDdpAsBeforeWithTheDciColumnAdded() {
        final Outcome o = run(small("--steps", "2"));
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("# schedule: ddp").contains("# mean step ").contains("# efficiency at 1000 km: ");
        assertThat(o.out()).doesNotContain("schedule ddp (");
    }

    @Test
    void shouldRejectBadScheduleFlagsNamingTheFlagAndTheAcceptedValues() {
        assertFails(run(small("--schedule", "fsdp")), "--schedule fsdp is unknown; accepted: ddp, localsgd, diloco, streaming-diloco, async1");
        assertFails(run(small("--schedule", "diloco", "--inner-steps", "0")), "--inner-steps 0 is out of range; accepted: 1 to 10000");
        assertFails(run(small("--schedule", "localsgd", "--outer-dtype", "fp8")), "--outer-dtype fp8 is unknown; accepted: float, bfloat16, int8, int4");
        assertFails(run(small("--schedule", "streaming-diloco", "--inner-steps", "8", "--overlap-steps", "8")),
            "--overlap-steps 8 is out of range; accepted: 0 to --inner-steps - 1 (7)");
        assertFails(run(small("--schedule", "streaming-diloco", "--inner-steps", "4", "--fragments", "5")),
            "--fragments 5 is out of range; accepted: 1 to --inner-steps (4)");
        assertFails(run(small("--inner-steps", "4")), "--inner-steps applies to --schedule localsgd, diloco and streaming-diloco, not ddp");
        assertFails(run(small("--schedule", "diloco", "--fragments", "2")), "--fragments applies to --schedule streaming-diloco, not diloco");
        assertFails(run(small("--outer-lr", "0.3")), "--outer-lr applies to --model mlp");
    }

    private static void assertFails(final Outcome o, final String message) {
        assertThat(o.exitCode()).as(o.out()).isEqualTo(2);
        assertThat(o.err()).contains(message);
    }
}
