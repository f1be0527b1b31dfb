package io.longhaul.harness.scenario;

import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.Topology;
import io.longhaul.collectives.fabric.TransportFabricConfig;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link FabricBackend} builds: ranks placed in DCs (and the DCs' names), the link between
 * ranks of one DC and between ranks of different DCs (or the ECMP group joining each pair of DCs),
 * the transport's congestion control, path scheduler, paths per session and payload size, the
 * communicators' configuration, and the seed every random choice derives from.
 *
 * @param interDcFabric the ECMP group between each pair of DCs, or null for the per-pair {@code interDcLink}.
 * @param paths         paths (source ports) per session between DCs.
 */
public record ClusterSpec(Topology topology, List<String> dcNames, LinkSpec intraDcLink, LinkSpec interDcLink, FabricSpec interDcFabric,
                          String congestionControl, String scheduler, int paths, int maxPayloadBytes, CommunicatorConfig communicatorConfig,
                          long seed) {

    public ClusterSpec {
        Objects.requireNonNull(topology, "topology");
        Objects.requireNonNull(intraDcLink, "intraDcLink");
        Objects.requireNonNull(interDcLink, "interDcLink");
        Objects.requireNonNull(congestionControl, "congestionControl");
        Objects.requireNonNull(scheduler, "scheduler");
        dcNames = dcNames == null ? defaultNames(topology) : List.copyOf(dcNames);
        if (dcNames.size() != topology.dcCount()) {
            throw new IllegalArgumentException("dcNames " + dcNames + " name " + dcNames.size() + " DCs but the topology " + topology + " has "
                + topology.dcCount());
        }
        if (paths < 1 || paths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths " + paths + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
        }
        communicatorConfig = communicatorConfig.copy().validate();
    }

    /** A cluster of single links between DCs, the default scheduler and one path per session. */
    public ClusterSpec(final Topology topology, final LinkSpec intraDcLink, final LinkSpec interDcLink, final String congestionControl,
                       final int maxPayloadBytes, final CommunicatorConfig communicatorConfig, final long seed) {
        this(topology, null, intraDcLink, interDcLink, null, congestionControl, PathSchedulers.DEFAULT, 1, maxPayloadBytes, communicatorConfig,
            seed);
    }

    private static List<String> defaultNames(final Topology topology) {
        final List<String> out = new ArrayList<>();
        for (int d = 0; d < topology.dcCount(); d++) {
            out.add("dc" + d);
        }
        return out;
    }

    /**
     * The cluster a scenario describes (its single inter-DC link or ECMP group: see
     * {@link Scenario#interDcLink()} and {@link Scenario#interDcFabric()}).
     */
    public static ClusterSpec of(final Scenario scenario) {
        return new ClusterSpec(scenario.topology(), scenario.dataCenters().stream().map(Scenario.DataCenter::name).toList(),
            scenario.intraDcLink(), scenario.interDcLink(), scenario.interDcFabric(), scenario.congestionControl(), scenario.scheduler(),
            scenario.paths(), scenario.maxPayloadBytes(), scenario.communicatorConfig(), scenario.seed());
    }

    /** @return this spec with another communicator configuration. */
    public ClusterSpec withCommunicatorConfig(final CommunicatorConfig value) {
        return new ClusterSpec(topology, dcNames, intraDcLink, interDcLink, interDcFabric, congestionControl, scheduler, paths, maxPayloadBytes,
            value, seed);
    }

    /**
     * @return the real-transport settings for these ranks: the congestion control, path scheduler,
     *         paths, the seed, and the inter-DC link (or ECMP group) emulated in-process on each
     *         rank's egress toward ranks of other DCs. A group is then each rank's own (see
     *         {@link TransportFabricConfig}: in real time ranks do not share its links).
     */
    public TransportFabricConfig transportFabricConfig() {
        final TransportFabricConfig config = new TransportFabricConfig()
            .topology(topology)
            .congestionControl(congestionControl)
            .scheduler(scheduler)
            .paths(paths)
            .linkSeed(seed);
        if (topology.dcCount() > 1) {
            if (interDcFabric != null) {
                config.link(interDcFabric.toString());
            } else if (!interDcLink.isPerfect()) {
                config.link(interDcLink.toString());
            }
        }
        return config;
    }

    @Override
    public CommunicatorConfig communicatorConfig() {
        return communicatorConfig.copy();
    }
}
