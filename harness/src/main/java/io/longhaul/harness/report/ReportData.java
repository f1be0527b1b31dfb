package io.longhaul.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.FabricReport;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.harness.sweep.SweepRow;
import io.longhaul.transport.sim.LinkSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a report shows: sweep rows (all-reduce bus bandwidth and training efficiency) and perf
 * results. {@link #load} gathers them from a directory tree: {@code *.jsonl} sweep results,
 * {@code perf --json} files (recognised by {@code goodput_bps}), {@code train --json} files
 * (a {@code "kind": "train"} row), {@code allreduce --json} files (nccl-tests JSON with
 * {@code rows}; their per-link counters, on an ECMP group, go with the largest size's row), {@code train --model mlp --json} files (a {@code "kind": "train-model"} object with
 * loss curves) and {@code sweep.json} arrays when no {@code sweep.jsonl} sits beside them.
 */
public record ReportData(List<SweepRow> rows, List<PerfResult> perf, List<ModelCurve> models) {
    /**
     * The evaluation-loss curve of one real-model training run ({@code train --model mlp --json}).
     *
     * @param label       the file's name.
     * @param mode        reliable, bounded or bounded+hadamard.
     * @param lossPercent inter-DC random loss.
     * @param timeMs      cluster time of each evaluation.
     * @param loss        evaluation loss at each of them.
     * @param meanRelErr  mean relative L2 error of the averaged gradient.
     */
    public record ModelCurve(String label, String mode, double lossPercent, double[] timeMs, double[] loss, double meanRelErr) {
    }

    public ReportData {
        rows = List.copyOf(rows);
        perf = List.copyOf(perf);
        models = List.copyOf(models);
    }

    public ReportData(final List<SweepRow> rows, final List<PerfResult> perf) {
        this(rows, perf, List.of());
    }

    /** Reads every result file under {@code dir} (recursively, in path order). */
    public static ReportData load(final Path dir) {
        final List<SweepRow> rows = new ArrayList<>();
        final List<PerfResult> perf = new ArrayList<>();
        final List<ModelCurve> models = new ArrayList<>();
        final ObjectMapper mapper = SweepResults.mapper();
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        for (final Path f : files) {
            final String name = f.getFileName().toString();
            try {
                if (name.endsWith(".jsonl")) {
                    rows.addAll(SweepResults.read(f));
                } else if (name.endsWith(".json")) {
                    if (name.equals(SweepResults.JSON) && Files.exists(f.resolveSibling(SweepResults.JSONL))) {
                        continue;
                    }
                    readJson(mapper, f, rows, perf, models);
                }
            } catch (final IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return new ReportData(rows, perf, models);
    }

    private static void readJson(final ObjectMapper mapper, final Path f, final List<SweepRow> rows, final List<PerfResult> perf,
                                 final List<ModelCurve> models) throws IOException {
        final JsonNode root;
        try {
            root = mapper.readTree(f.toFile());
        } catch (final IOException e) {
            return; // not a result file
        }
        final String label = f.getFileName().toString().replaceAll("\\.json$", "");
        if (root == null) {
            return;
        }
        if (root.isArray()) {
            for (final JsonNode n : root) {
                if (n.has("kind")) {
                    rows.add(mapper.treeToValue(n, SweepRow.class));
                }
            }
        } else if (root.has("goodput_bps")) {
            perf.add(perf(label, root));
        } else if ("train-model".equals(root.path("kind").asText())) {
            for (final JsonNode run : root.path("runs")) {
                final JsonNode curve = run.path("curve");
                final double[] t = new double[curve.size()];
                final double[] l = new double[curve.size()];
                for (int i = 0; i < curve.size(); i++) {
                    t[i] = curve.get(i).path("timeMs").asDouble();
                    l[i] = curve.get(i).path("loss").asDouble();
                }
                models.add(new ModelCurve(label, run.path("mode").asText("?"), run.path("lossPercent").asDouble(), t, l,
                    run.path("meanRelativeL2Error").asDouble()));
            }
        } else if ("train".equals(root.path("kind").asText())) {
            rows.add(mapper.treeToValue(root, SweepRow.class));
        } else if (root.has("rows") && root.has("collective")) {
            final String scenario = root.path("scenario").asText(label);
            final List<SweepRow> collective = new ArrayList<>();
            for (final JsonNode r : root.get("rows")) {
                final JsonNode x = r.path("outOfPlace");
                collective.add(new SweepRow(label, scenario, root.path("backend").asText("transport"), num(root, "distance_km"),
                    num(root, "loss_percent"), root.path("cc").asText(null), root.path("algorithm").asText(null), SweepRow.BUSBW,
                    r.path("size").asLong(), num(x, "timeUs"), num(x, "algBw"), num(x, "busBw"), null, null, null, null, null, null)
                    .withMultipath(root.path("scheduler").asText(null), root.has("paths") ? root.path("paths").asInt() : null)
                    .withFabricSpec(root.path("fabric").asText(null)));
            }
            if (root.has("links") && !collective.isEmpty()) {
                // The counters cover the whole size sweep: they go with its last (largest) row, as in a sweep cell.
                final List<FabricLinkCounters> links = new ArrayList<>();
                for (final JsonNode l : root.get("links")) {
                    links.add(mapper.treeToValue(l, FabricLinkCounters.class));
                }
                final SweepRow last = collective.get(collective.size() - 1);
                collective.set(collective.size() - 1, last.withFabric(new FabricReport(last.fabric(), links, null)));
            }
            rows.addAll(collective);
        }
    }

    private static Double num(final JsonNode n, final String field) {
        final JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    private static Long whole(final JsonNode n, final String field) {
        final JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? null : v.asLong();
    }

    private static PerfResult perf(final String label, final JsonNode root) {
        final String link = root.path("link").asText("none");
        double loss = 0;
        try {
            loss = link.equals("none") ? 0 : LinkSpec.parse(link).meanLossProbability() * 100;
        } catch (final IllegalArgumentException e) {
            loss = Double.NaN;
        }
        final JsonNode rtt = root.path("rtt_us");
        return new PerfResult(label, root.path("cc").asText("?"), link, loss, root.path("goodput_bps").asDouble(), root.path("bytes").asLong(),
            root.path("seconds").asDouble(), root.path("retransmitted_packets").asLong(), root.path("lost_packets").asLong(), whole(rtt, "min"),
            whole(rtt, "p50"), whole(rtt, "p99"), whole(rtt, "max"),
            root.path("authenticated").isBoolean() ? root.path("authenticated").asBoolean() : null);
    }
}
