package io.longhaul.transport.core;

import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Builds well-formed (checksummed) datagrams for tests that feed an endpoint directly. */
final class Packets {
    private static final CRC32C CRC = new CRC32C();

    private Packets() {
    }

    static ByteBuffer seal(final ByteBuffer b, final int length) {
        PacketFlyweight.sealChecksum(b, 0, length, CRC);
        b.limit(length).position(0);
        return b;
    }

    static ByteBuffer data(final long connectionId, final int pathId, final long pn, final long messageId, final int tag,
                           final int offset, final int total, final int payloadLength) {
        final ByteBuffer b = ByteBuffer.allocate(DataFlyweight.HEADER_LENGTH + payloadLength);
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_DATA, pathId, connectionId, pn);
        DataFlyweight.write(b, 0, messageId, tag, offset, total, DataFlyweight.MODE_RELIABLE, payloadLength, 0);
        return seal(b, b.capacity());
    }

    static ByteBuffer ack(final long connectionId, final int pathId, final long maxData, final long[] lo, final long[] hi) {
        final ByteBuffer b = ByteBuffer.allocate(AckFlyweight.BLOCKS_OFFSET + AckFlyweight.blockLength(lo.length));
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_ACK, pathId, connectionId, 0);
        AckFlyweight.writePrefix(b, 0, maxData, 1);
        AckFlyweight.writeBlock(b, AckFlyweight.BLOCKS_OFFSET, pathId, 0, lo, hi, lo.length);
        return seal(b, b.capacity());
    }

    static ByteBuffer ping(final long connectionId, final int pathId, final long pn) {
        final ByteBuffer b = ByteBuffer.allocate(PacketFlyweight.HEADER_LENGTH);
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_PING, pathId, connectionId, pn);
        return seal(b, b.capacity());
    }
}
