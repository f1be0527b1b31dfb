package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.TransportCluster;
import io.longhaul.collectives.fabric.TransportFabric;
import io.longhaul.collectives.fabric.TransportFabricConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The real-socket backend: every rank in this process with its own transport on loopback UDP
 * sockets, the real protocol and event loops, and the inter-DC links shaped by the in-process
 * emulator on each sender's egress. Traffic inside a DC crosses plain loopback (far faster than
 * the emulated inter-DC links, so the scenario's intra-DC link is not emulated). Real time: the
 * numbers depend on the machine and its load.
 */
public final class LoopbackBackend implements FabricBackend {
    /** The name this backend is selected by. */
    public static final String NAME = "loopback";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "real UDP sockets on loopback, inter-DC links emulated in-process (real time)";
    }

    @Override
    public Cluster open(final ClusterSpec spec) {
        final TransportFabricConfig config = new TransportFabricConfig()
            .topology(spec.topology())
            .congestionControl(spec.congestionControl())
            .linkSeed(spec.seed());
        if (spec.topology().dcCount() > 1 && !spec.interDcLink().isPerfect()) {
            config.link(spec.interDcLink().toString());
        }
        final TransportCluster cluster = TransportCluster.open(spec.topology().size(), config);
        final List<Communicator> comms = new ArrayList<>();
        for (final TransportFabric fabric : cluster.fabrics()) {
            comms.add(new Communicator(fabric, spec.topology(), spec.communicatorConfig()));
        }
        return new LoopbackCluster(cluster, List.copyOf(comms));
    }

    private record LoopbackCluster(TransportCluster cluster, List<Communicator> communicators) implements Cluster {
        @Override
        public long nowNs() {
            return System.nanoTime();
        }

        @Override
        public boolean virtualTime() {
            return false;
        }

        @Override
        public void await(final List<? extends CompletableFuture<?>> futures, final long timeoutNs) {
            Cluster.awaitInRealTime(futures, timeoutNs);
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
