package io.longhaul.harness.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.FabricReport;
import io.longhaul.harness.scenario.LinkTimeline;
import io.longhaul.harness.train.Efficiency;

import java.util.List;

/**
 * One result line of a sweep (and of the report's inputs): either a {@code busbw} measurement of
 * one all-reduce size or a {@code train} result of one cell. Fields that do not apply to the kind
 * are null. JSON names are snake_case ({@code busbw_gbps}, {@code step_ms}, ...).
 *
 * <p>On an inter-DC ECMP group: {@code fabric} is the group's spec, {@code scheduler} and
 * {@code paths} the sessions' path scheduler and paths; {@code links} holds every link's counters
 * per direction over the run the row closes (a train row: the training run at the cell's distance;
 * the largest-size busbw row of a cell: the whole size sweep of that cell), and {@code timeline}
 * (train rows on the simulated backend) the bytes each link delivered over time.
 *
 * <p>A train row's {@code efficiency} is the estimate of {@link Efficiency}, {@code efficiencyLow}
 * and {@code efficiencyHigh} its 95% interval, {@code pairs} the pairs of runs behind it and
 * {@code exact} whether they ran in virtual time. {@code scale} is the scenario's scale factor
 * (rates and gradients 1/scale of the real system's), absent when not scaled. A train row's
 * {@code schedule} is its training schedule's spec ({@code ddp}, {@code diloco:H=8:outer=int8},
 * ...) and {@code dciBytesPerStep} the collective bytes crossing the DCI per measured step.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SweepRow(String cell, String scenario, String backend, Double distanceKm, Double lossPercent, String cc, String algorithm,
                       String kind, Long bytes, Double timeUs, Double algbwGbps, Double busbwGbps, Double stepMs, Double computeMs,
                       Double exposedMs, Double baselineStepMs, Double efficiency, Long seed, String mode, Double receivedFraction,
                       Double relErr, String scheduler, Integer paths, String fabric, List<FabricLinkCounters> links, LinkTimeline timeline,
                       Double efficiencyLow, Double efficiencyHigh, Integer pairs, Boolean exact, Double scale, String schedule,
                       Double dciBytesPerStep) {

    /** A row without multipath fields. */
    public SweepRow(final String cell, final String scenario, final String backend, final Double distanceKm, final Double lossPercent,
                    final String cc, final String algorithm, final String kind, final Long bytes, final Double timeUs, final Double algbwGbps,
                    final Double busbwGbps, final Double stepMs, final Double computeMs, final Double exposedMs, final Double baselineStepMs,
                    final Double efficiency, final Long seed, final String mode, final Double receivedFraction, final Double relErr) {
        this(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs, computeMs,
            exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** @return this row with the path scheduler and paths of its sessions. */
    public SweepRow withMultipath(final String schedulerSpec, final Integer pathCount) {
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, schedulerSpec, pathCount, fabric, links,
            timeline, efficiencyLow, efficiencyHigh, pairs, exact, scale, schedule, dciBytesPerStep);
    }

    /** @return this row with the fabric spec, per-link counters and timeline of {@code report} (unchanged for null). */
    public SweepRow withFabric(final FabricReport report) {
        if (report == null) {
            return this;
        }
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, scheduler, paths, report.fabric(),
            report.links(), report.timeline(), efficiencyLow, efficiencyHigh, pairs, exact, scale, schedule, dciBytesPerStep);
    }

    /** @return this row with the group's spec only (for rows whose counters another row of the cell carries). */
    public SweepRow withFabricSpec(final String spec) {
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, scheduler, paths, spec, links, timeline,
            efficiencyLow, efficiencyHigh, pairs, exact, scale, schedule, dciBytesPerStep);
    }

    /** @return this row with the efficiency's estimate, interval, pairs and exactness. */
    public SweepRow withEfficiency(final Efficiency e) {
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, e.value(), seed, mode, receivedFraction, relErr, scheduler, paths, fabric, links, timeline,
            e.low(), e.high(), e.pairs(), e.exact(), scale, schedule, dciBytesPerStep);
    }

    /** @return this row with its scenario's scale factor (null, not recorded, when 1: not scaled). */
    public SweepRow withScale(final double factor) {
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, scheduler, paths, fabric, links, timeline,
            efficiencyLow, efficiencyHigh, pairs, exact, factor == 1 ? null : factor, schedule, dciBytesPerStep);
    }

    /** @return this row with its training schedule's spec and the bytes crossing the DCI per step (NaN: not counted). */
    public SweepRow withSchedule(final String spec, final double dciBytes) {
        return new SweepRow(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, scheduler, paths, fabric, links, timeline,
            efficiencyLow, efficiencyHigh, pairs, exact, scale, spec, Double.isNaN(dciBytes) ? null : dciBytes);
    }

    /**
     * @return the efficiency with its interval; null for a row without one. A row written before
     *         intervals were recorded reads as exact.
     */
    public Efficiency efficiencyEstimate() {
        if (efficiency == null) {
            return null;
        }
        if (efficiencyLow == null || efficiencyHigh == null) {
            return Efficiency.exact(efficiency);
        }
        return new Efficiency(efficiency, efficiencyLow, efficiencyHigh, pairs == null ? 1 : pairs, Boolean.TRUE.equals(exact));
    }

    /** A row of the reliable mode (no mode, fraction received or error recorded). */
    public SweepRow(final String cell, final String scenario, final String backend, final Double distanceKm, final Double lossPercent,
                    final String cc, final String algorithm, final String kind, final Long bytes, final Double timeUs, final Double algbwGbps,
                    final Double busbwGbps, final Double stepMs, final Double computeMs, final Double exposedMs, final Double baselineStepMs,
                    final Double efficiency, final Long seed) {
        this(cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs, computeMs,
            exposedMs, baselineStepMs, efficiency, seed, null, null, null);
    }
    /** Kind of a collective bandwidth row. */
    public static final String BUSBW = "busbw";
    /** Kind of a training row. */
    public static final String TRAIN = "train";

    /** CSV columns, in order. */
    public static final List<String> COLUMNS = List.of("cell", "scenario", "backend", "distance_km", "loss_percent", "cc", "algorithm", "kind",
        "bytes", "time_us", "algbw_gbps", "busbw_gbps", "step_ms", "compute_ms", "exposed_ms", "baseline_step_ms", "efficiency", "seed", "mode",
        "received_fraction", "rel_err", "scheduler", "paths", "fabric", "efficiency_low", "efficiency_high", "pairs", "exact", "scale", "schedule", "dci_bytes_per_step");

    /** @return the CSV line (no newline), fields in {@link #COLUMNS} order, empty when null (per-link counters and timelines are in the JSON only). */
    public String csv() {
        final Object[] v = {cell, scenario, backend, distanceKm, lossPercent, cc, algorithm, kind, bytes, timeUs, algbwGbps, busbwGbps, stepMs,
            computeMs, exposedMs, baselineStepMs, efficiency, seed, mode, receivedFraction, relErr, scheduler, paths, fabric, efficiencyLow,
            efficiencyHigh, pairs, exact, scale, schedule, dciBytesPerStep};
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            if (v[i] != null) {
                final String s = v[i].toString();
                sb.append(s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s);
            }
        }
        return sb.toString();
    }

    /** @return a label of the configuration (cc, algorithm, loss, and scheduler and paths unless the defaults) for chart series. */
    public String configLabel() {
        return (cc == null ? "?" : cc) + " " + (algorithm == null ? "?" : algorithm)
            + (lossPercent == null || lossPercent < 0 ? "" : " loss " + SweepCell.num(lossPercent) + "%")
            + (mode == null || SweepCell.RELIABLE.equals(mode) ? "" : " " + mode)
            + SweepCell.multipathLabel(scheduler, paths == null ? 1 : paths) + SweepCell.scheduleLabel(schedule);
    }
}
