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
     * Sends {@code header} followed by {@code body} (each position to limit) to {@code peer} as one
     * message, reading {@code body} in place where the fabric can: the caller leaves {@code body}
     * unchanged until the returned future completes, and owns it again then. The fabric owns
     * {@code header} from now on. This default copies both into one new message and
     * {@link #send(int, int, ByteBuffer) sends} that; fabrics over a transport frame packets straight
     * from {@code body} and complete once the peer has acknowledged every byte.
     */
    default CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer body) {
        final ByteBuffer m = ByteBuffer.allocate(header.remaining() + body.remaining()).order(header.order());
        m.put(header.duplicate()).put(body.duplicate()).flip();
        return send(peer, tag, m);
    }

    /**
     * Sends a <em>deadline</em> message to {@code peer}: it is repaired until {@code deadlineNs}
     * (the fabric's clock) and then abandoned, and the receiver gets what arrived together with the
     * exact byte ranges that did not ({@link #receiveMessage}). The fabric stops repairing early
     * enough (about one one-way delay before {@code deadlineNs}) for the message to be at the
     * receiver by {@code deadlineNs}. A message of which nothing arrives is never delivered; the
     * receiver decides when to stop waiting and then {@link #discard}s it.
     *
     * <p>The in-memory fabric models the loss of such messages (seeded, per packet), the simulated
     * and real fabrics use the transport's deadline messages.
     *
     * @return completes when the message is delivered or its deadline passed (normally in both
     * cases), or exceptionally if the peer is gone.
     */
    CompletableFuture<Void> send(int peer, int tag, ByteBuffer message, long deadlineNs);

    /**
     * @return the next message from {@code peer} with {@code tag}: its bytes between position and
     * limit. Cancelling the future withdraws the receive. For a deadline message use
     * {@link #receiveMessage}: this one cannot tell which bytes are missing.
     */
    CompletableFuture<ByteBuffer> receive(int peer, int tag);

    /**
     * @return the next message from {@code peer} with {@code tag}, with the ranges that never
     * arrived (none for a reliable message). Cancelling the future withdraws the receive.
     */
    CompletableFuture<Received> receiveMessage(int peer, int tag);

    /**
     * Gives up on the message from {@code peer} with {@code tag}: a posted receive is withdrawn and
     * the message, if it has arrived or arrives later, is dropped (a bounded number of such
     * late messages is remembered; see {@link MessageMatcher#MAX_DISCARDED}).
     */
    void discard(int peer, int tag);

    /**
     * @return the fabric's current estimate of the round-trip time to {@code peer} in nanoseconds,
     * 0 for an in-memory fabric, or -1 if unknown yet.
     */
    long rttNs(int peer);

    /**
     * Gives the caller the body of an in-place {@link #send(int, int, ByteBuffer, ByteBuffer) send}
     * back before the peer has acknowledged it: the fabric copies what it may still need to send.
     * The send goes on; {@code send} still completes on delivery.
     *
     * @param send a future returned by {@link #send(int, int, ByteBuffer, ByteBuffer)}.
     * @return completes once the fabric no longer reads the body. The default: at once (the
     *         default in-place send copied it from the start).
     */
    default CompletableFuture<Void> detach(final CompletableFuture<Void> send) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Hands back a message this fabric delivered, once the caller has read it for the last time: a
     * fabric may reassemble a later message into it. The default does nothing.
     */
    default void release(final ByteBuffer message) {
    }

    /** Runs {@code task} after {@code delayNs} of the fabric's clock, on a fabric thread. */
    Timer schedule(long delayNs, Runnable task);

    /** Releases the fabric's resources; pending receives fail. */
    @Override
    void close();
}
