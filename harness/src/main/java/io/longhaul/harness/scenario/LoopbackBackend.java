package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.TransportCluster;
import io.longhaul.collectives.fabric.TransportFabric;

import java.util.ArrayList;
import java.util.List;

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
        final TransportCluster cluster = TransportCluster.open(spec.topology().size(), spec.transportFabricConfig());
        final List<Communicator> comms = new ArrayList<>();
        for (final TransportFabric fabric : cluster.fabrics()) {
            comms.add(new Communicator(fabric, spec.topology(), spec.communicatorConfig()));
        }
        return new RealTimeCluster(cluster, comms, spec);
    }
}
