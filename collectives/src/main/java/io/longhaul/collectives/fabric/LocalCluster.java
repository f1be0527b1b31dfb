package io.longhaul.collectives.fabric;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * N ranks in one JVM exchanging messages in memory. A send hands the buffer straight to the
 * receiver's {@link MessageMatcher} on the sender's thread, so a collective started on every rank
 * from a single thread runs to completion without any thread switch; ranks driven from their own
 * threads work too. Timers run on one daemon thread per cluster.
 *
 * <p>{@link #kill(int)} simulates a rank dying: its peers' receives from it fail, its sends fail.
 */
public final class LocalCluster implements AutoCloseable {
    private final List<LocalFabric> fabrics = new ArrayList<>();
    private final ScheduledThreadPoolExecutor timers;

    public LocalCluster(final int ranks) {
        if (ranks < 1) {
            throw new IllegalArgumentException("rank count " + ranks + " is out of range; accepted: >= 1");
        }
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "longhaul-local-fabric-timer");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        for (int r = 0; r < ranks; r++) {
            fabrics.add(new LocalFabric(r, ranks));
        }
    }

    public int size() {
        return fabrics.size();
    }

    public Fabric fabric(final int rank) {
        return fabrics.get(rank);
    }

    /** Kills {@code rank}: every other rank's receives from it fail, and it can no longer send or receive. */
    public void kill(final int rank) {
        final LocalFabric dead = fabrics.get(rank);
        dead.dead = true;
        dead.matcher.failAll(new PeerFailureException(-1, "rank " + rank + " was killed"));
        for (final LocalFabric f : fabrics) {
            if (f != dead) {
                f.matcher.failPeer(rank, new PeerFailureException(rank, "rank " + rank + " died"));
            }
        }
    }

    @Override
    public void close() {
        for (final LocalFabric f : fabrics) {
            f.matcher.failAll(new PeerFailureException(-1, "fabric closed"));
        }
        timers.shutdownNow();
    }

    private final class LocalFabric implements Fabric {
        final int rank;
        final MessageMatcher matcher;
        volatile boolean dead;

        LocalFabric(final int rank, final int ranks) {
            this.rank = rank;
            this.matcher = new MessageMatcher(ranks);
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return fabrics.size();
        }

        @Override
        public long nowNs() {
            return System.nanoTime();
        }

        @Override
        public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
            if (peer < 0 || peer >= fabrics.size()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("peer " + peer + " is not a rank of " + fabrics.size()));
            }
            final LocalFabric target = fabrics.get(peer);
            if (dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(-1, "rank " + rank + " was killed"));
            }
            if (target.dead) {
                return CompletableFuture.failedFuture(new PeerFailureException(peer, "rank " + peer + " died"));
            }
            target.matcher.deliver(rank, tag, message);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
            return matcher.receive(peer, tag);
        }

        @Override
        public Timer schedule(final long delayNs, final Runnable task) {
            if (timers.isShutdown()) {
                return () -> { };
            }
            final ScheduledFuture<?> f = timers.schedule(task, Math.max(0, delayNs), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public void close() {
            matcher.failAll(new PeerFailureException(-1, "rank " + rank + " closed its fabric"));
        }

        @Override
        public String toString() {
            return "LocalFabric[rank=" + rank + "/" + fabrics.size() + "]";
        }
    }
}
