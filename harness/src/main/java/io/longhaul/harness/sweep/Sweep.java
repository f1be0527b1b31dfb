package io.longhaul.harness.sweep;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.bench.BenchOptions;
import io.longhaul.collectives.bench.CollectiveBenchmark;
import io.longhaul.collectives.bench.NcclTestsReport;
import io.longhaul.harness.model.ModeMeasurement;
import io.longhaul.harness.model.ModelComparison;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.FabricReport;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.train.TrainComparison;
import io.longhaul.harness.train.TrainResult;
import io.longhaul.harness.train.TrainSchedule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a {@link SweepPlan} cell by cell on a {@link FabricBackend}, appending each finished cell
 * to the results directory ({@link SweepResults}); cells already there are skipped, so an
 * interrupted sweep resumes where it stopped. Each cell gets fresh clusters: one for the
 * all-reduce size sweep, two for training (the cell and its 0 km baseline; on a real-time backend
 * {@code plan.pairs()} pairs of them, interleaved, see {@link TrainComparison}). A cell of a bounded
 * plan with a mode axis measures each size of every cell with {@link ModeMeasurement} (time,
 * bytes received, error against the exact sum, the same procedure in every mode); training runs
 * in the reliable cells only.
 */
public final class Sweep {
    /** Time one all-reduce may take before the cell fails: 120 s of the cluster's clock. */
    public static final long OPERATION_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    private Sweep() {
    }

    /**
     * Runs every cell of {@code plan} not yet in {@code resultsDir} and writes the CSV and JSON summaries.
     *
     * @return every row in the results directory (earlier runs' included).
     */
    public static List<SweepRow> run(final SweepPlan plan, final FabricBackend backend, final Path resultsDir, final SweepListener listener) {
        final Map<String, Scenario> scenarios = new HashMap<>();
        for (final String s : plan.scenarios()) {
            scenarios.put(s, ScenarioLoader.load(s));
        }
        final List<SweepCell> cells = plan.cells(s -> {
            final Scenario sc = scenarios.get(s);
            return defaultsOf(sc);
        });
        final SweepResults results = SweepResults.open(resultsDir);
        for (int i = 0; i < cells.size(); i++) {
            final SweepCell cell = cells.get(i);
            if (results.isDone(cell.key())) {
                listener.onCellSkipped(cell, i, cells.size());
                continue;
            }
            listener.onCellStart(cell, i, cells.size());
            try {
                final List<SweepRow> rows = runCell(plan, backend, scenarios.get(cell.scenario()), cell);
                results.append(rows);
                listener.onCellDone(cell, i, cells.size(), rows);
            } catch (final RuntimeException e) {
                listener.onCellFailed(cell, i, cells.size(), e);
            }
        }
        results.writeSummaries();
        return results.rows();
    }

    /** @return what {@code scenario} gives the axes a plan leaves empty. */
    public static SweepPlan.ScenarioDefaults.Values defaultsOf(final Scenario scenario) {
        return new SweepPlan.ScenarioDefaults.Values(scenario.maxDistanceKm(), scenario.congestionControl(), scenario.algorithm().algorithmName(),
            scenario.scheduler(), scenario.paths());
    }

    /** @return the scenario a cell runs: moved to the cell's distance, with its loss, cc, algorithm, scheduler and paths. */
    public static Scenario scenarioOf(final Scenario base, final SweepCell cell) {
        Scenario s = base;
        if (s.dataCenters().size() > 1) {
            s = s.withDistanceKm(cell.distanceKm());
            if (cell.lossPercent() >= 0) {
                s = s.withLoss(cell.lossPercent() / 100);
            }
        }
        return s.withCongestionControl(cell.cc()).withAlgorithm(Algorithm.parse(cell.algorithm())).withScheduler(cell.scheduler())
            .withPaths(cell.paths());
    }

    /**
     * Runs one cell and returns its rows (not stored), each with the cell's scheduler and paths; on
     * an ECMP group, with the group's spec, the train row with the per-link counters and timeline of
     * its run at distance, and the largest-size busbw row with the counters of the size sweep.
     */
    public static List<SweepRow> runCell(final SweepPlan plan, final FabricBackend backend, final Scenario base, final SweepCell cell) {
        final Scenario s = scenarioOf(base, cell);
        final String fabricSpec = s.dataCenters().size() > 1 && s.interDcFabric() != null ? s.interDcFabric().toString() : null;
        final List<SweepRow> rows = new ArrayList<>();
        for (final SweepRow r : runCellRows(plan, backend, s, cell)) {
            final SweepRow m = r.withMultipath(cell.scheduler(), cell.paths()).withScale(s.scale());
            rows.add(m.fabric() == null && fabricSpec != null ? m.withFabricSpec(fabricSpec) : m);
        }
        return rows;
    }

