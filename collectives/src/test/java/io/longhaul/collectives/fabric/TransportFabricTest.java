package io.longhaul.collectives.fabric;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveException;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.Topology;
import io.longhaul.collectives.bench.BenchOptions;
import io.longhaul.collectives.bench.NcclTestsReport;
import io.longhaul.collectives.bench.RankBenchmark;
import io.longhaul.collectives.rendezvous.LaunchEnvironment.LaunchInfo;
import io.longhaul.collectives.rendezvous.RendezvousException;
import io.longhaul.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fabric over real loopback sockets: exact results, emulated long-haul links, dying ranks and failed rendezvous. */
@Timeout(60)
class TransportFabricTest {

    private static List<Communicator> communicators(final TransportCluster cluster, final CommunicatorConfig config) {
        final List<Communicator> comms = new ArrayList<>();
        for (int r = 0; r < cluster.size(); r++) {
            comms.add(new Communicator(cluster.fabric(r), cluster.topology(), config));
        }
        return comms;
    }

    /** Runs the sweep on every rank, one thread each, and returns rank 0's rows. */
    private static List<NcclTestsReport.Row> sweep(final List<Communicator> comms, final BenchOptions options) throws Exception {
        final ExecutorService threads = Executors.newFixedThreadPool(comms.size());
        try {
            final List<CompletableFuture<List<NcclTestsReport.Row>>> fs = new ArrayList<>();
            for (final Communicator c : comms) {
                fs.add(CompletableFuture.supplyAsync(() -> RankBenchmark.run(c, options), threads));
            }
            for (final CompletableFuture<List<NcclTestsReport.Row>> f : fs) {
                f.get(50, TimeUnit.SECONDS);
            }
            return fs.get(0).get();
        } finally {
            threads.shutdownNow();
        }
    }

    private static BenchOptions options(final Collective c, final long min, final long max, final int factor) {
        return BenchOptions.defaults(c).withSizes(min, max, factor).withIterations(2, 1);
    }

