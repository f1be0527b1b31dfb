package io.longhaul.collectives.fabric;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * What a collective executor needs from a network: tagged messages between the ranks of a fixed
 * group, and a clock with timers. Implementations: {@link LocalCluster} (in memory, one JVM),
 * {@link SimCluster} (the simulated transport with a virtual clock); an adapter over the real
 * transport is a class of the same shape.
 *
 * <p>Messages are matched by (peer, tag): a {@link #receive} posted before the message arrives
 * completes on arrival, a message that arrives first waits for its receive (see
 * {@link MessageMatcher}, which implementations can reuse). Messages between a pair need not
 * arrive in order. A peer that fails completes its pending and future receives exceptionally
 * with a {@link PeerFailureException}.
 *
 * <p>Thread-safety: every method may be called from any thread; futures may complete on the
 * fabric's own thread, and callers must not block in their callbacks.
 */
public interface Fabric extends AutoCloseable {

    /** A scheduled timer; cancel is idempotent. */
    @FunctionalInterface
    interface Timer {
        void cancel();
    }

    /** @return this rank, 0..size-1. */
    int rank();

    /** @return the number of ranks. */
    int size();

    /** @return the fabric's clock, in nanoseconds (virtual time on a simulated fabric). */
    long nowNs();

    /**
     * Sends a message to {@code peer}. The fabric owns {@code message} (position to limit) from now
     * on; the caller must not touch it again.
     *
     * @return completes when the message is delivered (or handed to a reliable transport), or
     * exceptionally if it cannot be.
     */
    CompletableFuture<Void> send(int peer, int tag, ByteBuffer message);

    /**
     * @return the next message from {@code peer} with {@code tag}: its bytes between position and
     * limit. Cancelling the future withdraws the receive.
     */
    CompletableFuture<ByteBuffer> receive(int peer, int tag);

    /** Runs {@code task} after {@code delayNs} of the fabric's clock, on a fabric thread. */
    Timer schedule(long delayNs, Runnable task);

    /** Releases the fabric's resources; pending receives fail. */
    @Override
    void close();
}