    private static List<SweepRow> runCellRows(final SweepPlan plan, final FabricBackend backend, final Scenario s, final SweepCell cell) {
        final double loss = cell.lossPercent() >= 0 ? cell.lossPercent()
            : s.dataCenters().size() > 1 ? s.interDcLink().meanLossProbability() * 100 : 0;
        final List<SweepRow> rows = new ArrayList<>();
        if (!plan.modes().isEmpty()) {
            final ModelComparison.Variant variant = ModelComparison.Variant.parse(cell.mode());
            if (plan.bench()) {
                final double factor = Collective.ALL_REDUCE.busBandwidthFactor(s.ranks());
                for (long bytes = plan.benchMinBytes(); bytes <= plan.benchMaxBytes(); bytes *= Math.max(2, plan.benchFactor())) {
                    final ModeMeasurement m = ModeMeasurement.run(backend, s, variant, plan.deadlineNs(), bytes / 4 * 4,
                        plan.benchIterations(), plan.benchWarmup());
                    final double alg = m.meanTimeUs() <= 0 ? 0 : bytes / 1e9 / (m.meanTimeUs() / 1e6);
                    rows.add(new SweepRow(cell.key(), cell.scenario(), backend.name(), cell.distanceKm(), loss, cell.cc(), cell.algorithm(),
                        SweepRow.BUSBW, bytes, m.meanTimeUs(), alg, alg * factor, null, null, null, null, null, s.seed(), variant.label(),
                        m.receivedFraction(), m.relativeL2()));
                }
            }
            if (!cell.reliable() || plan.train() == null) {
                return rows;
            }
        }
        if (plan.bench() && plan.modes().isEmpty()) {
            final BenchOptions o = BenchOptions.defaults(Collective.ALL_REDUCE).withSizes(plan.benchMinBytes(), plan.benchMaxBytes(), plan.benchFactor())
                .withIterations(plan.benchIterations(), plan.benchWarmup()).withAlgorithm(s.algorithm());
            final BenchOptions unchecked = new BenchOptions(o.collective(), o.minBytes(), o.maxBytes(), o.stepFactor(), o.stepBytes(),
                o.iterations(), o.warmup(), false, o.type(), o.op(), o.root(), o.algorithm());
            try (Cluster c = backend.open(ClusterSpec.of(s))) {
                for (final NcclTestsReport.Row r : CollectiveBenchmark.run(c.benchmarkGroup(OPERATION_TIMEOUT_NS), unchecked)) {
                    final NcclTestsReport.Result x = r.outOfPlace();
                    rows.add(new SweepRow(cell.key(), cell.scenario(), backend.name(), cell.distanceKm(), loss, cell.cc(), cell.algorithm(),
                        SweepRow.BUSBW, r.bytes(), x.timeUs(), x.algBwGBps(), x.busBwGBps(), null, null, null, null, null, s.seed()));
                }
                final FabricReport report = c.fabricReport();
                if (report != null && !rows.isEmpty()) {
                    rows.set(rows.size() - 1, rows.get(rows.size() - 1).withFabric(new FabricReport(report.fabric(),
                        report.links(), null)));
                }
            }
        }
        if (plan.train() != null) {
            final TrainSchedule schedule = TrainSchedule.parse(cell.schedule() == null ? "ddp" : cell.schedule());
            final TrainComparison t = TrainComparison.run(backend, s, plan.train().withSchedule(schedule).fittedToSchedule(), plan.pairs());
            final TrainResult r = t.result();
            rows.add(new SweepRow(cell.key(), cell.scenario(), backend.name(), cell.distanceKm(), loss, cell.cc(), cell.algorithm(),
                SweepRow.TRAIN, plan.train().gradBytes(), null, null, null, r.meanStepNs() / 1e6, r.computeNs() / 1e6, r.exposedNs() / 1e6,
                t.baseline().meanStepNs() / 1e6, t.efficiency(), s.seed()).withFabric(r.fabric()).withEfficiency(t.estimate())
                .withSchedule(schedule.spec(), r.meanDciBytesPerStep()));
        }
        return rows;
    }
}
