package io.longhaul.collectives;

import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.fabric.LocalCluster;
import io.longhaul.collectives.fabric.Received;
import io.longhaul.collectives.kernel.Hadamard;
import io.longhaul.collectives.schedule.HopLevels;
import io.longhaul.collectives.schedule.Schedule;
import io.longhaul.collectives.schedule.Schedules;
import io.longhaul.transport.core.MissingRanges;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Bounded mode on the in-memory fabric, whose seeded loss model says exactly which bytes it dropped. */
class BoundedLocalTest {
    private static final long BUDGET = TimeUnit.SECONDS.toNanos(30);

    @Test
    void shouldDeliverDeadlineMessagesWithExactlyTheDroppedRangesMissing() {
        final long seed = 5;
        final Topology topo = Topology.parse("0,1");
        try (LocalCluster cluster = new LocalCluster(topo, new LocalCluster.DeadlineLoss(0, 0.2, 100, seed))) {
            cluster.recordDrops(true);
            int partial = 0;
            for (int tag = 0; tag < 200; tag++) {
                final ByteBuffer m = ByteBuffer.allocate(1050);
                for (int i = 0; i < m.capacity(); i++) {
                    m.put(i, (byte) (1 + (i + tag) % 250));
                }
                final CompletableFuture<Received> got = cluster.fabric(1).receiveMessage(0, tag);
                cluster.fabric(0).send(1, tag, m, cluster.fabric(0).nowNs() + BUDGET);
                final MissingRanges dropped = cluster.dropped(0, 1, tag);
                if (dropped.missingBytes() == 1050) {
                    assertThat(got).as("seed %d tag %d", seed, tag).isNotDone();
                    cluster.fabric(1).discard(0, tag);
                    continue;
                }
                final Received r = got.join();
                assertThat(r.missing()).as("seed %d tag %d", seed, tag).isEqualTo(dropped);
                for (int i = 0; i < 1050; i++) {
                    final byte expected = r.missing().contains(i) ? 0 : (byte) (1 + (i + tag) % 250);
                    assertThat(r.data().get(i)).as("seed %d tag %d byte %d", seed, tag, i).isEqualTo(expected);
                }
                if (!r.isComplete()) {
                    partial++;
                }
                // Reliable messages are never lost.
                final CompletableFuture<ByteBuffer> reliable = cluster.fabric(1).receive(0, 1000 + tag);
                cluster.fabric(0).send(1, 1000 + tag, ByteBuffer.allocate(1050));
                assertThat(reliable.join().remaining()).isEqualTo(1050);
            }
            // 11 packets per message at 20%: most messages lose something.
            assertThat(partial).as("seed %d", seed).isGreaterThan(100);
        }
    }

