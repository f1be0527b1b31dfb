package io.longhaul.collectives.bench;

import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.SimCluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs an nccl-tests-style size sweep over a group of communicators living in this JVM (in
 * memory or on the simulated network) and returns one {@link NcclTestsReport.Row} per size:
 * warm-up, then {@code iterations} timed operations one after the other (each started on every
 * rank and awaited on all), out-of-place then in-place, then, with {@code check}, one more
 * operation on fresh {@link CheckData} whose wrong elements are counted over all ranks.
 *
 * <p>The algorithm is the communicators' own ({@link io.longhaul.collectives.CommunicatorConfig#algorithm});
 * {@link BenchOptions#algorithm()} is for whoever builds them.
 */
public final class CollectiveBenchmark {

    /** The ranks under test and how to wait for them. */
    public interface Group {
        List<Communicator> communicators();

        /** Waits for every future (runs the network, for a simulated group). */
        void await(List<CompletableFuture<Void>> futures);

        /** @return the clock operations are timed with (virtual time for a simulated group). */
        long nowNs();
    }

    private CollectiveBenchmark() {
    }

    /** A group whose fabrics run by themselves (in memory, real transport): waiting is joining. */
    public static Group threaded(final List<Communicator> communicators) {
        return new Group() {
            @Override
            public List<Communicator> communicators() {
                return communicators;
            }

            @Override
            public void await(final List<CompletableFuture<Void>> futures) {
                for (final CompletableFuture<Void> f : futures) {
                    Communicator.await(f);
                }
            }

            @Override
            public long nowNs() {
                return System.nanoTime();
            }
        };
    }

    /** A group on a simulated cluster: waiting runs the network in virtual time (at most {@code maxVirtualNs} per operation). */
    public static Group simulated(final SimCluster cluster, final List<Communicator> communicators, final long maxVirtualNs) {
        return new Group() {
            @Override
            public List<Communicator> communicators() {
                return communicators;
            }

            @Override
            public void await(final List<CompletableFuture<Void>> futures) {
                if (!cluster.await(maxVirtualNs, futures.toArray(new CompletableFuture<?>[0]))) {
                    throw new IllegalStateException("operation did not finish within " + TimeUnit.NANOSECONDS.toMillis(maxVirtualNs)
                        + " ms of virtual time (seed " + cluster.seed() + ")");
                }
                for (final CompletableFuture<Void> f : futures) {
                    Communicator.await(f);
                }
            }

            @Override
            public long nowNs() {
                return cluster.network().nowNs();
            }
        };
    }

    public static List<NcclTestsReport.Row> run(final Group group, final BenchOptions options) {
        final List<NcclTestsReport.Row> rows = new ArrayList<>();
        final int n = group.communicators().size();
        for (final long size : options.sizes(n)) {
            rows.add(runSize(group, options, size));
        }
        return rows;
    }

    private static NcclTestsReport.Row runSize(final Group group, final BenchOptions o, final long bytes) {
        final int n = group.communicators().size();
        final Collective c = o.collective();
        final long total = bytes / o.type().size();
        final int count = (int) (c == Collective.REDUCE_SCATTER || c == Collective.ALL_GATHER ? total / n : total);
        final int root = c == Collective.BROADCAST ? o.root() % n : -1;
        final NcclTestsReport.Result outOfPlace = measure(group, o, count, root, bytes, false);
        final NcclTestsReport.Result inPlace = measure(group, o, count, root, bytes, true);
        final String redop = c.reduces() ? o.op().ncclName() : "none";
        return new NcclTestsReport.Row(bytes, total, o.type().ncclName(), redop, root, outOfPlace, inPlace);
    }

    private static NcclTestsReport.Result measure(final Group group, final BenchOptions o, final int count, final int root,
                                                  final long bytes, final boolean inPlace) {
        final List<Communicator> comms = group.communicators();
        final int n = comms.size();
        final Collective c = o.collective();
        final int es = o.type().size();
        final ByteBuffer[] in = new ByteBuffer[n];
        final ByteBuffer[] out = new ByteBuffer[n];
        for (int r = 0; r < n; r++) {
            final long inBytes = CheckData.inputElements(c, count, n) * es;
            final long outBytes = CheckData.outputElements(c, count, n) * es;
            out[r] = ByteBuffer.allocateDirect((int) Math.max(inPlace ? inBytes : 0, outBytes)).order(ByteOrder.LITTLE_ENDIAN);
            in[r] = inPlace ? out[r] : ByteBuffer.allocateDirect((int) inBytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        for (int i = 0; i < o.warmup(); i++) {
            runOnce(group, o, count, root, in, out);
        }
        final long t0 = group.nowNs();
        for (int i = 0; i < o.iterations(); i++) {
            runOnce(group, o, count, root, in, out);
        }
        final double timeUs = (group.nowNs() - t0) / 1e3 / o.iterations();
        long wrong = -1;
        if (o.check()) {
            for (int r = 0; r < n; r++) {
                if (c == Collective.BROADCAST && r != root) {
                    final ByteBuffer z = out[r].duplicate().clear();
                    while (z.hasRemaining()) {
                        z.put((byte) 0);
                    }
                    continue;
                }
                CheckData.fillInput(c, o.type(), o.op(), r, n, count, root, inPlace && c == Collective.ALL_GATHER
                    ? out[r].duplicate().position(r * count * es) : in[r]);
            }
            runOnce(group, o, count, root, in, out);
            wrong = 0;
            for (int r = 0; r < n; r++) {
                final ByteBuffer result = inPlace && c == Collective.REDUCE_SCATTER ? out[r].duplicate().position(r * count * es) : out[r];
                wrong += CheckData.countWrong(c, o.type(), o.op(), r, n, count, root, result);
            }
        }
        return NcclTestsReport.Result.of(bytes, timeUs, c.busBandwidthFactor(n), wrong);
    }

    private static void runOnce(final Group group, final BenchOptions o, final int count, final int root, final ByteBuffer[] in,
                                final ByteBuffer[] out) {
        final List<Communicator> comms = group.communicators();
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int r = 0; r < comms.size(); r++) {
            final Communicator comm = comms.get(r);
            switch (o.collective()) {
                case ALL_REDUCE:
                    fs.add(comm.allReduceAsync(in[r], out[r], count, o.type(), o.op()));
                    break;
                case REDUCE_SCATTER:
                    fs.add(comm.reduceScatterAsync(in[r], out[r], count, o.type(), o.op()));
                    break;
                case ALL_GATHER:
                    fs.add(comm.allGatherAsync(in[r], out[r], count, o.type()));
                    break;
                case BROADCAST:
                    fs.add(comm.broadcastAsync(in[r], out[r], count, o.type(), root));
                    break;
                default:
                    fs.add(comm.barrierAsync());
                    break;
            }
        }
        group.await(fs);
    }

    /** @return the spec a benchmark row runs (for schedule inspection). */
    public static CollectiveSpec spec(final BenchOptions o, final int count, final int root, final boolean inPlace) {
        return new CollectiveSpec(o.collective(), o.type(), o.op(), count, root, inPlace);
    }
}
