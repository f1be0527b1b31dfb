package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;

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
 */
record RealTimeCluster(AutoCloseable ranks, List<Communicator> communicators) implements Cluster {

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
