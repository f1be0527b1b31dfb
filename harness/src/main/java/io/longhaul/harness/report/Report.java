package io.longhaul.harness.report;

import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.LinkTimeline;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.harness.train.Efficiency;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTML report: one self-contained file (inline CSS, charts as base64 PNG, no external
 * requests) with training efficiency against distance (95 % and 90 % targets marked), exposed
 * communication, all-reduce bus bandwidth against size, goodput against loss per congestion
 * control, RTT percentiles, path schedulers on an inter-DC ECMP group (time per scheduler, bytes
 * per link over time around a link failure, per-link counters), the table behind every chart, and
 * the environment.
 */
public final class Report {
    /** Section ids, in page order (tests and scripts look for them). */
    public static final List<String> SECTIONS = List.of("summary", "efficiency", "exposed", "busbw", "bounded", "goodput", "rtt", "schedulers",
        "timeline", "links", "environment");
    /** Most link timelines drawn (one per scheduler and paths, failures first). */
    static final int MAX_TIMELINES = 4;
    /** Efficiency target across buildings (up to 10 km). */
    public static final double TARGET_NEAR = 0.95;
    /** Efficiency target at metro and long-haul distances. */
    public static final double TARGET_FAR = 0.90;

    private static final String CSS = String.join("\n",
        "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f6f9;color:#1d2433}",
        "header{background:linear-gradient(120deg,#0b3d91,#1f77b4);color:#fff;padding:28px 40px}",
        "header h1{margin:0;font-size:28px}header p{margin:6px 0 0;opacity:.9}",
        "main{max-width:1180px;margin:0 auto;padding:24px 40px 60px}",
        "section{background:#fff;border-radius:10px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:20px 26px;margin:22px 0}",
        "h2{margin:0 0 6px;font-size:20px}p.note{color:#5b6577;margin:4px 0 12px}",
        "img.chart{width:100%;max-width:900px;display:block;margin:8px auto}",
        "table{border-collapse:collapse;width:100%;font-size:13px;margin-top:10px}",
        "th,td{padding:5px 8px;border-bottom:1px solid #e6e9ef;text-align:right}th{background:#f0f3f8;position:sticky;top:0}",
        "td:first-child,th:first-child,td.l,th.l{text-align:left}",
        "details summary{cursor:pointer;color:#0b3d91;margin-top:8px}",
        ".cards{display:flex;flex-wrap:wrap;gap:14px}.card{flex:1 1 200px;border-radius:8px;padding:14px 16px;background:#f0f3f8}",
        ".card .v{font-size:26px;font-weight:700}.card .k{color:#5b6577;font-size:13px}",
        ".ok{color:#1a7f37}.bad{color:#c62828}.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}",
        ".pill.ok{background:#dcf5e3}.pill.bad{background:#fde2e2}.empty{color:#8a93a3;font-style:italic}");

    private Report() {
    }

