package io.longhaul.transport.protocol;


import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The common header every longhaul datagram starts with. All multi-byte fields are little-endian.
 *
 * <pre>
 *  0      1      2      3      4                              12                             20          24
 *  +------+------+------+------+------------------------------+------------------------------+-----------+
 *  | ver  | type | flags| path |  destination connection id   |  packet number (per path)    | CRC32C    |
 *  +------+------+------+------+------------------------------+------------------------------+-----------+
 * </pre>
 *
 * The CRC32C covers the whole datagram except the checksum field itself, so corruption anywhere
 * (header or payload) is detected and the datagram is dropped before it is interpreted. A session
 * with a key seals its packets instead ({@link #FLAG_PROTECTED}, see
 * {@code io.longhaul.transport.security.PacketProtection}): the CRC field is zero and the AEAD tag
 * after the body covers the header and body.
 */
public final class PacketFlyweight {
    public static final byte VERSION = 2;

    /** Flags bit: the packet is sealed (AEAD): CRC field zero, body encrypted, a tag after it. */
    public static final int FLAG_PROTECTED = 0x01;
    /** Flags bit of a HANDSHAKE_INIT: a retry token ({@link ValidationFlyweight}) follows the handshake body. */
    public static final int FLAG_RETRY_TOKEN = 0x02;

    public static final byte TYPE_HANDSHAKE_INIT = 1;
    public static final byte TYPE_HANDSHAKE_ACCEPT = 2;
    public static final byte TYPE_DATA = 3;
    public static final byte TYPE_ACK = 4;
    public static final byte TYPE_PING = 5;
    public static final byte TYPE_CLOSE = 6;
    /** A server's stateless answer to an INIT: send it again with this token. */
    public static final byte TYPE_RETRY = 7;
    /** Asks the peer to echo 8 random bytes, sent to a new address a path's packets came from. */
    public static final byte TYPE_PATH_CHALLENGE = 8;
    /** Echoes a PATH_CHALLENGE's bytes, from the address it reached. */
    public static final byte TYPE_PATH_RESPONSE = 9;
    /** The highest packet type this version knows. */
    public static final byte LAST_TYPE = TYPE_PATH_RESPONSE;

    public static final int VERSION_OFFSET = 0;
    public static final int TYPE_OFFSET = 1;
    public static final int FLAGS_OFFSET = 2;
    public static final int PATH_OFFSET = 3;
    public static final int CONNECTION_ID_OFFSET = 4;
    public static final int PACKET_NUMBER_OFFSET = 12;
    public static final int CHECKSUM_OFFSET = 20;
    public static final int HEADER_LENGTH = 24;

    /** Paths are numbered 0..MAX_PATHS-1. */
    public static final int MAX_PATHS = 16;

    private PacketFlyweight() {
    }

    /** Writes the common header (checksum left zero; call {@link #sealChecksum} when the packet is complete). */
    public static void writeHeader(
        final ByteBuffer buffer, final int offset, final byte type, final int pathId,
        final long connectionId, final long packetNumber) {
        buffer.put(offset + VERSION_OFFSET, VERSION);
        buffer.put(offset + TYPE_OFFSET, type);
        buffer.put(offset + FLAGS_OFFSET, (byte) 0);
        buffer.put(offset + PATH_OFFSET, (byte) pathId);
        Bytes.putLong(buffer, offset + CONNECTION_ID_OFFSET, connectionId);
        Bytes.putLong(buffer, offset + PACKET_NUMBER_OFFSET, packetNumber);
        Bytes.putInt(buffer, offset + CHECKSUM_OFFSET, 0);
    }

    public static byte version(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + VERSION_OFFSET);
    }

    public static byte type(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + TYPE_OFFSET);
    }

    public static boolean isProtected(final ByteBuffer buffer, final int offset) {
        return (buffer.get(offset + FLAGS_OFFSET) & FLAG_PROTECTED) != 0;
    }

    public static boolean hasFlag(final ByteBuffer buffer, final int offset, final int flag) {
        return (buffer.get(offset + FLAGS_OFFSET) & flag) != 0;
    }

    public static void setFlag(final ByteBuffer buffer, final int offset, final int flag) {
        buffer.put(offset + FLAGS_OFFSET, (byte) (buffer.get(offset + FLAGS_OFFSET) | flag));
    }

    /** Sets {@link #FLAG_PROTECTED} and zeroes the CRC field, before sealing. */
    public static void markProtected(final ByteBuffer buffer, final int offset) {
        buffer.put(offset + FLAGS_OFFSET, (byte) (buffer.get(offset + FLAGS_OFFSET) | FLAG_PROTECTED));
        Bytes.putInt(buffer, offset + CHECKSUM_OFFSET, 0);
    }

    public static int pathId(final ByteBuffer buffer, final int offset) {
        return buffer.get(offset + PATH_OFFSET) & 0xFF;
    }

    public static long connectionId(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + CONNECTION_ID_OFFSET);
    }

    public static long packetNumber(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + PACKET_NUMBER_OFFSET);
    }

    /**
     * Computes the checksum of the {@code length}-byte datagram at {@code offset} and stores it in
     * the header.
     */
    public static void sealChecksum(final ByteBuffer buffer, final int offset, final int length, final CRC32C crc) {
        Bytes.putInt(buffer, offset + CHECKSUM_OFFSET, checksum(buffer, offset, length, crc));
    }

    /** @return whether the stored checksum matches the datagram's contents. */
    public static boolean checksumValid(final ByteBuffer buffer, final int offset, final int length, final CRC32C crc) {
        return Bytes.getInt(buffer, offset + CHECKSUM_OFFSET) == checksum(buffer, offset, length, crc);
    }

    private static int checksum(final ByteBuffer nio, final int offset, final int length, final CRC32C crc) {
        crc.reset();
        final int savedPosition = nio.position();
        final int savedLimit = nio.limit();
        nio.limit(offset + CHECKSUM_OFFSET).position(offset);
        crc.update(nio);
        nio.limit(offset + length).position(offset + HEADER_LENGTH);
        crc.update(nio);
        nio.limit(savedLimit).position(savedPosition);
        return (int) crc.getValue();
    }

    public static String typeName(final byte type) {
        switch (type) {
            case TYPE_HANDSHAKE_INIT:
                return "HANDSHAKE_INIT";
            case TYPE_HANDSHAKE_ACCEPT:
                return "HANDSHAKE_ACCEPT";
            case TYPE_DATA:
                return "DATA";
            case TYPE_ACK:
                return "ACK";
            case TYPE_PING:
                return "PING";
            case TYPE_CLOSE:
                return "CLOSE";
            case TYPE_RETRY:
                return "RETRY";
            case TYPE_PATH_CHALLENGE:
                return "PATH_CHALLENGE";
            case TYPE_PATH_RESPONSE:
                return "PATH_RESPONSE";
            default:
                return "UNKNOWN(" + type + ")";
        }
    }
}
