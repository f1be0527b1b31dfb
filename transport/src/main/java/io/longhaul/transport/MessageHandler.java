package io.longhaul.transport;

import io.longhaul.transport.core.MissingRanges;

import java.nio.ByteBuffer;

/**
 * Receives messages and session events of a {@link Transport}. Called on the transport's event
 * loop thread: return quickly and never block there (hand heavy work to another thread).
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * A message arrived: complete, or, for a deadline message, at its deadline.
     *
     * @param data    the message bytes, position 0, limit its length; the handler owns them.
     * @param missing the byte ranges that never arrived (empty for a complete message).
     */
    void onMessage(Session session, int tag, ByteBuffer data, MissingRanges missing);

    /**
     * Where a new incoming message of {@code length} bytes is reassembled: a buffer of capacity
     * {@code length}, handed back in {@link #onMessage} once the message is complete. The default
     * allocates one; a handler that recycles the buffers of consumed messages saves allocating and
     * zeroing one per message.
     */
    default ByteBuffer receiveBuffer(final Session session, final int tag, final int length) {
        return ByteBuffer.allocate(length);
    }

    /** A peer connected to this transport (incoming sessions only). */
    default void onSessionOpened(Session session) {
    }

    /**
     * A session closed.
     *
     * @param byPeer whether the peer closed it (the reason is then the peer's).
     */
    default void onSessionClosed(Session session, String reason, boolean byPeer) {
    }
}
