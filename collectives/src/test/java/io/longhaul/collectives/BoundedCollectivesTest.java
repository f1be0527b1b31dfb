package io.longhaul.collectives;

import io.longhaul.collectives.bench.CheckData;
import io.longhaul.collectives.fabric.LocalCluster;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.collectives.kernel.Reductions;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Bounded-time collectives on the simulated transport (virtual time) and the in-memory fabric (seeded loss). */
class BoundedCollectivesTest {
    private static final long MAX_VIRTUAL_NS = TimeUnit.SECONDS.toNanos(120);
    private static final LinkSpec LAN = LinkSpec.parse("delay=10us,rate=10gbit");

    private static CoreConfig jumbo() {
        return new CoreConfig().maxPayloadBytes(8192).initialRttNs(TimeUnit.MILLISECONDS.toNanos(10));
    }

    /** Random non-integer inputs, so that the order of float additions shows in the result. */
    static ByteBuffer[] randomInputs(final int n, final int count, final long seed) {
        final ByteBuffer[] in = new ByteBuffer[n];
        final Random rnd = new Random(seed);
        for (int r = 0; r < n; r++) {
            in[r] = LocalRun.alloc(count * 4, true);
            for (int i = 0; i < count; i++) {
                in[r].putFloat(4 * i, (float) rnd.nextGaussian());
            }
        }
        return in;
    }

    static List<OperationReport> allReduceSim(final SimCluster cluster, final List<Communicator> comms, final ByteBuffer[] in,
                                              final ByteBuffer[] out, final int count, final DataType type, final ReduceOp op) {
        final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
        for (int r = 0; r < comms.size(); r++) {
            fs.add(comms.get(r).runReportedAsync(new CollectiveSpec(Collective.ALL_REDUCE, type, op, count, -1, in[r] == out[r]),
                in[r], out[r]));
        }
        assertThat(cluster.await(MAX_VIRTUAL_NS, fs.toArray(new CompletableFuture<?>[0])))
            .as("finished in virtual time (seed %d)", cluster.seed()).isTrue();
        final List<OperationReport> reports = new ArrayList<>();
        for (final CompletableFuture<OperationReport> f : fs) {
            reports.add(f.join());
        }
        return reports;
    }

    @Test
    void shouldEqualTheReliableResultBitForBitAtZeroLoss() {
        final int count = 100_003;
        for (final Algorithm a : new Algorithm[] {Algorithm.RING, Algorithm.RHD, Algorithm.HIER}) {
            final Topology topo = a == Algorithm.RHD ? Topology.parse("0,0,1,1,1") : Topology.parse("2x2");
            final int n = topo.size();
            final LinkSpec wan = LinkSpec.parse("delay=5ms,rate=1gbit");
            final long seed = 21;
            final ByteBuffer[][] results = new ByteBuffer[2][];
            for (final Mode mode : Mode.values()) {
                try (SimCluster cluster = new SimCluster(topo, LAN, wan, seed, jumbo())) {
                    final CommunicatorConfig config = new CommunicatorConfig().algorithm(a).chunkBytes(64 * 1024).mode(mode)
                        .deadlineNs(TimeUnit.MILLISECONDS.toNanos(50)).boundedScope(BoundedScope.ALL);
                    final List<Communicator> comms = SimCollectivesTest.communicators(cluster, config);
                    final ByteBuffer[] in = randomInputs(n, count, 99);
                    final ByteBuffer[] out = new ByteBuffer[n];
                    for (int r = 0; r < n; r++) {
                        out[r] = LocalRun.alloc(count * 4, true);
                    }
                    final List<OperationReport> reports = allReduceSim(cluster, comms, in, out, count, DataType.FLOAT32, ReduceOp.SUM);
                    for (final OperationReport rep : reports) {
                        assertThat(rep.mode()).isEqualTo(mode);
                        assertThat(rep.receivedFraction()).as("algo %s seed %d", a, seed).isEqualTo(1.0);
                        assertThat(rep.affectedElements()).isZero();
                    }
                    results[mode.ordinal()] = out;
                }
            }
            for (int r = 0; r < n; r++) {
                assertThat(results[1][r].duplicate().clear()).as("algo %s rank %d seed %d", a, r, seed)
                    .isEqualTo(results[0][r].duplicate().clear());
            }
        }
    }

