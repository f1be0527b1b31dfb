package io.longhaul.harness.scenario;

import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.Topology;
import io.longhaul.collectives.fabric.TransportFabricConfig;
import io.longhaul.transport.sim.LinkSpec;

import java.util.Objects;

/**
 * What a {@link FabricBackend} builds: ranks placed in DCs, the link between ranks of one DC and
 * between ranks of different DCs, the transport's congestion control and payload size, the
 * communicators' configuration, and the seed every random choice derives from.
 */
public record ClusterSpec(Topology topology, LinkSpec intraDcLink, LinkSpec interDcLink, String congestionControl,
                          int maxPayloadBytes, CommunicatorConfig communicatorConfig, long seed) {

    public ClusterSpec {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(intraDcLink, "intraDcLink");
        Objects.requireNonNull(interDcLink, "interDcLink");
        Objects.requireNonNull(congestionControl, "congestionControl");
        communicatorConfig = communicatorConfig.copy().validate();
    }

    /** The cluster a scenario describes (its single inter-DC link: see {@link Scenario#interDcLink()}). */
    public static ClusterSpec of(final Scenario scenario) {
        return new ClusterSpec(scenario.topology(), scenario.intraDcLink(), scenario.interDcLink(), scenario.congestionControl(),
            scenario.maxPayloadBytes(), scenario.communicatorConfig(), scenario.seed());
    }

    /**
     * @return the real-transport settings for these ranks: the congestion control, the seed, and
     *         the inter-DC link emulated in-process between ranks of different DCs.
     */
    public TransportFabricConfig transportFabricConfig() {
        final TransportFabricConfig config = new TransportFabricConfig()
            .topology(topology)
            .congestionControl(congestionControl)
            .linkSeed(seed);
        if (topology.dcCount() > 1 && !interDcLink.isPerfect()) {
            config.link(interDcLink.toString());
        }
        return config;
    }

    @Override
    public CommunicatorConfig communicatorConfig() {
        return communicatorConfig.copy();
    }
}
