package io.longhaul.collectives;

import io.longhaul.collectives.fabric.LocalCluster;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every algorithm × type × op × size × world size 1-8 gives exact results on the in-memory fabric. */
class LocalCollectivesTest {
    private static final Algorithm[] ALGOS = {Algorithm.RING, Algorithm.RHD, Algorithm.TREE, Algorithm.HIER, Algorithm.AUTO};

    private static Topology topologyFor(final int n, final Algorithm a) {
        if (a != Algorithm.HIER) {
            return Topology.flat(n);
        }
        // Exercise both hierarchical forms: equal DCs where possible, unequal otherwise.
        if (n % 2 == 0 && n > 2) {
            return Topology.uniform(2, n / 2);
        }
        final int[] map = new int[n];
        for (int r = 0; r < n; r++) {
            map[r] = r < (n + 1) / 2 ? 0 : 1;
        }
        return Topology.of(map);
    }

    @Test
    void shouldAllReduceExactlyForEveryAlgorithmTypeOpAndWorldSize() {
        int runs = 0;
        for (int n = 1; n <= 8; n++) {
            for (final Algorithm a : ALGOS) {
                try (LocalCluster cluster = new LocalCluster(n)) {
                    final List<Communicator> comms = LocalRun.communicators(cluster, topologyFor(n, a),
                        new CommunicatorConfig().algorithm(a).chunkBytes(64));
                    for (final DataType t : DataType.values()) {
                        for (final ReduceOp op : ReduceOp.values()) {
                            for (final int count : new int[] {1, 3 * n + 1, 1031}) {
                                final boolean inPlace = (count + n) % 2 == 0;
                                final long wrong = LocalRun.run(comms, Collective.ALL_REDUCE, t, op, count, -1, inPlace, count % 2 == 1);
                                assertThat(wrong).as("n=%d algo=%s type=%s op=%s count=%d inPlace=%s", n, a, t, op, count, inPlace)
                                    .isZero();
                                runs++;
                            }
                        }
                    }
                }
            }
        }
        assertThat(runs).isEqualTo(8 * ALGOS.length * 6 * 5 * 3);
    }

    @Test
    void shouldAllReduceMegabytesWithManyChunksInFlight() {
        for (final int n : new int[] {3, 8}) {
            for (final Algorithm a : new Algorithm[] {Algorithm.RING, Algorithm.RHD, Algorithm.TREE, Algorithm.HIER}) {
                try (LocalCluster cluster = new LocalCluster(n)) {
                    final List<Communicator> comms = LocalRun.communicators(cluster, topologyFor(n, a),
                        new CommunicatorConfig().algorithm(a).chunkBytes(128 * 1024));
                    final int count = 3 * 1024 * 1024 / 4 + 5;
                    assertThat(LocalRun.run(comms, Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, count, -1, false, true))
                        .as("n=%d algo=%s", n, a).isZero();
                    assertThat(LocalRun.run(comms, Collective.ALL_REDUCE, DataType.BF16, ReduceOp.AVG, count, -1, true, false))
                        .as("n=%d algo=%s bf16 avg", n, a).isZero();
                }
            }
        }
    }

    @Test
    void shouldReduceScatterAllGatherBroadcastExactly() {
        for (int n = 1; n <= 8; n++) {
            for (final Algorithm a : new Algorithm[] {Algorithm.AUTO, Algorithm.RING, Algorithm.TREE}) {
                try (LocalCluster cluster = new LocalCluster(n)) {
                    final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n),
                        new CommunicatorConfig().algorithm(a).chunkBytes(a == Algorithm.RING ? 48 : 1024));
                    for (final DataType t : DataType.values()) {
                        for (final int count : new int[] {1, 2 * n + 1, 517}) {
                            for (final boolean inPlace : new boolean[] {false, true}) {
                                final String what = "n=" + n + " algo=" + a + " type=" + t + " count=" + count + " inPlace=" + inPlace;
                                for (final ReduceOp op : ReduceOp.values()) {
                                    assertThat(LocalRun.run(comms, Collective.REDUCE_SCATTER, t, op, count, -1, inPlace, inPlace))
                                        .as("reduce_scatter %s op=%s", what, op).isZero();
                                }
                                assertThat(LocalRun.run(comms, Collective.ALL_GATHER, t, ReduceOp.SUM, count, -1, inPlace, !inPlace))
                                    .as("all_gather %s", what).isZero();
                                final int root = (count + n) % n;
                                assertThat(LocalRun.run(comms, Collective.BROADCAST, t, ReduceOp.SUM, count, root, inPlace, inPlace))
                                    .as("broadcast %s root=%d", what, root).isZero();
                            }
                        }
                    }
                    LocalRun.run(comms, Collective.BARRIER, DataType.INT32, ReduceOp.SUM, 0, -1, true, false);
                }
            }
        }
    }

    @Test
    void shouldAllReduceJavaArraysInPlaceAndOutOfPlace() {
        final int n = 5;
        try (LocalCluster cluster = new LocalCluster(n)) {
            final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n), new CommunicatorConfig());
            final float[][] fin = new float[n][];
            final long[][] lin = new long[n][];
            final double[][] dout = new double[n][];
            final Thread[] threads = new Thread[n];
            final Throwable[] errors = new Throwable[n];
            for (int r = 0; r < n; r++) {
                final int rank = r;
                fin[r] = new float[] {rank, 1, 2};
                lin[r] = new long[] {rank, 1L << 40};
                dout[r] = new double[3];
                threads[r] = new Thread(() -> {
                    try {
                        comms.get(rank).allReduce(fin[rank], ReduceOp.SUM);
                        comms.get(rank).allReduce(lin[rank], ReduceOp.MAX);
                        comms.get(rank).allReduce(new double[] {rank, -rank, 0.5}, dout[rank], ReduceOp.MIN);
                        comms.get(rank).barrier();
                    } catch (final Throwable t) {
                        errors[rank] = t;
                    }
                });
                threads[r].start();
            }
            for (final Thread t : threads) {
                try {
                    t.join(30_000);
                } catch (final InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            for (int r = 0; r < n; r++) {
                assertThat(errors[r]).as("rank %d", r).isNull();
                assertThat(fin[r]).containsExactly(0 + 1 + 2 + 3 + 4, 5, 10);
                assertThat(lin[r]).containsExactly(4, 1L << 40);
                assertThat(dout[r]).containsExactly(0, -4, 0.5);
            }
        }
    }
}