    @Test
    void shouldComputeExactCollectivesBetweenFourRanksOnLoopback() throws Exception {
        try (TransportCluster cluster = TransportCluster.open(4, new TransportFabricConfig())) {
            final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().timeoutNs(TimeUnit.SECONDS.toNanos(30)));
            for (final Collective c : new Collective[] {Collective.ALL_REDUCE, Collective.REDUCE_SCATTER, Collective.ALL_GATHER,
                Collective.BROADCAST}) {
                final List<NcclTestsReport.Row> rows = sweep(comms, options(c, 1024, 1 << 20, 32));
                assertThat(rows).as("%s", c).hasSize(3);
                for (final NcclTestsReport.Row r : rows) {
                    assertThat(r.outOfPlace().wrong()).as("%s %d B out of place", c, r.bytes()).isZero();
                    assertThat(r.inPlace().wrong()).as("%s %d B in place", c, r.bytes()).isZero();
                    assertThat(r.outOfPlace().timeUs()).isPositive();
                }
            }
        }
    }

    @Test
    void shouldStayExactAcrossALossyEmulatedLinkBetweenTwoDcs() throws Exception {
        final TransportFabricConfig config = new TransportFabricConfig().topology(Topology.parse("2x2")).link("delay=1ms,loss=1%");
        try (TransportCluster cluster = TransportCluster.open(4, config)) {
            final TransportFabric rank0 = cluster.fabric(0);
            assertThat(rank0.transports()).hasSize(2);
            assertThat(rank0.transports().get(0).link().isPerfect()).isTrue();
            assertThat(rank0.transports().get(1).link().delayNs()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
            for (final Algorithm a : new Algorithm[] {Algorithm.HIER, Algorithm.RING}) {
                final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().algorithm(a));
                for (final NcclTestsReport.Row r : sweep(comms, options(Collective.ALL_REDUCE, 4096, 1 << 20, 16))) {
                    assertThat(r.outOfPlace().wrong()).as("%s %d B", a, r.bytes()).isZero();
                    assertThat(r.inPlace().wrong()).as("%s %d B", a, r.bytes()).isZero();
                }
            }
            long lost = 0;
            for (final TransportFabric f : cluster.fabrics()) {
                final Transport.EmulatorCounters inter = f.transports().get(1).emulatorCounters();
                assertThat(f.transports().get(0).emulatorCounters().offered()).as("intra-DC traffic is not emulated").isZero();
                assertThat(inter.offered()).isPositive();
                lost += inter.lost();
            }
            assertThat(lost).as("the emulated link dropped datagrams, and the results were still exact").isPositive();
        }
    }

    @Test
    void shouldFailSurvivorsNamingTheRankThatDiedMidOperation() throws Exception {
        try (TransportCluster cluster = TransportCluster.open(4, new TransportFabricConfig())) {
            final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().algorithm(Algorithm.RING)
                .timeoutNs(TimeUnit.SECONDS.toNanos(20)));
            final int count = 1 << 18;
            final List<CompletableFuture<Void>> survivors = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                survivors.add(comms.get(r).allReduceAsync(ByteBuffer.allocateDirect(count * 4), count, DataType.FLOAT32, ReduceOp.SUM));
            }
            final long t0 = System.nanoTime();
            cluster.kill(3);
            for (int r = 0; r < 3; r++) {
                final int rank = r;
                assertThatThrownBy(() -> survivors.get(rank).get(15, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(CollectiveException.class).hasMessageContaining("rank 3");
            }
            assertThat(System.nanoTime() - t0).as("survivors learn well before the 20 s timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(10));
            assertThatThrownBy(() -> survivors.get(2).join()).hasMessageContaining("rank 3").hasMessageContaining("closed by peer");
        }
    }

    @Test
    void shouldFailBothSidesOfAPartitionWithinThePeerTimeoutNamingThePeer() throws Exception {
        // Two DCs of one rank; the only link between them fails for good 1 s after each transport starts,
        // mid-way through a 16 MiB all-reduce at 20 Mbit/s: nothing arrives from then on, no CLOSE either.
        final TransportFabricConfig config = new TransportFabricConfig().topology(Topology.parse("2x1"))
            .link("ecmp=1,delay=1ms,rate=20mbit,fail=0@1s").peerTimeoutNs(TimeUnit.SECONDS.toNanos(1));
        try (TransportCluster cluster = TransportCluster.open(2, config)) {
            final List<Communicator> comms = communicators(cluster, new CommunicatorConfig().algorithm(Algorithm.RING)
                .timeoutNs(TimeUnit.SECONDS.toNanos(60)));
            final int count = 4 << 20;
            final List<CompletableFuture<Void>> ops = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                ops.add(comms.get(r).allReduceAsync(ByteBuffer.allocateDirect(count * 4), count, DataType.FLOAT32, ReduceOp.SUM));
            }
            final long t0 = System.nanoTime();
            for (int r = 0; r < 2; r++) {
                final int peer = 1 - r;
                assertThatThrownBy(() -> ops.get(peer == 1 ? 0 : 1).get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(CollectiveException.class).hasMessageContaining("rank " + peer)
                    .hasMessageContaining("nothing received from the peer");
            }
            assertThat(System.nanoTime() - t0).as("the peer timeout, not the 60 s operation timeout or a 30 s idle timeout")
                .isLessThan(TimeUnit.SECONDS.toNanos(20));
        }
    }

    @Test
    void shouldNameTheRanksThatNeverRegistered() throws Exception {
        final int port = freePort();
        final InetSocketAddress master = InetSocketAddress.createUnresolved("127.0.0.1", port);
        // Long enough for rank 1 to register on a loaded 2-core machine (1.5 s once was not).
        final TransportFabricConfig config = new TransportFabricConfig().connectTimeoutNs(TimeUnit.SECONDS.toNanos(5));
        final CompletableFuture<TransportFabric> rank0 = CompletableFuture.supplyAsync(
            () -> TransportFabric.rendezvous(new LaunchInfo(0, 4, master, "test"), config));
        final CompletableFuture<TransportFabric> rank1 = CompletableFuture.supplyAsync(
            () -> TransportFabric.rendezvous(new LaunchInfo(1, 4, master, "test"), config));
        for (final CompletableFuture<TransportFabric> f : List.of(rank0, rank1)) {
            assertThatThrownBy(() -> f.get(20, TimeUnit.SECONDS)).cause().isInstanceOf(RendezvousException.class)
                .hasMessageStartingWith("rendezvous timed out after 5 s: ranks 2, 3 never registered");
        }
    }

    @Test
    void shouldRendezvousThroughTheStoreAndReduceExactly() throws Exception {
        final int port = freePort();
        final InetSocketAddress master = InetSocketAddress.createUnresolved("127.0.0.1", port);
        final List<CompletableFuture<Long>> ranks = new ArrayList<>();
        for (int r = 2; r >= 0; r--) {
            final int rank = r;
            ranks.add(CompletableFuture.supplyAsync(() -> {
                try (TransportFabric f = TransportFabric.rendezvous(new LaunchInfo(rank, 3, master, "test"), new TransportFabricConfig())) {
                    final Communicator comm = new Communicator(f);
                    final int[] data = new int[10_000];
                    java.util.Arrays.fill(data, rank + 1);
                    comm.allReduce(data, ReduceOp.SUM);
                    return java.util.Arrays.stream(data).filter(v -> v != 6).count();
                }
            }));
        }
        for (final CompletableFuture<Long> f : ranks) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
