package io.longhaul.transport.protocol;

import java.nio.ByteBuffer;


/**
 * HANDSHAKE_INIT and HANDSHAKE_ACCEPT bodies: the sender's own connection id, its transport
 * parameters and its random nonce (the session keys are derived from both ends' nonces). With a job
 * key, a 16-byte tag follows ({@code io.longhaul.transport.security.HandshakeAuth}).
 *
 * <pre>
 *  24                  32      33    34            36                   44                 48                52          68
 *  +-------------------+-------+-----+-------------+--------------------+------------------+-----------------+-----------+
 *  | source conn id    | paths | pad | max payload | receive window (B) | idle timeout (ms)| max message (B) | nonce     |
 *  +-------------------+-------+-----+-------------+--------------------+------------------+-----------------+-----------+
 * </pre>
 */
public final class HandshakeFlyweight {
    public static final int SOURCE_ID_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int PATH_COUNT_OFFSET = SOURCE_ID_OFFSET + 8;
    public static final int MAX_PAYLOAD_OFFSET = PATH_COUNT_OFFSET + 2;
    public static final int RECEIVE_WINDOW_OFFSET = MAX_PAYLOAD_OFFSET + 2;
    public static final int IDLE_TIMEOUT_OFFSET = RECEIVE_WINDOW_OFFSET + 8;
    public static final int MAX_MESSAGE_OFFSET = IDLE_TIMEOUT_OFFSET + 4;
    public static final int NONCE_OFFSET = MAX_MESSAGE_OFFSET + 4;
    public static final int NONCE_LENGTH = 16;
    public static final int LENGTH = NONCE_OFFSET + NONCE_LENGTH;

    private HandshakeFlyweight() {
    }

    public static void write(
        final ByteBuffer buffer, final int offset, final long sourceId, final int pathCount,
        final int maxPayload, final long receiveWindow, final int idleTimeoutMs, final int maxMessageBytes, final byte[] nonce) {
        Bytes.putLong(buffer, offset + SOURCE_ID_OFFSET, sourceId);
        buffer.put(offset + PATH_COUNT_OFFSET, (byte) pathCount);
        buffer.put(offset + PATH_COUNT_OFFSET + 1, (byte) 0);
        Bytes.putShort(buffer, offset + MAX_PAYLOAD_OFFSET, (short) maxPayload);
        Bytes.putLong(buffer, offset + RECEIVE_WINDOW_OFFSET, receiveWindow);
        Bytes.putInt(buffer, offset + IDLE_TIMEOUT_OFFSET, idleTimeoutMs);
        Bytes.putInt(buffer, offset + MAX_MESSAGE_OFFSET, maxMessageBytes);
        for (int i = 0; i < NONCE_LENGTH; i++) {
            buffer.put(offset + NONCE_OFFSET + i, nonce[i]);
        }
    }

    /** @return a copy of the sender's nonce. */
    public static byte[] nonce(final ByteBuffer buffer, final int offset) {
        final byte[] n = new byte[NONCE_LENGTH];
        for (int i = 0; i < NONCE_LENGTH; i++) {
            n[i] = buffer.get(offset + NONCE_OFFSET + i);
        }
        return n;
    }

    public static int maxMessageBytes(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + MAX_MESSAGE_OFFSET);
    }

    /**
     * @return whether the transport parameters are in range: a non-zero source id, 1 to
     *         {@link PacketFlyweight#MAX_PATHS} paths, a payload of at least 64 bytes, a
     *         non-negative window, a positive idle timeout and maximum message size.
     */
    public static boolean parametersValid(final ByteBuffer buffer, final int offset) {
        final int paths = pathCount(buffer, offset);
        return sourceId(buffer, offset) != 0 && paths >= 1 && paths <= PacketFlyweight.MAX_PATHS
            && maxPayload(buffer, offset) >= 64 && receiveWindow(buffer, offset) >= 0
            && idleTimeoutMs(buffer, offset) > 0 && maxMessageBytes(buffer, offset) >= 1;
    }

    public static long sourceId(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + SOURCE_ID_OFFSET);
    }

    public static int pathCount(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + PATH_COUNT_OFFSET) & 0xFF;
    }

    public static int maxPayload(final ByteBuffer buffer, final int offset) {
        return Bytes.getShort(buffer, offset + MAX_PAYLOAD_OFFSET) & 0xFFFF;
    }

    public static long receiveWindow(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + RECEIVE_WINDOW_OFFSET);
    }

    public static int idleTimeoutMs(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + IDLE_TIMEOUT_OFFSET);
    }
}
