package io.longhaul.collectives.bench;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.fabric.TransportCluster;
import io.longhaul.collectives.fabric.TransportFabricConfig;
import io.longhaul.transport.security.JobKey;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;

/**
 * An unmeasured warm-up of this process's data path before it joins a job: two ranks in this
 * process, on their own transports over loopback (keyed like the job), run 1 MiB float all-reduces
 * for a while. The JIT compiler then has the transport, the schedule runner and the reduction
 * kernels compiled before the job's first operation, which otherwise runs interpreted while
 * every process of the job compiles the same code at once.
 */
public final class JitWarmup {
    private static final int COUNT = 1 << 18;

    private JitWarmup() {
    }

    /**
     * Runs all-reduces for {@code durationNs} (at least one).
     *
     * @param key the job's key (null for an unkeyed job), so the same protection code is compiled.
     * @return how many all-reduces each rank ran.
     */
    public static int run(final long durationNs, final JobKey key) {
        final TransportFabricConfig config = new TransportFabricConfig().key(key).insecure(key == null);
        try (TransportCluster cluster = TransportCluster.open(2, config)) {
            final long endNs = System.nanoTime() + durationNs;
            final CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> loop(cluster, 1, endNs));
            final int ops = loop(cluster, 0, endNs);
            other.join();
            return ops;
        }
    }

    /** Rank 0 decides when to stop and tells rank 1 in the same all-reduce, so both run as many. */
    private static int loop(final TransportCluster cluster, final int rank, final long endNs) {
        final Communicator comm = new Communicator(cluster.fabric(rank));
        final ByteBuffer data = ByteBuffer.allocateDirect(4 * COUNT).order(ByteOrder.LITTLE_ENDIAN);
        int ops = 0;
        while (true) {
            data.putFloat(0, rank == 0 && System.nanoTime() - endNs >= 0 ? 1 : 0);
            comm.allReduce(data, COUNT, DataType.FLOAT32, ReduceOp.SUM);
            ops++;
            if (data.getFloat(0) != 0) {
                return ops;
            }
        }
    }
}
