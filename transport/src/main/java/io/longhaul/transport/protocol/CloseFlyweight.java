package io.longhaul.transport.protocol;

import java.nio.ByteBuffer;


import java.nio.charset.StandardCharsets;

/**
 * A CLOSE body: an error code and a UTF-8 reason the peer reports to its application.
 *
 * <pre>
 *  24        28              30
 *  +---------+---------------+------------------+
 *  | code    | reason length | reason (UTF-8)   |
 *  +---------+---------------+------------------+
 * </pre>
 */
public final class CloseFlyweight {
    public static final int CODE_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int REASON_LENGTH_OFFSET = CODE_OFFSET + 4;
    public static final int REASON_OFFSET = REASON_LENGTH_OFFSET + 2;
    public static final int MAX_REASON_BYTES = 256;

    private CloseFlyweight() {
    }

    /** @return the body's end offset relative to {@code offset}. */
    public static int write(final ByteBuffer buffer, final int offset, final int code, final String reason) {
        final byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(bytes.length, MAX_REASON_BYTES);
        Bytes.putInt(buffer, offset + CODE_OFFSET, code);
        Bytes.putShort(buffer, offset + REASON_LENGTH_OFFSET, (short) length);
        buffer.put(offset + REASON_OFFSET, bytes, 0, length);
        return REASON_OFFSET + length;
    }

    public static int code(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + CODE_OFFSET);
    }

    public static int reasonLength(final ByteBuffer buffer, final int offset) {
        return Bytes.getShort(buffer, offset + REASON_LENGTH_OFFSET) & 0xFFFF;
    }

    public static String reason(final ByteBuffer buffer, final int offset, final int length) {
        final byte[] bytes = new byte[length];
        buffer.get(offset + REASON_OFFSET, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
