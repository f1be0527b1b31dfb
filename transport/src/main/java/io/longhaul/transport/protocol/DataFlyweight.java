package io.longhaul.transport.protocol;

import java.nio.ByteBuffer;


/**
 * A DATA frame: one piece of one message, placed by offset at the receiver.
 *
 * <pre>
 *  24               32         36         40           44    45    46        48                  52
 *  +----------------+----------+----------+------------+-----+-----+---------+-------------------+---------
 *  | message id     | tag      | offset   | total len  | mode| rsvd| pay len | deadline left (us)| payload
 *  +----------------+----------+----------+------------+-----+-----+---------+-------------------+---------
 * </pre>
 *
 * {@code deadline left} is the time remaining until the sender's deadline when this packet left, in
 * microseconds (deadline mode only); the receiver adds it to the arrival time to place the deadline
 * on its own clock, so the two ends need no clock agreement.
 */
public final class DataFlyweight {
    public static final byte MODE_RELIABLE = 0;
    public static final byte MODE_DEADLINE = 1;

    public static final int MESSAGE_ID_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int TAG_OFFSET = MESSAGE_ID_OFFSET + 8;
    public static final int OFFSET_OFFSET = TAG_OFFSET + 4;
    public static final int TOTAL_LENGTH_OFFSET = OFFSET_OFFSET + 4;
    public static final int MODE_OFFSET = TOTAL_LENGTH_OFFSET + 4;
    public static final int PAYLOAD_LENGTH_OFFSET = MODE_OFFSET + 2;
    public static final int DEADLINE_LEFT_OFFSET = PAYLOAD_LENGTH_OFFSET + 2;
    /** Bytes before the payload, common header included. */
    public static final int HEADER_LENGTH = DEADLINE_LEFT_OFFSET + 4;

    /** The largest message a connection carries: 1 GiB. */
    public static final int MAX_MESSAGE_LENGTH = 1 << 30;

    private DataFlyweight() {
    }

    public static void write(
        final ByteBuffer buffer, final int offset, final long messageId, final int tag,
        final int messageOffset, final int totalLength, final byte mode, final int payloadLength,
        final int deadlineLeftUs) {
        Bytes.putLong(buffer, offset + MESSAGE_ID_OFFSET, messageId);
        Bytes.putInt(buffer, offset + TAG_OFFSET, tag);
        Bytes.putInt(buffer, offset + OFFSET_OFFSET, messageOffset);
        Bytes.putInt(buffer, offset + TOTAL_LENGTH_OFFSET, totalLength);
        buffer.put(offset + MODE_OFFSET, mode);
        buffer.put(offset + MODE_OFFSET + 1, (byte) 0);
        Bytes.putShort(buffer, offset + PAYLOAD_LENGTH_OFFSET, (short) payloadLength);
        Bytes.putInt(buffer, offset + DEADLINE_LEFT_OFFSET, deadlineLeftUs);
    }

    public static long messageId(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + MESSAGE_ID_OFFSET);
    }

    public static int tag(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + TAG_OFFSET);
    }

    public static int messageOffset(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + OFFSET_OFFSET);
    }

    public static int totalLength(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + TOTAL_LENGTH_OFFSET);
    }

    public static byte mode(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + MODE_OFFSET);
    }

    public static int payloadLength(final ByteBuffer buffer, final int offset) {
        return Bytes.getShort(buffer, offset + PAYLOAD_LENGTH_OFFSET) & 0xFFFF;
    }

    public static int deadlineLeftUs(final ByteBuffer buffer, final int offset) {
        return Bytes.getInt(buffer, offset + DEADLINE_LEFT_OFFSET);
    }
}
