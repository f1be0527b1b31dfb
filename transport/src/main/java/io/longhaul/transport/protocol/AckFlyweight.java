package io.longhaul.transport.protocol;

import java.nio.ByteBuffer;


/**
 * An ACK packet: flow-control credit followed by one block per acknowledged path.
 *
 * <pre>
 *  24                 32        33    36
 *  +------------------+---------+-----+---- blocks ----
 *  | max data (bytes) | nblocks | pad | ...
 *  +------------------+---------+-----+----------------
 *
 *  block: path(1) nranges(1) pad(2) ack delay us(4) largest(8) first range(4) { gap(4) length(4) } * (nranges-1)
 * </pre>
 *
 * Ranges follow QUIC's encoding (RFC 9000 section 19.3.1), in descending order: the first range is
 * {@code [largest - firstRange, largest]}; each further range ends {@code gap + 2} below the
 * smallest number of the previous one and spans {@code length + 1} packets.
 */
public final class AckFlyweight {
    public static final int MAX_DATA_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int BLOCK_COUNT_OFFSET = MAX_DATA_OFFSET + 8;
    public static final int BLOCKS_OFFSET = BLOCK_COUNT_OFFSET + 4;

    public static final int BLOCK_PATH_OFFSET = 0;
    public static final int BLOCK_RANGE_COUNT_OFFSET = 1;
    public static final int BLOCK_ACK_DELAY_OFFSET = 4;
    public static final int BLOCK_LARGEST_OFFSET = 8;
    public static final int BLOCK_FIRST_RANGE_OFFSET = 16;
    public static final int BLOCK_FIXED_LENGTH = 20;
    public static final int RANGE_LENGTH = 8;

    /** The most SACK ranges one block carries. */
    public static final int MAX_RANGES = 64;

    private AckFlyweight() {
    }

    public static int blockLength(final int rangeCount) {
        return BLOCK_FIXED_LENGTH + (rangeCount - 1) * RANGE_LENGTH;
    }

    public static void writePrefix(final ByteBuffer buffer, final int offset, final long maxData, final int blockCount) {
        Bytes.putLong(buffer, offset + MAX_DATA_OFFSET, maxData);
        Bytes.putInt(buffer, offset + BLOCK_COUNT_OFFSET, blockCount & 0xFF);
    }

    public static long maxData(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + MAX_DATA_OFFSET);
    }

    public static int blockCount(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + BLOCK_COUNT_OFFSET) & 0xFF;
    }

    /**
     * Writes a block from descending, disjoint ranges {@code [lo[i], hi[i]]}, of which the first
     * {@code rangeCount} are used.
     *
     * @return the block's length in bytes.
     */
    public static int writeBlock(
        final ByteBuffer buffer, final int blockOffset, final int pathId, final long ackDelayUs,
        final long[] lo, final long[] hi, final int rangeCount) {
        buffer.put(blockOffset + BLOCK_PATH_OFFSET, (byte) pathId);
        buffer.put(blockOffset + BLOCK_RANGE_COUNT_OFFSET, (byte) rangeCount);
        Bytes.putShort(buffer, blockOffset + 2, (short) 0);
        Bytes.putInt(buffer, blockOffset + BLOCK_ACK_DELAY_OFFSET, (int) Math.min(Integer.MAX_VALUE, ackDelayUs));
        Bytes.putLong(buffer, blockOffset + BLOCK_LARGEST_OFFSET, hi[0]);
        Bytes.putInt(buffer, blockOffset + BLOCK_FIRST_RANGE_OFFSET, (int) (hi[0] - lo[0]));
        int at = blockOffset + BLOCK_FIXED_LENGTH;
        for (int i = 1; i < rangeCount; i++) {
            Bytes.putInt(buffer, at, (int) (lo[i - 1] - hi[i] - 2));
            Bytes.putInt(buffer, at + 4, (int) (hi[i] - lo[i]));
            at += RANGE_LENGTH;
        }
        return at - blockOffset;
    }

    public static int blockPathId(final ByteBuffer buffer, final int blockOffset) {
        return buffer.get(blockOffset + BLOCK_PATH_OFFSET) & 0xFF;
    }

    public static int blockRangeCount(final ByteBuffer buffer, final int blockOffset) {
        return buffer.get(blockOffset + BLOCK_RANGE_COUNT_OFFSET) & 0xFF;
    }

    public static long blockAckDelayUs(final ByteBuffer buffer, final int blockOffset) {
        return Bytes.getInt(buffer, blockOffset + BLOCK_ACK_DELAY_OFFSET) & 0xFFFF_FFFFL;
    }

    public static long blockLargest(final ByteBuffer buffer, final int blockOffset) {
        return Bytes.getLong(buffer, blockOffset + BLOCK_LARGEST_OFFSET);
    }

    /**
     * Decodes a block's ranges into {@code lo}/{@code hi} (descending), validating them: numbers
     * never negative, ranges disjoint and strictly descending.
     *
     * @return the number of ranges decoded, or -1 if the block is malformed.
     */
    public static int readRanges(
        final ByteBuffer buffer, final int blockOffset, final long[] lo, final long[] hi) {
        final int count = blockRangeCount(buffer, blockOffset);
        if (count < 1 || count > MAX_RANGES || count > lo.length) {
            return -1;
        }
        final long largest = blockLargest(buffer, blockOffset);
        final long first = Bytes.getInt(buffer, blockOffset + BLOCK_FIRST_RANGE_OFFSET) & 0xFFFF_FFFFL;
        if (largest < 0 || first > largest) {
            return -1;
        }
        hi[0] = largest;
        lo[0] = largest - first;
        int at = blockOffset + BLOCK_FIXED_LENGTH;
        for (int i = 1; i < count; i++) {
            final long gap = Bytes.getInt(buffer, at) & 0xFFFF_FFFFL;
            final long length = Bytes.getInt(buffer, at + 4) & 0xFFFF_FFFFL;
            final long top = lo[i - 1] - gap - 2;
            if (top < 0 || length > top) {
                return -1;
            }
            hi[i] = top;
            lo[i] = top - length;
            at += RANGE_LENGTH;
        }
        return count;
    }
}
