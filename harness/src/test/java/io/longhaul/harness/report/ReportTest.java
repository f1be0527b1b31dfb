package io.longhaul.harness.report;

import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    private static final Environment ENV = new Environment("Test CPU @ 2.0GHz", 2, "Linux 6.1", "OpenJDK 17", "0.1.0-SNAPSHOT", "abc123def456",
        "host", "2026-01-01T00:00:00Z");

    /** Fixture: two configurations over four distances, all-reduce rows at three sizes. */
    static List<SweepRow> fixtureRows() {
        final List<SweepRow> rows = new ArrayList<>();
        final double[] kms = {0, 10, 100, 1000};
        final String[][] configs = {{"bbr", "hier"}, {"cubic", "ring"}};
        for (final String[] c : configs) {
            for (final double km : kms) {
                final String cell = "dci|" + km + "|" + c[0] + "|" + c[1];
                final double eff = 1.0 - km / (c[0].equals("bbr") ? 20_000 : 5_000);
                for (final long size : new long[] {1 << 20, 4 << 20, 16 << 20}) {
                    final double bus = 0.12 * size / (size + km * 1000);
                    rows.add(new SweepRow(cell, "dci-1000km", "sim", km, 0.0, c[0], c[1], SweepRow.BUSBW, size, size / bus / 1000, bus, bus, null,
                        null, null, null, null, 1L));
                }
                rows.add(new SweepRow(cell, "dci-1000km", "sim", km, 0.0, c[0], c[1], SweepRow.TRAIN, 16L << 20, null, null, null, 120 / eff, 90.0,
                    120 / eff - 90, 120.0, eff, 1L));
            }
        }
        return rows;
    }

    private static void perfJson(final Path dir, final String name, final String cc, final String link, final long goodput) throws Exception {
        Files.writeString(dir.resolve(name + ".json"), "{\"mode\":\"local\",\"goodput_bps\":" + goodput + ",\"bytes\":1000000,\"seconds\":1.5,"
            + "\"retransmitted_packets\":12,\"lost_packets\":10,\"rtt_us\":{\"min\":10100,\"p50\":10400,\"p99\":12000,\"max\":15000,"
            + "\"source\":\"x\"},\"cc\":\"" + cc + "\",\"link\":\"" + link + "\",\"paths\":1"
            + (cc.equals("cubic") ? ",\"authenticated\":false" : cc.equals("bbr") ? ",\"authenticated\":true" : "") + "}");
    }

    @Test
    void shouldRenderASelfContainedReportWithEverySectionAndChart(@TempDir final Path dir) throws Exception {
        final Path results = dir.resolve("results");
        Files.createDirectories(results.resolve("perf"));
        final StringBuilder jsonl = new StringBuilder();
        for (final SweepRow r : fixtureRows()) {
            jsonl.append(SweepResults.toJson(r)).append('\n');
        }
        Files.writeString(results.resolve(SweepResults.JSONL), jsonl, StandardCharsets.UTF_8);
        perfJson(results.resolve("perf"), "bbr-0.1", "bbr", "delay=5ms,rate=1gbit,loss=0.1%", 900_000_000L);
        perfJson(results.resolve("perf"), "cubic-0.1", "cubic", "delay=5ms,rate=1gbit,loss=0.1%", 49_000_000L);
        perfJson(results.resolve("perf"), "cubic-1", "cubic", "delay=5ms,rate=1gbit,loss=1%", 11_000_000L);

        final ReportData data = ReportData.load(results);
        assertThat(data.rows()).hasSize(32);
        assertThat(data.perf()).hasSize(3);
        assertThat(data.perf().get(0).lossPercent()).isCloseTo(0.1, org.assertj.core.api.Assertions.within(1e-9));

        final Path out = dir.resolve("report.html");
        Report.write(data, ENV, out);
        final String html = Files.readString(out);
        assertThat(html).startsWith("<!DOCTYPE html>");
        // Self-contained: nothing loaded from elsewhere.
        assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=\\s*\"(https?:)?//");
        assertThat(html).doesNotContain("<script", "<link ");
        for (final String id : Report.SECTIONS) {
            assertThat(html).contains("<section id=\"" + id + "\">");
        }
        // Every chart is an inline PNG big enough to hold a plot, and decodes as a PNG.
        final Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int charts = 0;
        while (m.find()) {
            final byte[] png = Base64.getDecoder().decode(m.group(1));
            assertThat(png.length).isGreaterThan(10_000);
            assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
            charts++;
        }
        assertThat(charts).isEqualTo(5);
        // Tables behind the charts, targets and the environment.
        assertThat(html).contains("Table: training results", "Table: all-reduce results", "Table: goodput", "Table: RTT (ms)");
        assertThat(html).as("the goodput table says how each perf session was protected").contains("<th class=\"l\">sessions</th>")
            .contains("<td class=\"l\">sealed</td>").contains("<td class=\"l\">NOT authenticated</td>");
        assertThat(html).contains("meets 95.0%", "misses 90.0%", "Test CPU @ 2.0GHz", "abc123def456");
    }

    @Test
    void shouldShowEverySectionEvenWithoutData() {
        final String html = Report.render(new ReportData(List.of(), List.of()), ENV);
        for (final String id : Report.SECTIONS) {
            assertThat(html).contains("<section id=\"" + id + "\">");
        }
        assertThat(html).contains("No results found in the input.").doesNotContain("data:image/png");
    }

    @Test
    void shouldCaptureThisMachinesEnvironment() {
        final Environment e = Environment.capture();
        assertThat(e.cores()).isPositive();
        assertThat(e.jvm()).isNotBlank();
        assertThat(e.asMap()).containsKeys("CPU", "Cores", "Kernel", "JVM", "longhaul", "Git commit");
    }
}
