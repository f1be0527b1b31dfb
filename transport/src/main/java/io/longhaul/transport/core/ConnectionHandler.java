package io.longhaul.transport.core;

import java.nio.ByteBuffer;

/**
 * Receives a connection's events. Called on the thread that drives the core, from inside
 * {@link Endpoint#onDatagram} or {@link Endpoint#poll}; it may call {@link Connection#send} and
 * {@link Connection#close} re-entrantly but must not block.
 */
public interface ConnectionHandler {

    /** The handshake completed (client) or a new peer connected (server). */
    default void onEstablished(Connection connection) {
    }

    /**
     * A message arrived: complete, or, for a deadline message, at its deadline.
     *
     * @param data    the message bytes, position 0, limit its length; owned by the handler from now on.
     * @param missing byte ranges that never arrived (empty for a complete message).
     */
    void onMessage(Connection connection, int tag, long messageId, ByteBuffer data, MissingRanges missing);

    /**
     * Where a new incoming message of {@code length} bytes is reassembled, asked when its first
     * packet arrives: a buffer of capacity {@code length} (any other is ignored for a fresh one),
     * handed back in {@link #onMessage}. The default allocates one; a handler that recycles the
     * buffers of messages it has consumed saves the allocation and the zeroing.
     */
    default ByteBuffer receiveBuffer(final Connection connection, final int tag, final int length) {
        return ByteBuffer.allocate(length);
    }

    /** A message sent on this connection ended. {@code detail} explains failures, else empty. */
    default void onSendComplete(Connection connection, long messageId, SendStatus status, String detail) {
    }

    /**
     * The connection closed.
     *
     * @param byPeer whether the peer closed it (its reason is then the peer's own words).
     */
    default void onClosed(Connection connection, int code, String reason, boolean byPeer) {
    }
}
