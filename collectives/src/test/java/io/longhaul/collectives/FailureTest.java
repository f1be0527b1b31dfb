package io.longhaul.collectives;

import io.longhaul.collectives.fabric.LocalCluster;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Disagreeing or dying ranks end in a clear {@link CollectiveException} on every surviving rank, never a hang. */
class FailureTest {

    private static Throwable failureOf(final CompletableFuture<Void> f) {
        assertThat(f).isDone();
        try {
            Communicator.await(f);
        } catch (final CollectiveException e) {
            return e;
        }
        throw new AssertionError("collective succeeded but should have failed");
    }

    @Test
    void shouldFailEveryRankWhenCountsDisagree() {
        for (final Algorithm a : new Algorithm[] {Algorithm.RING, Algorithm.RHD, Algorithm.TREE}) {
            final int n = 4;
            try (LocalCluster cluster = new LocalCluster(n)) {
                final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n),
                    new CommunicatorConfig().algorithm(a).timeoutNs(TimeUnit.SECONDS.toNanos(20)));
                final List<CompletableFuture<Void>> fs = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    final int count = r == 2 ? 200 : 100;
                    final ByteBuffer b = ByteBuffer.allocate(count * 4);
                    fs.add(comms.get(r).allReduceAsync(b, count, DataType.FLOAT32, ReduceOp.SUM));
                }
                for (int r = 0; r < n; r++) {
                    assertThat(failureOf(fs.get(r))).as("algo %s rank %d", a, r)
                        .hasMessageContaining("ranks disagree")
                        .hasMessageContaining("count=200").hasMessageContaining("count=100");
                }
                // The communicator refuses further work.
                assertThatThrownBy(() -> comms.get(0).barrier()).isInstanceOf(CollectiveException.class)
                    .hasMessageContaining("unusable");
            }
        }
    }

    @Test
    void shouldFailEveryRankWhenTypesDisagree() {
        final int n = 3;
        try (LocalCluster cluster = new LocalCluster(n)) {
            final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n), new CommunicatorConfig());
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                final DataType t = r == 0 ? DataType.INT32 : DataType.FLOAT32;
                fs.add(comms.get(r).allReduceAsync(ByteBuffer.allocate(64), 16, t, ReduceOp.SUM));
            }
            for (int r = 0; r < n; r++) {
                assertThat(failureOf(fs.get(r))).hasMessageContaining("type=int32").hasMessageContaining("type=float");
            }
        }
    }

    @Test
    void shouldFailSurvivorsPromptlyWhenARankDiesMidOperation() {
        final int n = 4;
        try (LocalCluster cluster = new LocalCluster(n)) {
            final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n),
                new CommunicatorConfig().algorithm(Algorithm.RING).timeoutNs(TimeUnit.SECONDS.toNanos(30)));
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                if (r != 3) {
                    fs.add(comms.get(r).allReduceAsync(ByteBuffer.allocateDirect(4000), 1000, DataType.FLOAT32, ReduceOp.SUM));
                }
            }
            for (final CompletableFuture<Void> f : fs) {
                assertThat(f).isNotDone();
            }
            cluster.kill(3);
            for (final CompletableFuture<Void> f : fs) {
                assertThat(failureOf(f)).hasMessageContaining("rank 3");
            }
        }
    }

    @Test
    void shouldTimeOutWhenARankNeverJoins() {
        final int n = 3;
        try (LocalCluster cluster = new LocalCluster(n)) {
            final List<Communicator> comms = LocalRun.communicators(cluster, Topology.flat(n),
                new CommunicatorConfig().timeoutNs(TimeUnit.MILLISECONDS.toNanos(200)));
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            fs.add(comms.get(0).allReduceAsync(ByteBuffer.allocate(40), 10, DataType.INT32, ReduceOp.SUM));
            fs.add(comms.get(1).allReduceAsync(ByteBuffer.allocate(40), 10, DataType.INT32, ReduceOp.SUM));
            for (final CompletableFuture<Void> f : fs) {
                final CompletableFuture<Void> bounded = f.exceptionally(e -> null).orTimeout(10, TimeUnit.SECONDS);
                bounded.join();
                assertThat(failureOf(f)).hasMessageContaining("timed out").hasMessageContaining("rank");
            }
        }
    }

    @Test
    void shouldFailSurvivorsOnTheSimulatedTransportWhenARankIsKilled() {
        final long seed = 9;
        final LinkSpec link = LinkSpec.parse("delay=2ms,rate=100mbit");
        try (SimCluster cluster = new SimCluster(Topology.flat(4), link, link, seed, new CoreConfig())) {
            final List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                comms.add(new Communicator(cluster.fabric(r), cluster.topology(),
                    new CommunicatorConfig().algorithm(Algorithm.RING).timeoutNs(TimeUnit.SECONDS.toNanos(30))));
            }
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                fs.add(comms.get(r).allReduceAsync(ByteBuffer.allocateDirect(4 << 20), 1 << 20, DataType.FLOAT32, ReduceOp.SUM));
            }
            cluster.runUntil(() -> false, TimeUnit.MILLISECONDS.toNanos(20));
            assertThat(fs.get(0)).as("seed %d: still running after 20 ms", seed).isNotDone();
            cluster.kill(1);
            final long killedAt = cluster.network().nowNs();
            assertThat(cluster.await(TimeUnit.SECONDS.toNanos(5), fs.get(0), fs.get(2), fs.get(3))).as("seed %d", seed).isTrue();
            assertThat(cluster.network().nowNs() - killedAt).isLessThan(TimeUnit.SECONDS.toNanos(1));
            for (final int r : new int[] {0, 2, 3}) {
                assertThat(failureOf(fs.get(r))).as("seed %d rank %d", seed, r).hasMessageContaining("rank 1");
            }
        }
    }

    /**
     * A rank that hangs (SIGSTOP: it sends nothing, closes nothing) mid-way through an all-reduce:
     * every survivor fails within the sessions' idle timeout, in virtual time, naming the hung rank,
     * long before the operation's own timeout.
     */
    @Test
    void shouldNameAHungRankOnEverySurvivorWithinThePeerTimeout() {
        final long timeoutNs = TimeUnit.SECONDS.toNanos(2);
        for (final long seed : new long[] {3, 11, 12}) {
            final LinkSpec link = LinkSpec.parse("delay=2ms,rate=100mbit");
            try (SimCluster cluster = new SimCluster(Topology.flat(4), link, link, seed, new CoreConfig().idleTimeoutNs(timeoutNs))) {
                final List<CompletableFuture<Void>> fs = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    fs.add(new Communicator(cluster.fabric(r), cluster.topology(), new CommunicatorConfig().algorithm(Algorithm.RING)
                        .timeoutNs(TimeUnit.SECONDS.toNanos(60))).allReduceAsync(ByteBuffer.allocateDirect(4 << 20), 1 << 20,
                        DataType.FLOAT32, ReduceOp.SUM));
                }
                cluster.runUntil(() -> false, TimeUnit.MILLISECONDS.toNanos(20));
                assertThat(fs.get(0)).as("seed %d: still running after 20 ms", seed).isNotDone();
                cluster.stop(1);
                final long stoppedAt = cluster.network().nowNs();
                assertThat(cluster.await(TimeUnit.SECONDS.toNanos(30), fs.get(0), fs.get(2), fs.get(3))).as("seed %d", seed).isTrue();
                final long detectedNs = cluster.network().nowNs() - stoppedAt;
                assertThat(detectedNs).as("seed %d: every survivor failed within the peer timeout and a little", seed)
                    .isBetween(timeoutNs / 2, timeoutNs + TimeUnit.MILLISECONDS.toNanos(500));
                System.out.printf("seed %d: rank 1 hung at %.3f s, survivors failed %d ms later; rank 2: %s%n", seed,
                    stoppedAt / 1e9, detectedNs / 1_000_000, failureOf(fs.get(2)).getMessage());
                for (final int r : new int[] {0, 2, 3}) {
                    assertThat(failureOf(fs.get(r))).as("seed %d rank %d", seed, r).hasMessageContaining("rank 1");
                }
                assertThat(cluster.node(1).lostWhileSuspended()).as("seed %d: its peers kept sending to it", seed).isPositive();
            }
        }
    }

    @Test
    void shouldTimeOutInVirtualTimeOnTheSimulatedTransport() {
        final long seed = 4;
        final LinkSpec link = LinkSpec.parse("delay=1ms");
        try (SimCluster cluster = new SimCluster(Topology.flat(3), link, link, seed, new CoreConfig())) {
            final List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                fs.add(new Communicator(cluster.fabric(r), cluster.topology(),
                    new CommunicatorConfig().timeoutNs(TimeUnit.SECONDS.toNanos(2))).barrierAsync());
            }
            final long t0 = cluster.network().nowNs();
            assertThat(cluster.await(TimeUnit.SECONDS.toNanos(10), fs.toArray(new CompletableFuture<?>[0]))).isTrue();
            assertThat(cluster.network().nowNs() - t0).isBetween(TimeUnit.SECONDS.toNanos(2), TimeUnit.SECONDS.toNanos(3));
            for (final CompletableFuture<Void> f : fs) {
                assertThat(failureOf(f)).hasMessageContaining("timed out");
            }
        }
    }
}
