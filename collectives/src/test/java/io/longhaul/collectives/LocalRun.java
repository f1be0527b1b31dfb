package io.longhaul.collectives;

import io.longhaul.collectives.bench.CheckData;
import io.longhaul.collectives.fabric.LocalCluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Test fixture: runs one collective on every rank of a {@link LocalCluster} and counts wrong elements. */
final class LocalRun {
    private LocalRun() {
    }

    static List<Communicator> communicators(final LocalCluster cluster, final Topology topology, final CommunicatorConfig config) {
        final List<Communicator> comms = new ArrayList<>();
        for (int r = 0; r < cluster.size(); r++) {
            comms.add(new Communicator(cluster.fabric(r), topology, config));
        }
        return comms;
    }

    /** @return wrong elements over all ranks. */
    static long run(final List<Communicator> comms, final Collective c, final DataType type, final ReduceOp op, final int count,
                    final int root, final boolean inPlace, final boolean direct) {
        final int n = comms.size();
        final int es = type.size();
        final ByteBuffer[] in = new ByteBuffer[n];
        final ByteBuffer[] out = new ByteBuffer[n];
        for (int r = 0; r < n; r++) {
            final int inBytes = (int) CheckData.inputElements(c, count, n) * es;
            final int outBytes = (int) CheckData.outputElements(c, count, n) * es;
            out[r] = alloc(Math.max(inPlace ? inBytes : 0, outBytes), direct);
            in[r] = inPlace ? out[r] : alloc(inBytes, direct);
            if (c == Collective.BROADCAST && r != root) {
                continue;
            }
            CheckData.fillInput(c, type, op, r, n, count, root,
                inPlace && c == Collective.ALL_GATHER ? out[r].duplicate().position(r * count * es) : in[r]);
        }
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final Communicator comm = comms.get(r);
            switch (c) {
                case ALL_REDUCE: fs.add(comm.allReduceAsync(in[r], out[r], count, type, op)); break;
                case REDUCE_SCATTER: fs.add(comm.reduceScatterAsync(in[r], out[r], count, type, op)); break;
                case ALL_GATHER: fs.add(comm.allGatherAsync(in[r], out[r], count, type)); break;
                case BROADCAST: fs.add(comm.broadcastAsync(in[r], out[r], count, type, root)); break;
                default: fs.add(comm.barrierAsync()); break;
            }
        }
        for (final CompletableFuture<Void> f : fs) {
            Communicator.await(f);
        }
        long wrong = 0;
        for (int r = 0; r < n; r++) {
            final ByteBuffer result = inPlace && c == Collective.REDUCE_SCATTER ? out[r].duplicate().position(r * count * es) : out[r];
            wrong += CheckData.countWrong(c, type, op, r, n, count, root, result);
        }
        return wrong;
    }

    static ByteBuffer alloc(final int bytes, final boolean direct) {
        return (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }
}
