package io.longhaul.collectives;

import io.longhaul.collectives.bench.CheckData;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Collectives over the real transport core on the simulated network, in virtual time. */
class SimCollectivesTest {
    private static final long MAX_VIRTUAL_NS = TimeUnit.SECONDS.toNanos(120);

    static List<Communicator> communicators(final SimCluster cluster, final CommunicatorConfig config) {
        final List<Communicator> comms = new ArrayList<>();
        for (int r = 0; r < cluster.size(); r++) {
            comms.add(new Communicator(cluster.fabric(r), cluster.topology(), config));
        }
        return comms;
    }

    static long runAllReduce(final SimCluster cluster, final List<Communicator> comms, final DataType type, final ReduceOp op,
                             final int count) {
        final int n = comms.size();
        final ByteBuffer[] in = new ByteBuffer[n];
        final ByteBuffer[] out = new ByteBuffer[n];
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            in[r] = LocalRun.alloc(count * type.size(), true);
            out[r] = LocalRun.alloc(count * type.size(), true);
            CheckData.fillInput(Collective.ALL_REDUCE, type, op, r, n, count, -1, in[r]);
            fs.add(comms.get(r).allReduceAsync(in[r], out[r], count, type, op));
        }
        assertThat(cluster.await(MAX_VIRTUAL_NS, fs.toArray(new CompletableFuture<?>[0])))
            .as("all-reduce finished in virtual time (seed %d)", cluster.seed()).isTrue();
        long wrong = 0;
        for (int r = 0; r < n; r++) {
            Communicator.await(fs.get(r));
            wrong += CheckData.countWrong(Collective.ALL_REDUCE, type, op, r, n, count, -1, out[r]);
        }
        return wrong;
    }

    private static CoreConfig jumbo() {
        return new CoreConfig().maxPayloadBytes(8192).initialRttNs(TimeUnit.MILLISECONDS.toNanos(10));
    }

    /**
     * Chunks are sent from the vectors themselves: a rank whose operation has ended may overwrite
     * its vectors at once, its last chunks still unacknowledged and repaired over a lossy 5 ms link,
     * and every peer's result stays exact.
     */
    @Test
    void shouldLetARankReuseItsVectorsBeforeItsSendsAreAcknowledged() {
        final LinkSpec link = LinkSpec.parse("delay=5ms,rate=1gbit,loss=3%");
        for (final long seed : new long[] {5, 6, 7}) {
            try (SimCluster cluster = new SimCluster(Topology.flat(4), link, link, seed, jumbo())) {
                final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().algorithm(Algorithm.RING)
                    .chunkBytes(64 * 1024));
                final int n = 4;
                final int count = 1 << 18;
                final ByteBuffer[] results = new ByteBuffer[n];
                final List<CompletableFuture<Void>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    final ByteBuffer in = LocalRun.alloc(count * 4, true);
                    final ByteBuffer out = LocalRun.alloc(count * 4, true);
                    CheckData.fillInput(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, in);
                    final int rank = r;
                    // Runs inside the simulation the moment the operation ends, before another packet moves.
                    fs.add(comms.get(r).allReduceAsync(in, out, count, DataType.FLOAT32, ReduceOp.SUM).thenRun(() -> {
                        results[rank] = LocalRun.alloc(count * 4, true);
                        results[rank].put(out.duplicate().clear()).clear();
                        for (int i = 0; i < count; i++) {
                            in.putFloat(4 * i, Float.NaN);
                            out.putFloat(4 * i, Float.NaN);
                        }
                    }));
                }
                assertThat(cluster.await(MAX_VIRTUAL_NS, fs.toArray(new CompletableFuture<?>[0]))).as("seed %d", seed).isTrue();
                for (int r = 0; r < n; r++) {
                    Communicator.await(fs.get(r));
                    assertThat(CheckData.countWrong(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, results[r]))
                        .as("rank %d, seed %d", r, seed).isZero();
                }
                long retransmitted = 0;
                for (int r = 0; r < n; r++) {
                    for (int p = 0; p < n; p++) {
                        if (p != r) {
                            retransmitted += cluster.connection(r, p).stats().paths().get(0).retransmittedPackets();
                        }
                    }
                }
                assertThat(retransmitted).as("seed %d: the link made repairs", seed).isPositive();
            }
        }
    }

    @Test
    void shouldAllReduceExactlyOverLossyLinksWithEveryAlgorithm() {
        final long seed = 11;
        final LinkSpec link = LinkSpec.parse("delay=1ms,rate=1gbit,loss=1%");
        for (final Algorithm a : new Algorithm[] {Algorithm.RING, Algorithm.RHD, Algorithm.TREE, Algorithm.HIER}) {
            final Topology topo = a == Algorithm.HIER ? Topology.parse("2x2") : Topology.flat(a == Algorithm.RHD ? 3 : 4);
            try (SimCluster cluster = new SimCluster(topo, link, link, seed, jumbo())) {
                final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().algorithm(a).chunkBytes(64 * 1024));
                assertThat(runAllReduce(cluster, comms, DataType.FLOAT32, ReduceOp.SUM, 300_001))
                    .as("algo=%s seed=%d", a, seed).isZero();
                assertThat(runAllReduce(cluster, comms, DataType.FP16, ReduceOp.MAX, 1))
                    .as("algo=%s seed=%d count 1", a, seed).isZero();
                long retransmitted = 0;
                long sent = 0;
                for (int r = 0; r < topo.size(); r++) {
                    for (int p = 0; p < topo.size(); p++) {
                        if (p != r) {
                            retransmitted += cluster.connection(r, p).stats().paths().get(0).retransmittedPackets();
                            sent += cluster.connection(r, p).stats().paths().get(0).bytesSent();
                        }
                    }
                }
                // The links really dropped packets, the transport repaired them, and the data really crossed the network.
                assertThat(retransmitted).as("algo=%s seed=%d", a, seed).isPositive();
                assertThat(sent).isGreaterThan(300_000L * 4);
            }
        }
    }

    @Test
    void shouldRunHierarchicalAllReduceAcrossAWanLinkAndReportVirtualTime() {
        final long seed = 5;
        final LinkSpec lan = LinkSpec.parse("delay=10us,rate=10gbit");
        final LinkSpec wan = LinkSpec.parse("delay=5ms,rate=1gbit,loss=0.1%");
        try (SimCluster cluster = new SimCluster(Topology.parse("2x3"), lan, wan, seed, jumbo())) {
            final List<Communicator> comms = communicators(cluster, new CommunicatorConfig());
            assertThat(comms.get(0).algorithmFor(new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, 1000, -1, false)))
                .isEqualTo(Algorithm.HIER);
            final long t0 = cluster.network().nowNs();
            assertThat(runAllReduce(cluster, comms, DataType.INT64, ReduceOp.SUM, 100_003)).as("seed %d", seed).isZero();
            // At least one WAN round trip for reduce + gather of the cross-DC shard.
            assertThat(cluster.network().nowNs() - t0).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void shouldBroadcastAllGatherAndBarrierOnTheSimulatedTransport() {
        final long seed = 3;
        final LinkSpec link = LinkSpec.parse("delay=200us,rate=1gbit,loss=1%");
        try (SimCluster cluster = new SimCluster(Topology.flat(5), link, link, seed, jumbo())) {
            final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().chunkBytes(16 * 1024));
            final int n = 5;
            final int count = 10_007;
            final ByteBuffer[] bc = new ByteBuffer[n];
            final ByteBuffer[] agIn = new ByteBuffer[n];
            final ByteBuffer[] agOut = new ByteBuffer[n];
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                bc[r] = LocalRun.alloc(count * 8, false);
                if (r == 2) {
                    CheckData.fillInput(Collective.BROADCAST, DataType.FLOAT64, ReduceOp.SUM, r, n, count, 2, bc[r]);
                }
                agIn[r] = LocalRun.alloc(count * 2, true);
                agOut[r] = LocalRun.alloc(n * count * 2, true);
                CheckData.fillInput(Collective.ALL_GATHER, DataType.BF16, ReduceOp.SUM, r, n, count, -1, agIn[r]);
                fs.add(comms.get(r).broadcastAsync(bc[r], count, DataType.FLOAT64, 2));
                fs.add(comms.get(r).allGatherAsync(agIn[r], agOut[r], count, DataType.BF16));
                fs.add(comms.get(r).barrierAsync());
            }
            assertThat(cluster.await(MAX_VIRTUAL_NS, fs.toArray(new CompletableFuture<?>[0]))).as("seed %d", seed).isTrue();
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < 3; k++) {
                    Communicator.await(fs.get(3 * r + k));
                }
                assertThat(CheckData.countWrong(Collective.BROADCAST, DataType.FLOAT64, ReduceOp.SUM, r, n, count, 2, bc[r])).isZero();
                assertThat(CheckData.countWrong(Collective.ALL_GATHER, DataType.BF16, ReduceOp.SUM, r, n, count, -1, agOut[r])).isZero();
            }
        }
    }
}
