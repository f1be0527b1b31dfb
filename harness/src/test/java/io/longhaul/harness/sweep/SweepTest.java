package io.longhaul.harness.sweep;

import io.longhaul.collectives.DataType;
import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.SimBackend;
import io.longhaul.harness.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SweepTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final TrainConfig TINY = new TrainConfig(512 << 10, 128 << 10, 2 * MS, 4 * MS, 2, 1, DataType.FLOAT32);

    private static SweepPlan plan() {
        return new SweepPlan(List.of("dci-1000km"), List.of(0.0, 1000.0), List.of(0.0), List.of("bbr"), List.of("hier"), true, 64 << 10,
            256 << 10, 4, 1, 0, TINY);
    }

    /** Records what the sweep did with each cell. */
    private static final class Recorder implements SweepListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onCellDone(final SweepCell cell, final int index, final int total, final List<SweepRow> rows) {
            events.add("done " + cell.key());
        }

        @Override
        public void onCellSkipped(final SweepCell cell, final int index, final int total) {
            events.add("skipped " + cell.key());
        }

        @Override
        public void onCellFailed(final SweepCell cell, final int index, final int total, final RuntimeException error) {
            events.add("failed " + cell.key() + ": " + error);
        }
    }

    @Test
    void shouldSweepAModeAxisWithTimeReceivedFractionAndErrorAndReportIt(@TempDir final Path dir) throws Exception {
        final SweepPlan plan = new SweepPlan(List.of("dci-1000km"), List.of(1000.0), List.of(5.0), List.of("bbr"), List.of("hier"), true,
            256 << 10, 256 << 10, 4, 3, 1, null, List.of("reliable", "bounded", "bounded+hadamard"), 6 * MS);
        final Recorder r = new Recorder();
        final List<SweepRow> rows = Sweep.run(plan, new SimBackend(), dir, r);
        assertThat(r.events).containsExactly("done dci-1000km|1000km|loss=5%|bbr|hier", "done dci-1000km|1000km|loss=5%|bbr|hier|bounded",
            "done dci-1000km|1000km|loss=5%|bbr|hier|bounded+hadamard");
        assertThat(rows).hasSize(3);
        final SweepRow reliable = rows.get(0);
        final SweepRow bounded = rows.get(1);
        assertThat(reliable.mode()).isEqualTo("reliable");
        assertThat(reliable.relErr()).isZero();
        assertThat(reliable.receivedFraction()).isEqualTo(1.0);
        assertThat(bounded.mode()).isEqualTo("bounded");
        assertThat(bounded.receivedFraction()).as("5%% loss, 6 ms per step: something missing").isLessThan(1.0);
        assertThat(bounded.relErr()).isPositive();
        assertThat(bounded.timeUs()).as("bounded finishes before reliable repairs").isLessThan(reliable.timeUs());
        assertThat(Files.readAllLines(dir.resolve(SweepResults.CSV)).get(0)).endsWith(",mode,received_fraction,rel_err,scheduler,paths,fabric,efficiency_low,efficiency_high,pairs,exact,scale,schedule,dci_bytes_per_step");
        final String html = io.longhaul.harness.report.Report.render(io.longhaul.harness.report.ReportData.load(dir),
            io.longhaul.harness.report.Environment.capture());
        assertThat(html).contains("id=\"bounded\"").contains("alt=\"all-reduce time against loss per mode\"").contains("Table: all-reduce per mode (3 rows)");
    }

    @Test
    void shouldSweepPathsOverAnEcmpGroupWithPerLinkCountersAndReportThem(@TempDir final Path dir) throws Exception {
        // 16 MiB per step, 3 ms of compute: the inter-DC exchange is bandwidth-bound and the run spans the preset's failure of link 1.
        final TrainConfig train = new TrainConfig(16 << 20, 4 << 20, MS, 2 * MS, 6, 1, DataType.FLOAT32);
        final SweepPlan plan = new SweepPlan(List.of("dci-1000km-ecmp"), List.of(1000.0), List.of(0.0), List.of("bbr"), List.of("hier"), false,
            0, 0, 2, 1, 0, train, List.of(), 0, List.of("spray"), List.of(1, 4));
        final List<SweepRow> rows = Sweep.run(plan, new SimBackend(), dir, new Recorder());
        assertThat(rows).extracting(SweepRow::paths).containsExactly(1, 4);
        final SweepRow one = rows.get(0);
        final SweepRow four = rows.get(1);
        assertThat(four.scheduler()).isEqualTo("spray");
        assertThat(four.fabric()).startsWith("ecmp=4,").contains("fail=1@400ms+300ms");
        assertThat(four.stepMs()).as("4 paths spread over the group and use the 2 Gbit/s NIC; 1 path is one 1 Gbit/s link")
            .isLessThan(0.75 * one.stepMs());
        for (final SweepRow r : rows) {
            assertThat(r.links()).as("4 links in each direction").hasSize(8);
            for (final FabricLinkCounters c : r.links()) {
                assertThat(c.failureDrops() > 0).as("paths=%d link %d %s: only link 1 fails", r.paths(), c.link(), c.from()).isEqualTo(c.link() == 1);
                assertThat(c.queueDrops() + c.lossDrops()).as("no loss, queue 2 BDP").isZero();
            }
        }
        assertThat(one.links().stream().filter(c -> c.from().equals("east") && c.deliveredBytes() > 1_000_000).count())
            .as("1 path per session: each of the 2 east-west sessions on the link its hash picks").isEqualTo(2);
        assertThat(four.links().stream().filter(c -> c.deliveredBytes() > 1_000_000).count()).as("4 paths: every link carries data").isEqualTo(8);
        assertThat(Files.readAllLines(dir.resolve(SweepResults.CSV)).get(1)).contains(",spray,1,\"ecmp=4,");
        final String html = io.longhaul.harness.report.Report.render(io.longhaul.harness.report.ReportData.load(dir),
            io.longhaul.harness.report.Environment.capture());
        assertThat(html).contains("id=\"schedulers\"").contains("alt=\"training step time per path scheduler\"")
            .contains("alt=\"delivered per link around the link failure\"")
            .contains("Table: per-link counters (").doesNotContain("No results on an ECMP group.");
    }

    @Test
    void shouldSweepTrainingSchedulesWithTheirDciBytesAndReportThem(@TempDir final Path dir) throws Exception {
        final SweepPlan plan = new SweepPlan(List.of("dci-1000km"), List.of(1000.0), List.of(0.0), List.of("bbr"), List.of("hier"), false,
            0, 0, 2, 1, 0, TINY, List.of(), 0, List.of(), List.of(), 0, List.of("ddp", "diloco:H=2", "async1"));
        assertThat(plan.schedules()).as("specs kept in their full form").containsExactly("ddp", "diloco:H=2:outer=float", "async1");
        final Recorder recorder = new Recorder();
        final List<SweepRow> rows = Sweep.run(plan, new SimBackend(), dir, recorder);
        assertThat(recorder.events).containsExactly("done dci-1000km|1000km|loss=0%|bbr|hier",
            "done dci-1000km|1000km|loss=0%|bbr|hier|schedule=diloco:H=2:outer=float", "done dci-1000km|1000km|loss=0%|bbr|hier|schedule=async1");
        assertThat(rows).extracting(SweepRow::schedule).containsExactly("ddp", "diloco:H=2:outer=float", "async1");
        final SweepRow ddp = rows.get(0);
        final SweepRow diloco = rows.get(1);
        assertThat(diloco.dciBytesPerStep()).as("one outer sync of the whole model every 2 steps against one all-reduce per step")
            .isLessThan(0.75 * ddp.dciBytesPerStep());
        assertThat(rows).allSatisfy(r -> assertThat(r.exact()).isTrue());
        assertThat(diloco.configLabel()).isEqualTo("bbr hier loss 0% diloco:H=2:outer=float");
        assertThat(Files.readAllLines(dir.resolve(SweepResults.CSV)).get(2)).contains(",diloco:H=2:outer=float,");
        final String html = io.longhaul.harness.report.Report.render(io.longhaul.harness.report.ReportData.load(dir),
            io.longhaul.harness.report.Environment.capture());
        assertThat(html).contains("id=\"schedules\"").contains("alt=\"DCI bytes per step per schedule\"").contains("Table: per schedule");
        assertThat(html).contains("Scale 1:400");
    }

    @Test
    void shouldRefuseAnUnknownScheduleOrAParameterItDoesNotTake() {
        assertThatThrownBy(() -> new SweepPlan(List.of("dci-1000km"), List.of(), List.of(), List.of(), List.of(), false, 1, 1, 2, 1, 0, TINY,
            List.of(), 0, List.of(), List.of(), 0, List.of("diloco:F=2"))).hasMessage("schedule 'diloco:F=2': diloco takes no F");
        assertThatThrownBy(() -> new SweepPlan(List.of("dci-1000km"), List.of(), List.of(), List.of(), List.of(), false, 1, 1, 2, 1, 0, TINY,
            List.of(), 0, List.of(), List.of(), 0, List.of("zero"))).hasMessageContaining("unknown; accepted: ddp, localsgd, diloco");
    }

    @Test
    void shouldRunEveryCellWriteRowsAndSkipFinishedCellsOnARerun(@TempDir final Path dir) throws Exception {
        final Recorder first = new Recorder();
        final List<SweepRow> rows = Sweep.run(plan(), new SimBackend(), dir, first);
        assertThat(first.events).containsExactly("done dci-1000km|0km|loss=0%|bbr|hier", "done dci-1000km|1000km|loss=0%|bbr|hier");
        // Two sizes (64K, 256K) and one training row per cell.
        assertThat(rows).hasSize(6);
        assertThat(rows.stream().filter(r -> r.kind().equals(SweepRow.TRAIN)).map(SweepRow::efficiency).toList().get(0)).isEqualTo(1.0);
        final SweepRow far = rows.stream().filter(r -> r.kind().equals(SweepRow.TRAIN) && r.distanceKm() == 1000).findFirst().orElseThrow();
        assertThat(far.efficiency()).isLessThan(1.0);
        assertThat(far.stepMs()).isGreaterThan(far.computeMs());
        assertThat(Files.readAllLines(dir.resolve(SweepResults.CSV))).hasSize(7).first().asString().startsWith("cell,scenario,backend,distance_km");
        assertThat(Files.readString(dir.resolve(SweepResults.JSON))).contains("\"busbw_gbps\"", "\"efficiency\"");

        final Recorder second = new Recorder();
        final List<SweepRow> again = Sweep.run(plan(), new SimBackend(), dir, second);
        assertThat(second.events).containsExactly("skipped dci-1000km|0km|loss=0%|bbr|hier", "skipped dci-1000km|1000km|loss=0%|bbr|hier");
        assertThat(again).isEqualTo(rows);
    }

    @Test
    void shouldDropATruncatedLastLineAndRerunOnlyTheMissingCell(@TempDir final Path dir) throws Exception {
        final SweepPlan plan = plan();
        final List<SweepRow> rows = Sweep.run(plan, new SimBackend(), dir, SweepListener.NONE);
        // Keep the first cell, then a line cut in the middle as a killed sweep leaves it.
        final List<String> lines = Files.readAllLines(dir.resolve(SweepResults.JSONL));
        Files.write(dir.resolve(SweepResults.JSONL), lines.subList(0, 3), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(SweepResults.JSONL), lines.get(3).substring(0, 20), StandardOpenOption.APPEND);
        final Recorder r = new Recorder();
        final List<SweepRow> resumed = Sweep.run(plan, new SimBackend(), dir, r);
        assertThat(r.events).containsExactly("skipped dci-1000km|0km|loss=0%|bbr|hier", "done dci-1000km|1000km|loss=0%|bbr|hier");
        // The simulated backend is deterministic: the re-run cell gives the same numbers.
        assertThat(resumed).isEqualTo(rows);
    }

    @Test
    void shouldFillEmptyAxesFromTheScenario() {
        final SweepPlan p = new SweepPlan(List.of("lossy-1000km"), List.of(), List.of(), List.of(), List.of(), false, 1, 1, 2, 1, 0, TINY);
        final List<SweepCell> cells = p.cells(s -> new SweepPlan.ScenarioDefaults.Values(1000, "bbr", "hier"));
        assertThat(cells).containsExactly(new SweepCell("lossy-1000km", 1000, -1, "bbr", "hier"));
        assertThat(cells.get(0).key()).isEqualTo("lossy-1000km|1000km|loss=scenario|bbr|hier");
        assertThat(SweepPlan.defaults().cells(s -> new SweepPlan.ScenarioDefaults.Values(1000, "bbr", "hier"))).hasSize(32);
    }

    @Test
    void shouldQuoteCsvFieldsWithCommas() {
        final SweepRow row = new SweepRow("a,b", "s", null, 1.0, null, null, null, SweepRow.TRAIN, null, null, null, null, null, null, null, null,
            null, null);
        assertThat(row.csv()).startsWith("\"a,b\",s,,1.0,");
        assertThat(row.csv().split(",", -1)).hasSize(SweepRow.COLUMNS.size() + 1);
    }
}