    /** Independent recomputation of a two-rank ring all-reduce under loss: counts, rescaling, report and error. */
    @Test
    void shouldCountContributionsAndRescaleExactlyAsAnIndependentRecomputation() {
        for (final long seed : new long[] {1, 2, 3}) {
            final Topology topo = Topology.parse("0,1");
            final int count = 20_000;
            final int n = 2;
            try (LocalCluster cluster = new LocalCluster(topo, new LocalCluster.DeadlineLoss(0, 0.05, 1420, seed))) {
                cluster.recordDrops(true);
                final List<Communicator> comms = LocalRun.communicators(cluster, topo, new CommunicatorConfig().algorithm(Algorithm.RING)
                    .mode(Mode.BOUNDED).deadlineNs(BUDGET));
                final float[][] x = new float[n][count];
                final Random rnd = new Random(seed);
                final ByteBuffer[] in = new ByteBuffer[n];
                final ByteBuffer[] out = new ByteBuffer[n];
                for (int r = 0; r < n; r++) {
                    in[r] = LocalRun.alloc(count * 4, false);
                    out[r] = LocalRun.alloc(count * 4, false);
                    for (int i = 0; i < count; i++) {
                        x[r][i] = (float) rnd.nextGaussian();
                        in[r].putFloat(4 * i, x[r][i]);
                    }
                }
                final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    fs.add(comms.get(r).runReportedAsync(new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM,
                        count, -1, false), in[r], out[r]));
                }
                final OperationReport[] reports = {fs.get(0).join(), fs.get(1).join()};
                // Segment s (10,000 elements) is owned by rank s. Reduce-scatter: rank q sends segment o to rank o
                // with step tag 0; all-gather: rank o sends it back with step tag 1. Sequence number 0.
                final int seg = count / 2;
                long dropsSeen = 0;
                for (int o = 0; o < n; o++) {
                    final int q = 1 - o;
                    final boolean[] lostRs = lostElements(cluster.drop(q, o, 0), seg);
                    final boolean[] lostAg = lostElements(cluster.drop(o, q, 1), seg);
                    long affectedO = 0;
                    long affectedQ = 0;
                    long receivedO = 0;
                    long receivedQ = 0;
                    for (int j = 0; j < seg; j++) {
                        final int e = o * seg + j;
                        final float partial = lostRs[j] ? x[o][e] : x[o][e] + x[q][e];
                        final int c = lostRs[j] ? 1 : 2;
                        final float ownerValue = c == n ? partial : (float) ((double) partial * n / c);
                        final float otherValue = lostAg[j] ? (float) ((double) x[q][e] * n / 1) : ownerValue;
                        assertThat(out[o].getFloat(4 * e)).as("seed %d owner %d element %d", seed, o, e).isEqualTo(ownerValue);
                        assertThat(out[q].getFloat(4 * e)).as("seed %d rank %d element %d", seed, q, e).isEqualTo(otherValue);
                        affectedO += c == n ? 0 : 1;
                        affectedQ += lostAg[j] || c != n ? 1 : 0;
                        receivedO += lostRs[j] ? 0 : 1;
                        receivedQ += lostAg[j] ? 0 : 1;
                        dropsSeen += (lostRs[j] ? 1 : 0) + (lostAg[j] ? 1 : 0);
                    }
                    reports[o] = reports[o].withAffected(reports[o].affectedElements() - affectedO);
                    reports[q] = reports[q].withAffected(reports[q].affectedElements() - affectedQ);
                    assertThat(receivedO + receivedQ).isPositive();
                }
                assertThat(dropsSeen).as("seed %d: the link lost something", seed).isPositive();
                for (int r = 0; r < n; r++) {
                    assertThat(reports[r].affectedElements()).as("seed %d rank %d: affected elements as recomputed", seed, r).isZero();
                    assertThat(reports[r].expectedBytes()).isEqualTo(2L * seg * 4);
                    assertThat(reports[r].messages()).isEqualTo(2);
                }
                // The error report against the exact sum, recomputed by hand.
                double se = 0;
                double sx = 0;
                double max = 0;
                ErrorStats stats = ErrorStats.NONE;
                for (int r = 0; r < n; r++) {
                    final int rank = r;
                    stats = stats.plus(ErrorStats.of(DataType.FLOAT32, out[r], count, i -> (double) x[0][(int) i] + x[1][(int) i]));
                    for (int i = 0; i < count; i++) {
                        final double exact = (double) x[0][i] + x[1][i];
                        final double d = out[rank].getFloat(4 * i) - exact;
                        se += d * d;
                        sx += exact * exact;
                        max = Math.max(max, Math.abs(d));
                    }
                }
                assertThat(stats.relativeL2()).isCloseTo(Math.sqrt(se / sx), within(1e-12));
                assertThat(stats.maxAbsError()).isEqualTo(max);
                assertThat(stats.relativeL2()).as("seed %d", seed).isBetween(1e-4, 0.5);
            }
        }
    }

    /** @return which of the {@code seg} payload elements of a bounded message lost a byte (all if both count tables were lost). */
    private static boolean[] lostElements(final LocalCluster.Drop drop, final int seg) {
        final boolean[] lost = new boolean[seg];
        if (drop == null) {
            return lost;
        }
        final int payload = seg * 4;
        final int table = (drop.messageBytes() - 32 - payload) / 2;
        final MissingRanges m = drop.ranges();
        if (overlaps(m, 32, table) && overlaps(m, 32 + table + payload, table)) {
            java.util.Arrays.fill(lost, true);
            return lost;
        }
        for (int j = 0; j < seg; j++) {
            lost[j] = overlaps(m, 32 + table + 4L * j, 4);
        }
        return lost;
    }

    private static boolean overlaps(final MissingRanges m, final long from, final long len) {
        for (int i = 0; i < m.count(); i++) {
            if (m.offset(i) < from + len && from < m.offset(i) + m.length(i)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldRoundTripTheHadamardTransformWithinFloatTolerance() {
        final Random rnd = new Random(3);
        for (final int count : new int[] {1, 2, 3, 1000, 65_536, 100_003}) {
            final ByteBuffer f = LocalRun.alloc(count * 4, true);
            final ByteBuffer d = LocalRun.alloc(count * 8, false);
            final float[] orig = new float[count];
            for (int i = 0; i < count; i++) {
                orig[i] = (float) rnd.nextGaussian();
                f.putFloat(4 * i, orig[i]);
                d.putDouble(8 * i, orig[i]);
            }
            Hadamard.forward(DataType.FLOAT32, f, 0, count, 4096, 42);
            Hadamard.forward(DataType.FLOAT64, d, 0, count, 4096, 42);
            if (count >= 1000) {
                int changed = 0;
                for (int i = 0; i < count; i++) {
                    changed += f.getFloat(4 * i) != orig[i] ? 1 : 0;
                }
                assertThat(changed).isGreaterThan(count / 2);
            }
            Hadamard.inverse(DataType.FLOAT32, f, 0, count, 4096, 42);
            Hadamard.inverse(DataType.FLOAT64, d, 0, count, 4096, 42);
            for (int i = 0; i < count; i++) {
                assertThat(f.getFloat(4 * i)).as("count %d element %d", count, i).isCloseTo(orig[i], within(1e-5f));
                assertThat(d.getDouble(8 * i)).as("count %d element %d", count, i).isCloseTo(orig[i], within(1e-12));
            }
        }
    }

    @Test
    void shouldLowerTheMaxCoordinateErrorWithHadamardForTheSameLostPackets() {
        final long seed = 17;
        final Topology topo = Topology.parse("2x2");
        final int n = topo.size();
        final int count = 1 << 18;
        final double[] maxErr = new double[2];
        final double[] relErr = new double[2];
        for (int h = 0; h < 2; h++) {
            try (LocalCluster cluster = new LocalCluster(topo, new LocalCluster.DeadlineLoss(0, 0.01, 1420, seed))) {
                final List<Communicator> comms = LocalRun.communicators(cluster, topo, new CommunicatorConfig().algorithm(Algorithm.RING)
                    .mode(Mode.BOUNDED).deadlineNs(BUDGET).hadamard(h == 1).hadamardBlock(1 << 14));
                final ByteBuffer[] in = BoundedCollectivesTest.randomInputs(n, count, seed);
                final ByteBuffer[] out = new ByteBuffer[n];
                final List<CompletableFuture<OperationReport>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    out[r] = LocalRun.alloc(count * 4, true);
                    fs.add(comms.get(r).runReportedAsync(new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM,
                        count, -1, false), in[r], out[r]));
                }
                ErrorStats stats = ErrorStats.NONE;
                long received = 0;
                for (int r = 0; r < n; r++) {
                    received += fs.get(r).join().receivedBytes();
                    stats = stats.plus(ErrorStats.of(DataType.FLOAT32, out[r], count, i -> {
                        double sum = 0;
                        for (int k = 0; k < n; k++) {
                            sum += in[k].getFloat(4 * (int) i);
                        }
                        return sum;
                    }));
                }
                maxErr[h] = stats.maxAbsError();
                relErr[h] = stats.relativeL2();
                assertThat(fs.get(0).join().receivedFraction()).as("seed %d: something was lost", seed).isLessThan(1.0);
                System.out.printf("hadamard=%b: max abs error %.4f, relative L2 %.5f, received bytes %d%n", h == 1, maxErr[h],
                    relErr[h], received);
            }
        }
        assertThat(maxErr[1]).as("seed %d: max per-coordinate error with Hadamard below without", seed).isLessThan(maxErr[0] / 2);
    }

    @Test
    void shouldGiveHopLevelsOfTwoPerRoundTripAlongTheRing() {
        final int n = 4;
        final CollectiveSpec spec = new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, 4000, -1, true);
        final List<Schedule> all = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            all.add(Schedules.compile(spec, r, Topology.flat(n), Algorithm.RING, 1 << 20));
        }
        final HopLevels levels = HopLevels.compute(all);
        assertThat(levels.maxLevel()).isEqualTo(2 * (n - 1));
        for (int r = 0; r < n; r++) {
            int seen = 0;
            for (final var s : all.get(r).steps()) {
                if (s.kind() == io.longhaul.collectives.schedule.Step.Kind.RECV) {
                    assertThat(levels.level(r, s.index())).isEqualTo(++seen);
                }
            }
        }
    }

    @Test
    void shouldAdaptTheAutoBudgetFromAHighPercentileWithAnRttFloor() {
        final DeadlinePolicy p = new DeadlinePolicy(CommunicatorConfig.DEADLINE_AUTO);
        assertThat(p.budgetNs(1000, 4, 4_000_000)).as("no sample yet: timeout / levels").isEqualTo(1_000_000);
        for (int i = 1; i <= 100; i++) {
            p.record(i * 1000L);
        }
        // Last 32 samples: 69..100 us; the 95th percentile is the 31st of 32 = 99 us; x1.25.
        assertThat(p.budgetNs(1000, 4, 4_000_000)).isEqualTo((long) (99_000 * DeadlinePolicy.HEADROOM));
        assertThat(p.budgetNs(10_000_000, 4, 4_000_000)).as("RTT floor").isEqualTo(10_000_000);
        assertThat(new DeadlinePolicy(5_000).budgetNs(1_000_000, 4, 1)).isEqualTo(5_000);
    }

    @Test
    void shouldRejectHadamardWhereItDoesNotApply() {
        try (LocalCluster cluster = new LocalCluster(2)) {
            final Fabric f = cluster.fabric(0);
            final Communicator c = new Communicator(f, Topology.flat(2), new CommunicatorConfig().mode(Mode.BOUNDED).hadamard(true));
            final ByteBuffer b = LocalRun.alloc(64, false);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.allReduceAsync(b, 16, DataType.INT32, ReduceOp.SUM))
                .hasMessageContaining("float or double");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.allReduceAsync(b, 16, DataType.FLOAT32, ReduceOp.MAX))
                .hasMessageContaining("sum or avg");
        }
    }
}