    /** Renders {@code data} and writes it to {@code out}. */
    public static void write(final ReportData data, final Environment environment, final Path out) {
        try {
            final Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(out, render(data, environment), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot write the report to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Convenience for callers holding sweep rows only. */
    public static void write(final List<SweepRow> rows, final Environment environment, final Path out) {
        write(new ReportData(rows, List.of()), environment, out);
    }

    /** @return the report as one HTML document. */
    public static String render(final ReportData data, final Environment env) {
        final List<SweepRow> train = data.rows().stream().filter(r -> SweepRow.TRAIN.equals(r.kind()) && r.efficiency() != null)
            .sorted(Comparator.comparing(Report::seriesOf).thenComparing(r -> d(r.distanceKm()))).toList();
        final List<SweepRow> bus = data.rows().stream().filter(r -> SweepRow.BUSBW.equals(r.kind()) && r.busbwGbps() != null).toList();
        final StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .append("<title>longhaul report</title><style>").append(CSS).append("</style></head><body>\n")
            .append("<header><h1>longhaul: what distance costs training</h1><p>").append(esc(subtitle(data))).append("</p></header><main>\n");
        summary(h, train, bus, data);
        efficiency(h, train);
        exposed(h, train);
        schedules(h, train);
        busbw(h, bus);
        bounded(h, data);
        goodput(h, data, bus);
        rtt(h, data);
        schedulers(h, data);
        timeline(h, data);
        links(h, data);
        environment(h, env);
        h.append("</main></body></html>\n");
        return h.toString();
    }

    private static String subtitle(final ReportData data) {
        final long cells = data.rows().stream().map(SweepRow::cell).distinct().count();
        final String backends = String.join(", ", data.rows().stream().map(SweepRow::backend).filter(b -> b != null).distinct().toList());
        return cells + " configurations" + (backends.isEmpty() ? "" : " on " + backends) + ", " + data.perf().size() + " perf runs. "
            + "Efficiency = step time at 0 km / step time at distance, all else equal. Targets: >= 95% up to 10 km, >= 90% at 100 and 1000 km."
            + scales(data.rows());
    }

    /** @return a sentence on the scale factors of the rows' scenarios, or "" when none is scaled. */
    static String scales(final List<SweepRow> rows) {
        final java.util.TreeSet<Double> factors = new java.util.TreeSet<>();
        for (final SweepRow r : rows) {
            if (r.scale() != null) {
                factors.add(r.scale());
            }
        }
        if (factors.isEmpty()) {
            return "";
        }
        final List<String> f = factors.stream().map(x -> "1:" + (x == Math.rint(x) ? Long.toString(x.longValue()) : x.toString())).toList();
        return " Scale " + String.join(", ", f) + ": link rates and gradient bytes are that fraction of the real system's, delays and "
            + "compute times are real, so efficiencies and step times read as they are and bandwidths and bytes scale back up by the factor.";
    }

    static String seriesOf(final SweepRow r) {
        return (r.scenario() == null ? "" : r.scenario() + " ") + r.configLabel();
    }

    private static double d(final Double v) {
        return v == null ? Double.NaN : v;
    }

    static double target(final double km) {
        return km <= 10 ? TARGET_NEAR : TARGET_FAR;
    }

    // ------------------------------------------------------------------ sections

    private static void summary(final StringBuilder h, final List<SweepRow> train, final List<SweepRow> bus, final ReportData data) {
        open(h, "summary", "Summary", "The headline numbers; details and the tables behind them follow.");
        h.append("<div class=\"cards\">");
        // Per distance, the worst configuration (lowest upper end of its interval) and how many meet the target.
        final Map<Double, List<SweepRow>> byKm = new TreeMap<>();
        for (final SweepRow r : train) {
            if (d(r.distanceKm()) > 0) {
                byKm.computeIfAbsent(d(r.distanceKm()), k -> new ArrayList<>()).add(r);
            }
        }
        for (final Map.Entry<Double, List<SweepRow>> e : byKm.entrySet()) {
            final double target = target(e.getKey());
            final SweepRow worst = e.getValue().stream().min(Comparator.comparingDouble((SweepRow r) -> r.efficiencyEstimate().high())
                .thenComparingDouble(r -> r.efficiencyEstimate().value())).orElseThrow();
            final long meeting = e.getValue().stream().filter(r -> r.efficiencyEstimate().meets(target)).count();
            final Efficiency w = worst.efficiencyEstimate();
            h.append("<div class=\"card\"><div class=\"k\">worst efficiency at ").append(km(e.getKey())).append(" km</div><div class=\"v ")
                .append(w.meets(target) ? "ok" : "bad").append("\">").append(esc(w.label())).append("</div><div class=\"k\">")
                .append(esc(worst.configLabel())).append(" &middot; ").append(meeting).append(" of ").append(e.getValue().size())
                .append(" configurations meet ").append(pct(target)).append("</div></div>");
        }
        if (!bus.isEmpty()) {
            final SweepRow top = bus.stream().max(Comparator.comparingDouble(r -> d(r.busbwGbps()))).orElseThrow();
            h.append("<div class=\"card\"><div class=\"k\">peak all-reduce bus bandwidth</div><div class=\"v\">")
                .append(fmt(d(top.busbwGbps()) * 8, 2)).append(" Gbit/s</div><div class=\"k\">").append(esc(seriesOf(top))).append(", ")
                .append(km(d(top.distanceKm()))).append(" km, ").append(Charts.size(top.bytes())).append("B</div></div>");
        }
        for (final PerfResult p : data.perf().stream().sorted(Comparator.comparingDouble(PerfResult::goodputBps).reversed()).limit(1).toList()) {
            h.append("<div class=\"card\"><div class=\"k\">best perf goodput</div><div class=\"v\">").append(fmt(p.goodputBps() / 1e6, 0))
                .append(" Mbit/s</div><div class=\"k\">").append(esc(p.cc() + ", " + p.link())).append("</div></div>");
        }
        if (byKm.isEmpty() && bus.isEmpty() && data.perf().isEmpty()) {
            h.append("<p class=\"empty\">No results found in the input.</p>");
        }
        h.append("</div>");
        close(h);
    }

    private static void efficiency(final StringBuilder h, final List<SweepRow> train) {
        open(h, "efficiency", "Training efficiency against distance",
            "Data-parallel training with bucketed gradient all-reduce overlapping the backward pass. 100% = as fast as at 0 km; "
                + "dashed lines: 95% (cross-building target) and 90% (100 and 1000 km target). " + methods(train)
                + " Bars on the chart and the table give each estimate's 95% interval. A configuration meets a target when its whole interval is "
                + "at or above it (or the interval holds 100%).");
        if (train.isEmpty()) {
            empty(h, "No training results (run longhaul sweep or longhaul train --json).");
        } else {
            chart(h, efficiencyChart("Training efficiency vs distance", train), "efficiency against distance");
        }
        trainTable(h, train);
        close(h);
    }

    private static void exposed(final StringBuilder h, final List<SweepRow> train) {
        open(h, "exposed", "Exposed communication per step",
            "Step time minus compute time: the communication the backward pass could not hide. It is what distance adds to a step.");
        if (train.isEmpty()) {
            empty(h, "No training results.");
        } else {
            final Charts.Series s = new Charts.Series();
            for (final SweepRow r : train) {
                s.add(seriesOf(r), d(r.distanceKm()), d(r.exposedMs()));
            }
            chart(h, Charts.line("Exposed communication vs distance", "distance (km)", "exposed communication per step (ms)", s, false, false,
                List.of()), "exposed communication against distance");
        }
        close(h);
    }

    /** Efficiency against distance, one line per configuration, each point with its 95% interval (none when exact). */
    private static String efficiencyChart(final String title, final List<SweepRow> train) {
        final Charts.IntervalSeries s = new Charts.IntervalSeries();
        for (final SweepRow r : train) {
            final Efficiency e = r.efficiencyEstimate();
            s.add(seriesOf(r), d(r.distanceKm()), e.value(), e.low(), e.high());
        }
        return Charts.lineWithIntervals(title, "distance (km)", "efficiency (0 km step / step), 95% interval", s,
            List.of(new double[] {TARGET_NEAR, 0}, new double[] {TARGET_FAR, 1}));
    }

    private static String scheduleOf(final SweepRow r) {
        return r.schedule() == null ? "ddp" : r.schedule();
    }

    /**
     * Training schedules side by side (shown when a schedule other than ddp ran): efficiency
     * against distance per schedule, the bytes each crosses the DCI per step, and a table.
     */
    private static void schedules(final StringBuilder h, final List<SweepRow> train) {
        if (train.stream().allMatch(r -> "ddp".equals(scheduleOf(r)))) {
            return;
        }
        open(h, "schedules", "Training schedules",
            "ddp all-reduces every step's gradient across all ranks; localsgd and diloco (DiLoCo) all-reduce inside each DC every step "
                + "and across DCs every H steps; streaming-diloco syncs F fragments at staggered steps, each overlapped with T inner steps; "
                + "async1 overlaps step t's cross-DC all-reduce with step t+1. Each is compared with itself at 0 km. The timing model does "
                + "not capture the accuracy cost of syncing less often or of stale gradients.");
        chart(h, efficiencyChart("Training efficiency vs distance per schedule", train), "efficiency against distance per schedule");
        final double farKm = train.stream().mapToDouble(r -> d(r.distanceKm())).max().orElse(0);
        final DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (final SweepRow r : train) {
            if (d(r.distanceKm()) == farKm && r.dciBytesPerStep() != null) {
                ds.addValue(r.dciBytesPerStep() / (1 << 20), (r.scenario() == null ? "" : r.scenario() + " ") + r.cc() + " " + r.algorithm(),
                    scheduleOf(r));
            }
        }
        chart(h, Charts.bars("Bytes crossing the DCI per step (" + km(farKm) + " km)", "schedule", "MiB per step (all ranks)", ds),
            "DCI bytes per step per schedule");
        h.append("<details open><summary>Table: per schedule</summary><table><tr><th class=\"l\">schedule</th><th class=\"l\">configuration</th>")
            .append("<th>distance km</th><th>step ms</th><th>exposed ms</th><th>DCI MiB per step</th><th class=\"l\">efficiency (95% interval)</th></tr>");
        for (final SweepRow r : train.stream().sorted(Comparator.comparing(Report::scheduleOf).thenComparing(SweepRow::configLabel)
            .thenComparing(r -> d(r.distanceKm()))).toList()) {
            h.append("<tr><td class=\"l\">").append(esc(scheduleOf(r))).append("</td><td class=\"l\">").append(esc(r.configLabel()))
                .append("</td><td>").append(km(d(r.distanceKm()))).append("</td><td>").append(fmt(d(r.stepMs()), 1)).append("</td><td>")
                .append(fmt(d(r.exposedMs()), 1)).append("</td><td>")
                .append(r.dciBytesPerStep() == null ? "" : fmt(r.dciBytesPerStep() / (1 << 20), 3)).append("</td><td class=\"l\">")
                .append(esc(r.efficiencyEstimate().label())).append("</td></tr>");
        }
        h.append("</table></details>");
        close(h);
    }

    private static void trainTable(final StringBuilder h, final List<SweepRow> train) {
        if (train.isEmpty()) {
            return;
        }
        h.append("<details open><summary>Table: training results</summary><table><tr><th>scenario</th><th class=\"l\">configuration</th>")
            .append("<th>distance km</th><th>loss %</th><th>step ms</th><th>compute ms</th><th>exposed ms</th><th>0 km step ms</th>")
            .append("<th class=\"l\">efficiency (95% interval)</th><th class=\"l\">backend, measured as</th><th>target</th></tr>");
        for (final SweepRow r : train) {
            final double t = target(d(r.distanceKm()));
            final Efficiency e = r.efficiencyEstimate();
            final boolean ok = e.meets(t);
            h.append("<tr><td>").append(esc(r.scenario())).append("</td><td class=\"l\">").append(esc(r.configLabel())).append("</td><td>")
                .append(km(d(r.distanceKm()))).append("</td><td>").append(fmt(d(r.lossPercent()), 3)).append("</td><td>")
                .append(fmt(d(r.stepMs()), 1)).append("</td><td>").append(fmt(d(r.computeMs()), 1)).append("</td><td>")
                .append(fmt(d(r.exposedMs()), 1)).append("</td><td>").append(fmt(d(r.baselineStepMs()), 1)).append("</td>")
                .append("<td class=\"l\">").append(esc(e.label())).append("</td><td class=\"l\">").append(esc(backendOf(r) + ", " + e.method()))
                .append("</td><td><span class=\"pill ").append(ok ? "ok\">meets " : "bad\">misses ")
                .append(pct(t)).append("</span></td></tr>");
        }
        h.append("</table></details>");
    }

    private static String backendOf(final SweepRow r) {
        return r.backend() == null ? "unknown backend" : r.backend();
    }

    /** @return one sentence per backend: how its efficiencies were measured. */
    private static String methods(final List<SweepRow> train) {
        final Map<String, String> byBackend = new TreeMap<>();
        for (final SweepRow r : train) {
            byBackend.putIfAbsent(backendOf(r), r.efficiencyEstimate().exact() ? "exact, in virtual time (one run each)"
                : "the median ratio of interleaved pairs of runs (0 km twin and distance), with a 95% bootstrap interval");
        }
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, String> e : byBackend.entrySet()) {
            sb.append(sb.length() == 0 ? "" : " ").append("Backend ").append(e.getKey()).append(": ").append(e.getValue()).append('.');
        }
        return sb.toString();
    }

    private static void busbw(final StringBuilder h, final List<SweepRow> bus) {
        open(h, "busbw", "All-reduce bus bandwidth against size",
            "nccl-tests bus bandwidth (algorithm bandwidth x 2(n-1)/n), out of place, per configuration and distance. Small messages pay "
                + "the round trip; large ones approach the link rate.");
        if (bus.isEmpty()) {
            empty(h, "No all-reduce results (run longhaul sweep or longhaul allreduce --json).");
            close(h);
            return;
        }
        final Charts.Series s = new Charts.Series();
        final List<SweepRow> sorted = bus.stream().sorted(Comparator.comparing(Report::seriesOf).thenComparing(r -> d(r.distanceKm()))
            .thenComparing(r -> r.bytes() == null ? 0L : r.bytes())).toList();
        for (final SweepRow r : sorted) {
            s.add(seriesOf(r) + " " + km(d(r.distanceKm())) + " km", r.bytes(), d(r.busbwGbps()) * 8);
        }
        chart(h, Charts.line("All-reduce bus bandwidth vs message size", "message size (bytes)", "bus bandwidth (Gbit/s)", s, true, true,
            List.of()), "bus bandwidth against size");
        h.append("<details><summary>Table: all-reduce results (").append(sorted.size()).append(" rows)</summary><table><tr><th>scenario</th>")
            .append("<th class=\"l\">configuration</th><th>distance km</th><th>size</th><th>time us</th><th>algbw GB/s</th><th>busbw GB/s</th>")
            .append("<th>busbw Gbit/s</th><th class=\"l\">backend</th></tr>");
        for (final SweepRow r : sorted) {
            h.append("<tr><td>").append(esc(r.scenario())).append("</td><td class=\"l\">").append(esc(r.configLabel())).append("</td><td>")
                .append(km(d(r.distanceKm()))).append("</td><td>").append(Charts.size(r.bytes())).append("B</td><td>")
                .append(fmt(d(r.timeUs()), 1)).append("</td><td>").append(fmt(d(r.algbwGbps()), 4)).append("</td><td>")
                .append(fmt(d(r.busbwGbps()), 4)).append("</td><td>").append(fmt(d(r.busbwGbps()) * 8, 3)).append("</td><td class=\"l\">")
                .append(esc(backendOf(r))).append("</td></tr>");
        }
        h.append("</table></details>");
        close(h);
    }

    /** Modes side by side: all-reduce time and error against loss (sweep --mode), and the real model's loss curves (train --model mlp). */
    private static void bounded(final StringBuilder h, final ReportData data) {
        open(h, "bounded", "Reliable against bounded-time collectives",
            "Bounded mode gives every step a time budget and rescales what arrived; the Hadamard transform spreads a lost packet over "
                + "its block. Left: all-reduce time and relative L2 error against inter-DC loss, per mode and size (sweep --mode). "
                + "Below: the real model's evaluation loss against training time per mode and loss (train --model mlp --json).");
        final List<SweepRow> moded = data.rows().stream().filter(r -> SweepRow.BUSBW.equals(r.kind()) && r.lossPercent() != null
            && r.timeUs() != null && r.mode() != null).toList();
        if (moded.isEmpty() && data.models().isEmpty()) {
            empty(h, "No mode comparison (run longhaul sweep --mode reliable,bounded,bounded+hadamard or longhaul train --model mlp --compare --json).");
            close(h);
            return;
        }
        if (!moded.isEmpty()) {
            final Charts.Series time = new Charts.Series();
            final Charts.Series err = new Charts.Series();
            final List<SweepRow> sorted = moded.stream().sorted(Comparator.comparing((SweepRow r) -> modeOf(r))
                .thenComparing(r -> r.bytes() == null ? 0L : r.bytes()).thenComparing(r -> d(r.lossPercent()))).toList();
            for (final SweepRow r : sorted) {
                final String series = modeOf(r) + " " + Charts.size(r.bytes() == null ? 0 : r.bytes()) + "B " + km(d(r.distanceKm())) + " km";
                time.add(series, d(r.lossPercent()), d(r.timeUs()) / 1e3);
                err.add(series, d(r.lossPercent()), r.relErr() == null ? 0 : r.relErr());
            }
            chart(h, Charts.line("All-reduce time against loss, per mode", "inter-DC loss (%)", "time per all-reduce (ms)", time, false, false,
                List.of()), "all-reduce time against loss per mode");
            chart(h, Charts.line("All-reduce error against loss, per mode", "inter-DC loss (%)", "relative L2 error", err, false, false,
                List.of()), "all-reduce error against loss per mode");
            h.append("<details><summary>Table: all-reduce per mode (").append(sorted.size()).append(" rows)</summary><table><tr>")
                .append("<th class=\"l\">mode</th><th>distance km</th><th>loss %</th><th>size</th><th>time ms</th><th>received %</th>")
                .append("<th>relative L2 error</th></tr>");
            for (final SweepRow r : sorted) {
                h.append("<tr><td class=\"l\">").append(esc(modeOf(r))).append("</td><td>").append(km(d(r.distanceKm()))).append("</td><td>")
                    .append(fmt(d(r.lossPercent()), 2)).append("</td><td>").append(Charts.size(r.bytes() == null ? 0 : r.bytes()))
                    .append("B</td><td>").append(fmt(d(r.timeUs()) / 1e3, 2)).append("</td><td>")
                    .append(r.receivedFraction() == null ? "100" : fmt(100 * r.receivedFraction(), 3)).append("</td><td>")
                    .append(r.relErr() == null ? "0" : String.format(java.util.Locale.ROOT, "%.2e", r.relErr())).append("</td></tr>");
            }
            h.append("</table></details>");
        }
        if (!data.models().isEmpty()) {
            final Charts.Series curves = new Charts.Series();
            for (final ReportData.ModelCurve m : data.models()) {
                final String series = m.mode() + " loss " + fmt(m.lossPercent(), 1) + "%";
                for (int i = 0; i < m.timeMs().length; i++) {
                    curves.add(series, m.timeMs()[i] / 1e3, m.loss()[i]);
                }
            }
            chart(h, Charts.line("Real model: evaluation loss against training time", "training time (s, cluster clock)", "evaluation loss",
                curves, false, false, List.of()), "model loss curves per mode");
        }
        close(h);
    }

    private static String modeOf(final SweepRow r) {
        return r.mode() == null ? "reliable" : r.mode();
    }

    private static void goodput(final StringBuilder h, final ReportData data, final List<SweepRow> bus) {
        open(h, "goodput", "Goodput against loss per congestion control",
            "Loss-based congestion control (CUBIC, NewReno) collapses under random loss on long paths (Mathis: rate <= MSS/RTT x 1.22/sqrt(p)); "
                + "model-based BBR keeps the pipe full.");
        final Charts.Series s = new Charts.Series();
        final List<String[]> table = new ArrayList<>();
        String source;
        if (!data.perf().isEmpty()) {
            source = "perf";
            for (final PerfResult p : data.perf().stream().sorted(Comparator.comparing(PerfResult::cc).thenComparingDouble(PerfResult::lossPercent))
                .toList()) {
                s.add(p.cc(), p.lossPercent(), p.goodputBps() / 1e6);
                table.add(new String[] {p.label(), p.cc(), p.link(), fmt(p.lossPercent(), 3), fmt(p.goodputBps() / 1e6, 1),
                    Long.toString(p.retransmittedPackets()), Long.toString(p.lostPackets()), p.sessions()});
            }
        } else {
            source = "sweep";
            final double farKm = bus.stream().mapToDouble(r -> d(r.distanceKm())).max().orElse(0);
            final long largest = bus.stream().mapToLong(r -> r.bytes() == null ? 0 : r.bytes()).max().orElse(0);
            for (final SweepRow r : bus) {
                if (d(r.distanceKm()) == farKm && r.bytes() != null && r.bytes() == largest) {
                    s.add(r.cc() + " " + r.algorithm(), d(r.lossPercent()), d(r.busbwGbps()) * 8000);
                    table.add(new String[] {r.scenario(), r.cc() + " " + r.algorithm(), km(farKm) + " km", fmt(d(r.lossPercent()), 3),
                        fmt(d(r.busbwGbps()) * 8000, 1), "", "", sessionsOf(r)});
                }
            }
        }
        if (s.isEmpty()) {
            empty(h, "No perf results (longhaul perf --json FILE) and no sweep over loss.");
            close(h);
            return;
        }
        final String title = source.equals("perf") ? "perf goodput vs loss" : "all-reduce bus bandwidth at the largest size vs loss (sweep)";
        if (source.equals("sweep")) {
            h.append("<p class=\"note\">No perf results in the input: showing the sweep's all-reduce bus bandwidth at its largest size and "
                + "distance instead (Mbit/s).</p>");
        }
        chart(h, Charts.line(title, "loss (%)", source.equals("perf") ? "goodput (Mbit/s)" : "bus bandwidth (Mbit/s)", s, false, false,
            List.of()), "goodput against loss");
        h.append("<details open><summary>Table: goodput</summary><table><tr><th>run</th><th class=\"l\">cc</th><th class=\"l\">link</th>")
            .append("<th>loss %</th><th>Mbit/s</th><th>retransmitted</th><th>lost</th><th class=\"l\">sessions</th></tr>");
        for (final String[] row : table) {
            h.append("<tr><td>").append(esc(row[0])).append("</td><td class=\"l\">").append(esc(row[1])).append("</td><td class=\"l\">")
                .append(esc(row[2])).append("</td><td>").append(row[3]).append("</td><td>").append(row[4]).append("</td><td>").append(row[5])
                .append("</td><td>").append(row[6]).append("</td><td class=\"l\">").append(esc(row[7])).append("</td></tr>");
        }
        h.append("</table></details>");
        close(h);
    }

    /** How a sweep row's sessions were protected, as far as its backend tells. */
    private static String sessionsOf(final SweepRow r) {
        return switch (r.backend() == null ? "" : r.backend()) {
            case io.longhaul.harness.scenario.SimBackend.NAME -> "simulated";
            case io.longhaul.harness.scenario.LoopbackBackend.NAME -> "sealed (in-process key)";
            default -> "sealed with LONGHAUL_KEY, else NOT authenticated";
        };
    }

    private static void rtt(final StringBuilder h, final ReportData data) {
        open(h, "rtt", "RTT percentiles", "Smoothed RTT the transport saw during each perf run (queueing included): min, p50, p99, max.");
        final List<PerfResult> withRtt = data.perf().stream().filter(p -> p.rttP50Us() != null).toList();
        if (withRtt.isEmpty()) {
            empty(h, "No perf results with RTT samples (longhaul perf --json FILE).");
            close(h);
            return;
        }
        final DefaultCategoryDataset ds = new DefaultCategoryDataset();
        final Map<String, Long[]> rows = new LinkedHashMap<>();
        for (final PerfResult p : withRtt) {
            final String cat = p.label();
            final Long[] v = {p.rttMinUs(), p.rttP50Us(), p.rttP99Us(), p.rttMaxUs()};
            final String[] names = {"min", "p50", "p99", "max"};
            for (int i = 0; i < 4; i++) {
                if (v[i] != null) {
                    ds.addValue(v[i] / 1000.0, names[i], cat);
                }
            }
            rows.put(cat + "\u0000" + p.cc() + "\u0000" + p.link(), v);
        }
        chart(h, Charts.bars("RTT percentiles per perf run", "run", "RTT (ms)", ds), "RTT percentiles");
        h.append("<details open><summary>Table: RTT (ms)</summary><table><tr><th>run</th><th class=\"l\">cc</th><th class=\"l\">link</th>")
            .append("<th>min</th><th>p50</th><th>p99</th><th>max</th></tr>");
        for (final Map.Entry<String, Long[]> e : rows.entrySet()) {
            final String[] k = e.getKey().split("\u0000", -1);
            h.append("<tr><td>").append(esc(k[0])).append("</td><td class=\"l\">").append(esc(k[1])).append("</td><td class=\"l\">")
                .append(esc(k[2])).append("</td>");
            for (final Long v : e.getValue()) {
                h.append("<td>").append(v == null ? "" : fmt(v / 1000.0, 3)).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table></details>");
        close(h);
    }

    /** Chart (a): all-reduce time and training step time per path scheduler and paths, on an ECMP group. */
    private static void schedulers(final StringBuilder h, final ReportData data) {
        open(h, "schedulers", "Path schedulers on an ECMP group",
            "Sessions between DCs spread over several paths (source ports), each hashed onto one link of the ECMP group; the path "
                + "scheduler decides which path each packet takes. Few paths or a scheduler that sticks to one path leave links idle "
                + "where flows collide. Lower is better. Run longhaul sweep --scheduler spray,plb,single --paths 1,4 on a scenario with "
                + "links.inter.ecmp (e.g. dci-1000km-ecmp).");
        final List<SweepRow> ecmp = data.rows().stream().filter(r -> r.fabric() != null).toList();
        final List<SweepRow> bus = ecmp.stream().filter(r -> SweepRow.BUSBW.equals(r.kind()) && r.timeUs() != null && r.bytes() != null).toList();
        final List<SweepRow> train = ecmp.stream().filter(r -> SweepRow.TRAIN.equals(r.kind()) && r.stepMs() != null).toList();
        if (bus.isEmpty() && train.isEmpty()) {
            empty(h, "No results on an ECMP group.");
            close(h);
            return;
        }
        final List<String[]> table = new ArrayList<>();
        if (!bus.isEmpty()) {
            final double farKm = bus.stream().mapToDouble(r -> d(r.distanceKm())).max().orElse(0);
            final long largest = bus.stream().mapToLong(SweepRow::bytes).max().orElse(0);
            final DefaultCategoryDataset ds = new DefaultCategoryDataset();
            for (final SweepRow r : bus) {
                if (d(r.distanceKm()) == farKm && r.bytes() == largest) {
                    ds.addValue(d(r.timeUs()) / 1e3, pathsSeries(r), schedulerOf(r));
                    table.add(new String[] {r.scenario(), schedulerOf(r), pathsOf(r), otherConfig(r), km(farKm), "all-reduce " + Charts.size(largest)
                        + "B", fmt(d(r.timeUs()) / 1e3, 2) + " ms", fmt(d(r.busbwGbps()) * 8, 3) + " Gbit/s bus"});
                }
            }
            chart(h, Charts.bars("All-reduce time at " + Charts.size(largest) + "B per path scheduler (ECMP group, " + km(farKm) + " km)",
                "path scheduler", "time per all-reduce (ms)", ds), "all-reduce time per path scheduler");
        }
        if (!train.isEmpty()) {
            final double farKm = train.stream().mapToDouble(r -> d(r.distanceKm())).max().orElse(0);
            final DefaultCategoryDataset ds = new DefaultCategoryDataset();
            for (final SweepRow r : train) {
                if (d(r.distanceKm()) == farKm) {
                    ds.addValue(d(r.stepMs()), pathsSeries(r), schedulerOf(r));
                    table.add(new String[] {r.scenario(), schedulerOf(r), pathsOf(r), otherConfig(r), km(farKm), "training step",
                        fmt(d(r.stepMs()), 1) + " ms", r.efficiency() == null ? "" : r.efficiencyEstimate().label() + " efficiency"});
                }
            }
            chart(h, Charts.bars("Training step time per path scheduler (ECMP group, " + km(farKm) + " km)", "path scheduler",
                "mean step time (ms)", ds), "training step time per path scheduler");
        }
        h.append("<details open><summary>Table: per path scheduler</summary><table><tr><th>scenario</th><th class=\"l\">scheduler</th>")
            .append("<th>paths</th><th class=\"l\">configuration</th><th>distance km</th><th class=\"l\">measure</th><th>value</th><th></th></tr>");
        for (final String[] row : table) {
            h.append("<tr><td>").append(esc(row[0])).append("</td><td class=\"l\">").append(esc(row[1])).append("</td><td>").append(esc(row[2]))
                .append("</td><td class=\"l\">").append(esc(row[3])).append("</td><td>").append(row[4]).append("</td><td class=\"l\">")
                .append(esc(row[5])).append("</td><td>").append(row[6]).append("</td><td>").append(esc(row[7])).append("</td></tr>");
        }
        h.append("</table></details>");
        close(h);
    }

    private static String schedulerOf(final SweepRow r) {
        return r.scheduler() == null ? "spray" : r.scheduler();
    }

    private static String pathsOf(final SweepRow r) {
        return Integer.toString(r.paths() == null ? 1 : r.paths());
    }

    /** cc, algorithm, loss and mode: what besides scheduler and paths tells rows apart. */
    private static String otherConfig(final SweepRow r) {
        return r.cc() + " " + r.algorithm() + (r.lossPercent() == null || r.lossPercent() < 0 ? "" : " loss " + fmt(r.lossPercent(), 2) + "%")
            + (r.mode() == null || "reliable".equals(r.mode()) ? "" : " " + r.mode());
    }

    private static String pathsSeries(final SweepRow r) {
        return pathsOf(r) + (pathsOf(r).equals("1") ? " path, " : " paths, ") + otherConfig(r);
    }

    /** Chart (b): what each link delivered over time, with the group's failures shaded. */
    private static void timeline(final StringBuilder h, final ReportData data) {
        open(h, "timeline", "Goodput per link around a link failure",
            "What each link of the ECMP group delivered (both directions, whole datagrams including repairs) per interval of the "
                + "simulated run at distance, with the group's failures shaded: the traffic of the failed link's paths moves to the others "
                + "once the transport declares them failed, and returns when the link does (train runs on the sim backend).");
        final List<SweepRow> withTimeline = data.rows().stream().filter(r -> r.timeline() != null && !r.timeline().series().isEmpty()).toList();
        if (withTimeline.isEmpty()) {
            empty(h, "No link timelines (longhaul train --json or longhaul sweep on the sim backend, on a scenario with links.inter.ecmp).");
            close(h);
            return;
        }
        final List<SweepRow> chosen = new ArrayList<>();
        final List<String> seen = new ArrayList<>();
        // Failures first, then the most paths and the farthest distance: one chart per scheduler before a second per scheduler.
        final List<SweepRow> ordered = withTimeline.stream().sorted(Comparator.comparing((SweepRow r) -> r.timeline().events().isEmpty())
            .thenComparing(r -> -(r.paths() == null ? 1 : r.paths())).thenComparing(r -> -d(r.distanceKm()))).toList();
        for (final SweepRow r : ordered) {
            final String key = r.scenario() + "|" + schedulerOf(r) + "|" + pathsOf(r);
            if (!seen.contains(key) && chosen.size() < MAX_TIMELINES) {
                seen.add(key);
                chosen.add(r);
            }
        }
        for (final SweepRow r : chosen) {
            final LinkTimeline t = r.timeline();
            final Charts.Series s = new Charts.Series();
            final int bins = t.series().stream().mapToInt(x -> x.deliveredBytes().size()).max().orElse(0);
            final Map<Integer, double[]> perLink = new TreeMap<>();
            for (final LinkTimeline.Series x : t.series()) {
                final double[] sum = perLink.computeIfAbsent(x.link(), k -> new double[bins]);
                for (int i = 0; i < x.deliveredBytes().size(); i++) {
                    sum[i] += x.deliveredBytes().get(i);
                }
            }
            for (final Map.Entry<Integer, double[]> e : perLink.entrySet()) {
                for (int i = 0; i < bins; i++) {
                    s.add("link " + e.getKey(), (i + 0.5) * t.binMs() / 1e3, e.getValue()[i] * 8 / (t.binMs() / 1e3) / 1e6);
                }
            }
            final List<double[]> intervals = new ArrayList<>();
            final List<String> labels = new ArrayList<>();
            final double endS = bins * t.binMs() / 1e3;
            for (final LinkTimeline.Event e : t.events()) {
                final double from = e.atMs() / 1e3;
                final double to = e.durationMs() == null ? endS : (e.atMs() + e.durationMs()) / 1e3;
                if (from < endS) {
                    intervals.add(new double[] {from, Math.min(to, endS)});
                    labels.add(e.spec());
                }
            }
            chart(h, Charts.timeline("Delivered per link: " + r.scenario() + ", " + schedulerOf(r) + " x" + pathsOf(r) + ", " + km(d(r.distanceKm()))
                + " km", "time since the cluster started (s, virtual)", "delivered per link (Mbit/s, both directions)", s, intervals, labels),
                "delivered per link around the link failure");
        }
        close(h);
    }

    /** The per-link counters of every row that has them. */
    private static void links(final StringBuilder h, final ReportData data) {
        open(h, "links", "Per-link counters of the ECMP group",
            "Per link and direction: bytes delivered (whole datagrams), datagrams offered and delivered, and what the link dropped: "
                + "queue overflow, random loss, and while it was down. Train rows count their run at distance; the largest-size all-reduce "
                + "row of a sweep cell counts the whole size sweep; real-time runs count each rank's own copy of the group, summed by DC.");
        final List<SweepRow> rows = data.rows().stream().filter(r -> r.links() != null && !r.links().isEmpty()).toList();
        if (rows.isEmpty()) {
            empty(h, "No per-link counters (runs on a scenario with links.inter.ecmp, or allreduce --link ecmp=...).");
            close(h);
            return;
        }
        final int lines = rows.stream().mapToInt(r -> r.links().size()).sum();
        h.append("<details").append(lines <= 64 ? " open" : "").append("><summary>Table: per-link counters (").append(lines)
            .append(" rows)</summary><table><tr><th>scenario</th><th class=\"l\">configuration</th><th>distance km</th><th class=\"l\">run</th>")
            .append("<th class=\"l\">direction</th><th>link</th><th>MB</th><th>offered</th><th>delivered</th><th>queue drops</th>")
            .append("<th>loss drops</th><th>down drops</th></tr>");
        for (final SweepRow r : rows) {
            final String run = SweepRow.TRAIN.equals(r.kind()) ? "training" : "all-reduce sizes" + (r.bytes() == null ? "" : " to "
                + Charts.size(r.bytes()) + "B");
            for (final FabricLinkCounters l : r.links()) {
                h.append("<tr><td>").append(esc(r.scenario())).append("</td><td class=\"l\">").append(esc(r.configLabel())).append("</td><td>")
                    .append(km(d(r.distanceKm()))).append("</td><td class=\"l\">").append(esc(run)).append("</td><td class=\"l\">")
                    .append(esc(l.from() + " -> " + l.to())).append("</td><td>").append(l.link()).append("</td><td>")
                    .append(fmt(l.deliveredBytes() / 1e6, 3)).append("</td><td>").append(l.offered()).append("</td><td>").append(l.delivered())
                    .append("</td><td>").append(l.queueDrops()).append("</td><td>").append(l.lossDrops()).append("</td><td>")
                    .append(l.failureDrops()).append("</td></tr>");
            }
        }
        h.append("</table></details>");
        close(h);
    }

    private static void environment(final StringBuilder h, final Environment env) {
        open(h, "environment", "Environment", "Where this report was generated. Simulated results (backend sim) run in virtual time and do "
            + "not depend on this machine's speed; real-transport results do.");
        h.append("<table>");
        for (final Map.Entry<String, String> e : env.asMap().entrySet()) {
            h.append("<tr><th class=\"l\">").append(esc(e.getKey())).append("</th><td class=\"l\">").append(esc(e.getValue())).append("</td></tr>");
        }
        h.append("</table>");
        close(h);
    }

    // ------------------------------------------------------------------ helpers

    private static void open(final StringBuilder h, final String id, final String title, final String note) {
        h.append("<section id=\"").append(id).append("\"><h2>").append(esc(title)).append("</h2><p class=\"note\">").append(esc(note)).append("</p>");
    }

    private static void close(final StringBuilder h) {
        h.append("</section>\n");
    }

    private static void empty(final StringBuilder h, final String text) {
        h.append("<p class=\"empty\">").append(esc(text)).append("</p>");
    }

    private static void chart(final StringBuilder h, final String base64Png, final String alt) {
        h.append("<img class=\"chart\" alt=\"").append(esc(alt)).append("\" src=\"data:image/png;base64,").append(base64Png).append("\">");
    }

    static String esc(final String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String km(final double km) {
        return Double.isNaN(km) ? "?" : km == Math.rint(km) ? Long.toString((long) km) : fmt(km, 1);
    }

    private static String pct(final double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    private static String fmt(final double v, final int digits) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
