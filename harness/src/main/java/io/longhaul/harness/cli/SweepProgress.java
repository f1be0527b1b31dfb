package io.longhaul.harness.cli;

import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;
import io.longhaul.harness.scenario.ScenarioLoader;
import io.longhaul.harness.sweep.Sweep;
import io.longhaul.harness.sweep.SweepCell;
import io.longhaul.harness.sweep.SweepListener;
import io.longhaul.harness.sweep.SweepPlan;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.transport.util.Units;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Prints one line per sweep cell as it runs, and counts the cells that failed. */
final class SweepProgress implements SweepListener {
    private final PrintWriter out;
    private final long startNs = System.nanoTime();
    private int failed;

    SweepProgress(final PrintWriter out) {
        this.out = out;
    }

    /**
     * On a real-time backend, runs the plan's first cell as two pairs, unmeasured: otherwise the
     * first cells would also pay for class loading and JIT compilation.
     */
    void warmUp(final SweepPlan plan, final FabricBackend backend) {
        if (backend.exact()) {
            return;
        }
        out.print("warming up the JVM on one cell ...");
        out.flush();
        final long t0 = System.nanoTime();
        final Scenario scenario = ScenarioLoader.load(plan.scenarios().get(0));
        Sweep.runCell(plan.withPairs(2), backend, scenario, plan.cells(name -> Sweep.defaultsOf(scenario)).get(0));
        out.printf(Locale.ROOT, " %.1f s%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
    }

    int failed() {
        return failed;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNs) / 1e9;
    }

    @Override
    public void onCellStart(final SweepCell cell, final int index, final int total) {
        out.printf(Locale.ROOT, "[%3.0fs %d/%d] %s ...", elapsedSeconds(), index + 1, total, cell.label());
        out.flush();
    }

    @Override
    public void onCellDone(final SweepCell cell, final int index, final int total, final List<SweepRow> cellRows) {
        final String eff = cellRows.stream().filter(r -> SweepRow.TRAIN.equals(r.kind())).findFirst()
            .map(r -> String.format(Locale.ROOT, " step %.1f ms, efficiency %s", r.stepMs(), r.efficiencyEstimate().label())).orElse("");
        final String bw = cellRows.stream().filter(r -> SweepRow.BUSBW.equals(r.kind())).reduce((a, b) -> b)
            .map(r -> String.format(Locale.ROOT, " busbw %.3f GB/s at %s", r.busbwGbps(), Units.formatSize(r.bytes()))).orElse("");
        out.println(bw + eff);
        out.flush();
    }

    @Override
    public void onCellSkipped(final SweepCell cell, final int index, final int total) {
        out.printf(Locale.ROOT, "[%3.0fs %d/%d] %s already done%n", elapsedSeconds(), index + 1, total, cell.label());
        out.flush();
    }

    @Override
    public void onCellFailed(final SweepCell cell, final int index, final int total, final RuntimeException error) {
        failed++;
        out.println(" FAILED: " + error.getMessage());
        out.flush();
    }
}