    @Test
    void shouldEndEveryOperationWithinItsDeadlineUnderLossAndReportWhatArrived() {
        final LinkSpec lan = LAN;
        final int count = 200_000;
        final long budget = TimeUnit.MILLISECONDS.toNanos(12);
        for (final String loss : new String[] {"1%", "5%"}) {
            for (final Algorithm a : new Algorithm[] {Algorithm.RING, Algorithm.RHD, Algorithm.HIER}) {
              for (final long seed : new long[] {7, 8}) {
                final LinkSpec wan = LinkSpec.parse("delay=5ms,rate=1gbit,loss=" + loss);
                final Topology topo = Topology.parse("2x2");
                try (SimCluster cluster = new SimCluster(topo, lan, wan, seed, jumbo())) {
                    final CommunicatorConfig config = new CommunicatorConfig().algorithm(a).chunkBytes(64 * 1024).mode(Mode.BOUNDED)
                        .deadlineNs(budget);
                    final List<Communicator> comms = SimCollectivesTest.communicators(cluster, config);
                    final int n = topo.size();
                    for (int op = 0; op < 3; op++) {
                        final ByteBuffer[] in = new ByteBuffer[n];
                        final ByteBuffer[] out = new ByteBuffer[n];
                        for (int r = 0; r < n; r++) {
                            in[r] = LocalRun.alloc(count * 4, true);
                            out[r] = LocalRun.alloc(count * 4, true);
                            CheckData.fillInput(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, in[r]);
                        }
                        final long t0 = cluster.network().nowNs();
                        final List<OperationReport> reports = allReduceSim(cluster, comms, in, out, count, DataType.FLOAT32, ReduceOp.SUM);
                        final long elapsed = cluster.network().nowNs() - t0;
                        double received = 0;
                        for (int r = 0; r < n; r++) {
                            final OperationReport rep = reports.get(r);
                            assertThat(rep.durationNs()).as("loss %s algo %s rank %d seed %d", loss, a, r, seed)
                                .isLessThanOrEqualTo(rep.levels() * budget);
                            received += rep.receivedFraction() / n;
                            // Every element not reported as affected is exact.
                            final ErrorStats err = ErrorStats.of(DataType.FLOAT32, out[r], count,
                                i -> CheckData.reduced(ReduceOp.SUM, i, n));
                            assertThat(err.wrong()).as("loss %s algo %s rank %d seed %d", loss, a, r, seed)
                                .isLessThanOrEqualTo(rep.affectedElements());
                        }
                        final int maxLevel = reports.stream().mapToInt(OperationReport::levels).max().orElse(0);
                        assertThat(elapsed).as("loss %s algo %s seed %d", loss, a, seed).isLessThanOrEqualTo(maxLevel * budget);
                        System.out.printf("loss %s algo %s seed %d op %d: %.3f ms, received %.4f, affected %d%n", loss, a, seed, op,
                            elapsed / 1e6, received, reports.get(0).affectedElements());
                    }
                }
              }
            }
        }
    }

