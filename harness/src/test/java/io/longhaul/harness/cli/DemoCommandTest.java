package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code longhaul demo --quick}, the README's main command in its short form, end to end on real sockets. */
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        final CommandLine cli = LonghaulCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldRunTheQuickDemoAndPrintTheEfficiencyTableAndTheReport(@TempDir final Path dir) throws Exception {
        final int exit = run("demo", "--quick", "--out", dir.toString());
        final String printed = out.toString();
        assertThat(exit).as(printed + err).isZero();
        assertThat(printed).contains("# training efficiency").contains("bbr hier loss 0.1%").contains("cubic hier loss 0.1%")
            .contains("1000 km").contains("# efficiency: median of 7 interleaved pairs, 95% bootstrap interval")
            .contains("# resolution: intervals of").contains("# report:");
        // No efficiency above 100% is printed bare: only inside its interval.
        final java.util.regex.Matcher above = java.util.regex.Pattern.compile("\\b1\\d\\d\\.\\d% (?!\\[)").matcher(printed);
        assertThat(above.find()).as("a bare figure above 100%% in:%n%s", printed).isFalse();
        final Path report = dir.resolve("report.html");
        assertThat(report).exists();
        final String html = Files.readString(report);
        assertThat(html).contains("<html").contains("data:image/png;base64,").contains("worst efficiency at 1000 km")
            .contains("Backend loopback: the median ratio of interleaved pairs");
        final JsonNode rows = new ObjectMapper().readTree(dir.resolve("sweep.json").toFile());
        int train = 0;
        for (final JsonNode row : rows) {
            if ("train".equals(row.path("kind").asText())) {
                train++;
                final double efficiency = row.path("efficiency").asDouble();
                assertThat(efficiency).as(row.toString()).isPositive();
                assertThat(row.path("pairs").asInt()).as(row.toString()).isEqualTo(7);
                assertThat(row.path("exact").asBoolean()).as(row.toString()).isFalse();
                assertThat(row.path("efficiency_low").asDouble()).as(row.toString()).isLessThanOrEqualTo(efficiency);
                assertThat(row.path("efficiency_high").asDouble()).as(row.toString()).isGreaterThanOrEqualTo(efficiency);
            }
        }
        assertThat(train).as("one training row per cell").isEqualTo(2);
    }

    @Test
    void shouldRejectAnUnknownBackend() {
        assertThat(run("demo", "--backend", "warp")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown backend 'warp'; available:").contains("loopback").contains("sim");
    }
}
