package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.TransportFabric;
import io.longhaul.transport.Transport;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Cluster} on real transports and the real clock: the ranks this process holds, and what
 * closes them.
 *
 * @param ranks         what owns the ranks' transports; closed with the cluster.
 * @param communicators one per rank held here.
 * @param spec          what the cluster was built from (DC names, the inter-DC group).
 */
record RealTimeCluster(AutoCloseable ranks, List<Communicator> communicators, ClusterSpec spec) implements Cluster {

    RealTimeCluster {
        communicators = List.copyOf(communicators);
    }

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
        try {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(timeoutNs, TimeUnit.NANOSECONDS);
        } catch (final ExecutionException e) {
            // Each future's own failure is reported by whoever reads it.
            return;
        } catch (final TimeoutException e) {
            throw new IllegalStateException("not done within " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for collectives", e);
        }
    }

    /**
     * The per-link counters of the ranks held here: each rank's inter-DC transport crosses its own
     * instance of the group (its egress), so a rank of DC d counts as traffic from d; with two DCs
     * it goes to the other one, with more it is marked {@code *} (mixed).
     */
    @Override
    public FabricReport fabricReport() {
        final List<FabricLinkCounters> links = new ArrayList<>();
        String fabric = null;
        for (final Communicator c : communicators) {
            if (!(c.fabric() instanceof TransportFabric)) {
                continue;
            }
            final TransportFabric f = (TransportFabric) c.fabric();
            final int dc = f.topology().dcOf(f.rank());
            final String from = spec.dcNames().get(dc);
            final String to = spec.dcNames().size() == 2 ? spec.dcNames().get(1 - dc) : "*";
            for (final Transport t : f.transports()) {
                if (t.fabric() == null) {
                    continue;
                }
                fabric = t.fabric().withSeed(FabricSpec.DEFAULT_SEED).toString();
                for (final EcmpFabric.LinkCounters l : t.fabricCounters().links()) {
                    links.add(FabricLinkCounters.of(l, from, to));
                }
            }
        }
        return fabric == null ? null : new FabricReport(spec.interDcFabric() != null ? spec.interDcFabric().toString() : fabric,
            FabricLinkCounters.merge(links), null);
    }

    @Override
    public void close() {
        try {
            ranks.close();
        } catch (final RuntimeException e) {
            throw e;
        } catch (final Exception e) {
            throw new IllegalStateException("closing the ranks failed: " + e.getMessage(), e);
        }
    }
}
