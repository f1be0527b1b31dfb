package io.longhaul.harness.model;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ErrorStats;
import io.longhaul.collectives.OperationReport;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.bench.CheckData;
import io.longhaul.harness.scenario.Cluster;
import io.longhaul.harness.scenario.ClusterSpec;
import io.longhaul.harness.scenario.FabricBackend;
import io.longhaul.harness.scenario.Scenario;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One all-reduce size measured in one mode ({@link ModelComparison.Variant}) on a fresh cluster of
 * a scenario: float32 sums of {@link CheckData} inputs, {@code warmup} unmeasured operations, then
 * {@code iterations} measured ones, each checked against the exact sum.
 *
 * @param variant          the mode.
 * @param bytes            bytes per rank.
 * @param meanTimeUs       mean operation time on the cluster's clock (start on every rank to end on every rank).
 * @param receivedFraction mean over ranks and operations of the bytes received.
 * @param relativeL2       relative L2 error over all ranks and operations.
 * @param maxAbsError      largest absolute error.
 */
public record ModeMeasurement(ModelComparison.Variant variant, long bytes, double meanTimeUs, double receivedFraction,
                             double relativeL2, double maxAbsError) {
    /** Time one operation may take. */
    public static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    public static ModeMeasurement run(final FabricBackend backend, final Scenario scenario, final ModelComparison.Variant variant,
                                      final long deadlineNs, final long bytes, final int iterations, final int warmup) {
        final ClusterSpec base = ClusterSpec.of(scenario);
        final ClusterSpec spec = base.withCommunicatorConfig(ModelComparison.communicatorConfig(scenario, variant, deadlineNs));
        final int count = (int) (bytes / 4);
        try (Cluster cluster = backend.open(spec)) {
            final List<Communicator> comms = cluster.communicators();
            final int n = comms.size();
            final ByteBuffer[] in = new ByteBuffer[n];
            final ByteBuffer[] out = new ByteBuffer[n];
            for (int r = 0; r < n; r++) {
                in[r] = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
                out[r] = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
                CheckData.fillInput(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, in[r]);
            }
            final CollectiveSpec op = new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, count, -1, false);
            long totalNs = 0;
            double received = 0;
            ErrorStats err = ErrorStats.NONE;
            for (int i = 0; i < warmup + iterations; i++) {
                final long t0 = cluster.nowNs();
                final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    fs.add(comms.get(r).runReportedAsync(op, in[r], out[r]));
                }
                cluster.await(fs, TIMEOUT_NS);
                final long t = cluster.nowNs() - t0;
                if (i < warmup) {
                    continue;
                }
                totalNs += t;
                for (int r = 0; r < n; r++) {
                    received += fs.get(r).join().receivedFraction() / n;
                    err = err.plus(ErrorStats.of(DataType.FLOAT32, out[r], count, e -> CheckData.reduced(ReduceOp.SUM, e, n)));
                }
            }
            return new ModeMeasurement(variant, bytes, totalNs / 1e3 / iterations, received / iterations, err.relativeL2(),
                err.maxAbsError());
        }
    }
}
