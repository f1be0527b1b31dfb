package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.bench.CollectiveBenchmark;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * All ranks of a {@link ClusterSpec}, living in this process, as a {@link FabricBackend} built
 * them: one {@link Communicator} per rank and a way to wait for their futures. On a simulated
 * backend waiting runs the network in virtual time (everything happens on the caller's thread);
 * on a real one it blocks while the transport's threads work.
 */
public interface Cluster extends AutoCloseable {

    /** @return one communicator per rank, index = rank. */
    List<Communicator> communicators();

    /** @return the clock collectives and compute timers run on (virtual on a simulated backend). */
    long nowNs();

    /** @return whether {@link #nowNs()} is virtual time (results are then exactly reproducible from the seed). */
    boolean virtualTime();

    /**
     * Waits until every future is done (normally or exceptionally).
     *
     * @param timeoutNs how long to wait, in the cluster's clock.
     * @throws IllegalStateException if some future is not done by then.
     */
    void await(List<? extends CompletableFuture<?>> futures, long timeoutNs);

    /**
     * @return the inter-DC ECMP group's per-link counters so far (and, on the simulated backend,
     * bytes per link over time), or null when the DCs are not joined by a group. On a backend that
     * holds only some ranks (one rank per process) the counters are those ranks' egress only.
     */
    default FabricReport fabricReport() {
        return null;
    }

    /** @return this cluster as a {@link CollectiveBenchmark.Group}, each operation bounded by {@code timeoutNs}. */
    default CollectiveBenchmark.Group benchmarkGroup(final long timeoutNs) {
        final Cluster self = this;
        return new CollectiveBenchmark.Group() {
            @Override
            public List<Communicator> communicators() {
                return self.communicators();
            }

            @Override
            public void await(final List<CompletableFuture<Void>> futures) {
                self.await(futures, timeoutNs);
                for (final CompletableFuture<Void> f : futures) {
                    Communicator.await(f);
                }
            }

            @Override
            public long nowNs() {
                return self.nowNs();
            }
        };
    }

    @Override
    void close();
}
