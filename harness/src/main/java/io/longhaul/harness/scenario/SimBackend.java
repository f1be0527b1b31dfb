package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.SimNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The simulated backend: a {@link SimCluster} (real transport state machines over modelled links,
 * one reliable connection per pair of ranks) in virtual time. Fast and deterministic: the same
 * spec and seed give the same numbers, to the nanosecond.
 *
 * <p>With an inter-DC ECMP group ({@link ClusterSpec#interDcFabric()}) every pair of DCs is joined
 * by one instance of the group, shared by all ranks of the two DCs, each inter-DC session spread
 * over {@link ClusterSpec#paths()} paths; a {@link FabricSampler} records the bytes each link
 * delivers every {@link #sampleIntervalNs()} of virtual time (it only watches: the run is the same).
 */
public final class SimBackend implements FabricBackend {
    /** The name this backend is selected by. */
    public static final String NAME = "sim";

    private final long sampleIntervalNs;

    /** A backend sampling ECMP links every {@link FabricSampler#DEFAULT_INTERVAL_NS}. */
    public SimBackend() {
        this(FabricSampler.DEFAULT_INTERVAL_NS);
    }

    /** A backend sampling ECMP links every {@code sampleIntervalNs} of virtual time. */
    public SimBackend(final long sampleIntervalNs) {
        new FabricSampler(sampleIntervalNs);
        this.sampleIntervalNs = sampleIntervalNs;
    }

    public long sampleIntervalNs() {
        return sampleIntervalNs;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean exact() {
        return true;
    }

    @Override
    public String description() {
        return "simulated transport in virtual time (deterministic; fast)";
    }

    @Override
    public Cluster open(final ClusterSpec spec) {
        final CoreConfig config = new CoreConfig().congestionControl(spec.congestionControl()).pathScheduler(spec.scheduler())
            .maxPayloadBytes(spec.maxPayloadBytes()).validate();
        final SimCluster sim = new SimCluster(spec.topology(), spec.intraDcLink(), spec.interDcLink(),
            spec.topology().dcCount() > 1 ? spec.interDcFabric() : null, spec.paths(), spec.seed(), config);
        final List<Communicator> comms = new ArrayList<>();
        for (int r = 0; r < sim.size(); r++) {
            comms.add(new Communicator(sim.fabric(r), spec.topology(), spec.communicatorConfig()));
        }
        FabricSampler sampler = null;
        if (!sim.dcFabrics().isEmpty()) {
            sampler = new FabricSampler(sampleIntervalNs);
            for (final SimCluster.DcFabric f : sim.dcFabrics()) {
                sampler.watch(f.fabric(), nodesOf(sim, f.dcA()), nodesOf(sim, f.dcB()), spec.dcNames().get(f.dcA()), spec.dcNames().get(f.dcB()),
                    sim.network().nowNs());
            }
            sim.network().tap(sampler);
        }
        return new SimClusterAdapter(sim, List.copyOf(comms), spec, sampler);
    }

    private static List<SimNetwork.SimNode> nodesOf(final SimCluster sim, final int dc) {
        final List<SimNetwork.SimNode> out = new ArrayList<>();
        for (int r = 0; r < sim.size(); r++) {
            if (sim.topology().dcOf(r) == dc) {
                out.add(sim.node(r));
            }
        }
        return out;
    }

    private record SimClusterAdapter(SimCluster sim, List<Communicator> communicators, ClusterSpec spec, FabricSampler sampler)
        implements Cluster {
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
        public FabricReport fabricReport() {
            if (sampler == null) {
                return null;
            }
            final List<FabricLinkCounters> links = new ArrayList<>();
            for (final SimCluster.DcFabric f : sim.dcFabrics()) {
                final String a = spec.dcNames().get(f.dcA());
                final String b = spec.dcNames().get(f.dcB());
                for (final EcmpFabric.LinkCounters c : f.fabric().counters().links()) {
                    links.add(FabricLinkCounters.of(c, c.direction() == 0 ? a : b, c.direction() == 0 ? b : a));
                }
            }
            return new FabricReport(spec.interDcFabric().toString(), links, sampler.timeline(LinkTimeline.eventsOf(spec.interDcFabric())));
        }

        @Override
        public void close() {
            sim.close();
        }
    }
}
