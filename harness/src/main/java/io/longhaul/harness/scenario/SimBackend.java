package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.transport.core.CoreConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The simulated backend: a {@link SimCluster} (real transport state machines over modelled links,
 * one reliable connection per pair of ranks) in virtual time. Fast and deterministic: the same
 * spec and seed give the same numbers, to the nanosecond.
 */
public final class SimBackend implements FabricBackend {
    /** The name this backend is selected by. */
    public static final String NAME = "sim";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "simulated transport in virtual time (deterministic; fast)";
    }

    @Override
    public Cluster open(final ClusterSpec spec) {
        final CoreConfig config = new CoreConfig().congestionControl(spec.congestionControl()).maxPayloadBytes(spec.maxPayloadBytes())
            .validate();
        final SimCluster sim = new SimCluster(spec.topology(), spec.intraDcLink(), spec.interDcLink(), spec.seed(), config);
        final List<Communicator> comms = new ArrayList<>();
        for (int r = 0; r < sim.size(); r++) {
            comms.add(new Communicator(sim.fabric(r), spec.topology(), spec.communicatorConfig()));
        }
        return new SimClusterAdapter(sim, List.copyOf(comms));
    }

    private record SimClusterAdapter(SimCluster sim, List<Communicator> communicators) implements Cluster {
        @Override
        public long nowNs() {
            return sim.network().nowNs();
        }

        @Override
        public boolean virtualTime() {
            return true;
        }

        @Override
        public void await(final List<? extends CompletableFuture<?>> futures, final long timeoutNs) {
            if (!sim.await(timeoutNs, futures.toArray(new CompletableFuture<?>[0]))) {
                throw new IllegalStateException("not done within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms of virtual time (seed "
                    + sim.seed() + ")");
            }
        }

        @Override
        public void close() {
            sim.close();
        }
    }
}