    @Test
    void shouldBoundReduceScatterAndAllGatherAndZeroWhatNeverArrived() {
        final long seed = 4;
        final LinkSpec wan = LinkSpec.parse("delay=5ms,rate=1gbit,loss=5%");
        final Topology topo = Topology.parse("2x2");
        final int n = topo.size();
        final int count = 50_000;
        final long budget = TimeUnit.MILLISECONDS.toNanos(7);
        try (SimCluster cluster = new SimCluster(topo, LAN, wan, seed, jumbo())) {
            final List<Communicator> comms = SimCollectivesTest.communicators(cluster, new CommunicatorConfig().algorithm(Algorithm.RING)
                .chunkBytes(32 * 1024).mode(Mode.BOUNDED).deadlineNs(budget));
            long gatherAffected = 0;
            long scatterAffected = 0;
            for (int op = 0; op < 3; op++) {
                final ByteBuffer[] rsIn = new ByteBuffer[n];
                final ByteBuffer[] rsOut = new ByteBuffer[n];
                final ByteBuffer[] agIn = new ByteBuffer[n];
                final ByteBuffer[] agOut = new ByteBuffer[n];
                final List<CompletableFuture<OperationReport>> rs = new ArrayList<>();
                final List<CompletableFuture<OperationReport>> ag = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    rsIn[r] = LocalRun.alloc(n * count * 4, true);
                    rsOut[r] = LocalRun.alloc(count * 4, true);
                    agIn[r] = LocalRun.alloc(count * 4, true);
                    agOut[r] = LocalRun.alloc(n * count * 4, true);
                    for (int i = 0; i < n * count * 4; i += 4) {
                        agOut[r].putFloat(i, -1f);
                    }
                    CheckData.fillInput(Collective.REDUCE_SCATTER, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, rsIn[r]);
                    CheckData.fillInput(Collective.ALL_GATHER, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, agIn[r]);
                    rs.add(comms.get(r).runReportedAsync(new CollectiveSpec(Collective.REDUCE_SCATTER, DataType.FLOAT32, ReduceOp.SUM,
                        count, -1, false), rsIn[r], rsOut[r]));
                }
                assertThat(cluster.await(MAX_VIRTUAL_NS, rs.toArray(new CompletableFuture<?>[0]))).as("seed %d", seed).isTrue();
                final java.util.BitSet[] rsAffected = new java.util.BitSet[n];
                for (int r = 0; r < n; r++) {
                    rs.get(r).join();
                    rsAffected[r] = comms.get(r).lastAffected();
                }
                final long t0 = cluster.network().nowNs();
                for (int r = 0; r < n; r++) {
                    ag.add(comms.get(r).runReportedAsync(new CollectiveSpec(Collective.ALL_GATHER, DataType.FLOAT32, ReduceOp.SUM,
                        count, -1, false), agIn[r], agOut[r]));
                }
                assertThat(cluster.await(MAX_VIRTUAL_NS, ag.toArray(new CompletableFuture<?>[0]))).as("seed %d", seed).isTrue();
                for (int r = 0; r < n; r++) {
                    final OperationReport agRep = ag.get(r).join();
                    assertThat(agRep.durationNs()).as("seed %d rank %d", seed, r).isLessThanOrEqualTo(agRep.levels() * budget);
                    final java.util.BitSet affected = comms.get(r).lastAffected();
                    assertThat(affected.cardinality()).isEqualTo((int) agRep.affectedElements());
                    gatherAffected += affected.cardinality();
                    for (int i = 0; i < n * count; i++) {
                        final float v = agOut[r].getFloat(4 * i);
                        final double exact = CheckData.expected(Collective.ALL_GATHER, ReduceOp.SUM, r, n, count, -1, i);
                        if (affected.get(i)) {
                            assertThat(v).as("seed %d rank %d element %d never arrived: zero", seed, r, i).isZero();
                        } else {
                            assertThat((double) v).as("seed %d rank %d element %d", seed, r, i).isEqualTo(exact);
                        }
                    }
                    scatterAffected += rsAffected[r].cardinality();
                    for (int i = 0; i < count; i++) {
                        if (!rsAffected[r].get(i)) {
                            assertThat((double) rsOut[r].getFloat(4 * i)).as("seed %d rank %d element %d", seed, r, i)
                                .isEqualTo(CheckData.expected(Collective.REDUCE_SCATTER, ReduceOp.SUM, r, n, count, -1, i));
                        }
                    }
                }
            }
            assertThat(gatherAffected + scatterAffected).as("seed %d: 5%% loss with a tight budget loses something", seed).isPositive();
        }
    }

    @Test
    void shouldAdaptTheAutoBudgetToTheLinkWithAnRttFloor() {
        final long seed = 3;
        final LinkSpec wan = LinkSpec.parse("delay=5ms,rate=1gbit,loss=1%");
        final Topology topo = Topology.parse("2x2");
        try (SimCluster cluster = new SimCluster(topo, LAN, wan, seed, jumbo())) {
            final List<Communicator> comms = SimCollectivesTest.communicators(cluster, new CommunicatorConfig().algorithm(Algorithm.HIER)
                .mode(Mode.BOUNDED));
            final int n = topo.size();
            final int count = 100_000;
            final ByteBuffer[] in = new ByteBuffer[n];
            final ByteBuffer[] out = new ByteBuffer[n];
            for (int r = 0; r < n; r++) {
                in[r] = LocalRun.alloc(count * 4, true);
                out[r] = LocalRun.alloc(count * 4, true);
                CheckData.fillInput(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, r, n, count, -1, in[r]);
            }
            final List<Long> budgets = new ArrayList<>();
            for (int op = 0; op < 8; op++) {
                final List<OperationReport> reports = allReduceSim(cluster, comms, in, out, count, DataType.FLOAT32, ReduceOp.SUM);
                budgets.add(reports.get(0).stepBudgetNs());
                for (final OperationReport rep : reports) {
                    assertThat(rep.durationNs()).as("seed %d op %d", seed, op).isLessThanOrEqualTo(rep.levels() * rep.stepBudgetNs());
                }
            }
            // The first operation waits (timeout / hops) and measures; the next ones use what it saw.
            assertThat(budgets.get(0)).isEqualTo(CommunicatorConfig.DEFAULT_TIMEOUT_NS / 4);
            final long rtt = cluster.fabric(0).rttNs(2);
            for (int op = 1; op < budgets.size(); op++) {
                assertThat(budgets.get(op)).as("seed %d op %d: at least the RTT %d ns", seed, op, rtt).isGreaterThanOrEqualTo(rtt * 9 / 10)
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
            }
            System.out.println("auto budgets (ns): " + budgets);
        }
    }
}
