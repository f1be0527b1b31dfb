package io.longhaul.transport.security;

import io.longhaul.transport.protocol.PacketFlyweight;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * A session's packet protection: AES-256-GCM with one key per direction, derived in the handshake
 * from the job key and both ends' random nonces (HKDF-SHA256: extract with the two nonces as salt,
 * expand with the direction and both connection ids). A sealed packet keeps its 24-byte header in
 * clear as associated data (with {@link PacketFlyweight#FLAG_PROTECTED} set and the CRC field zero:
 * the tag covers what the CRC did), its body encrypted, and a 16-byte tag after it.
 *
 * <p>The 12-byte nonce is (number space, path, packet number, 0, 0): DATA and PING share a path's
 * packet numbers, ACKs, CLOSEs, path challenges and responses have their own counters, so no nonce
 * repeats under one key. A
 * packet whose tag does not verify (forged, replayed under another number, corrupted, or sealed
 * with another key) is refused before anything reads its body. Not thread-safe: one per connection.
 */
public final class PacketProtection {
    /** Bytes the tag adds to every sealed packet. */
    public static final int TAG_LENGTH = 16;
    /** Bytes of each end's handshake nonce. */
    public static final int NONCE_LENGTH = 16;
    private static final String AES = "AES";
    private static final String GCM = "AES/GCM/NoPadding";

    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final Cipher sealer;
    private final Cipher opener;
    private final byte[] iv = new byte[12];
    /** A packet not in a heap buffer is copied here to be read: the JDK's GCM is fastest on arrays. */
    private byte[] scratch = new byte[2048];
    /**
     * Where the cipher writes, header first, one for sealing and one for opening (an opened packet
     * is still being read when the connection seals the next): never the array it reads (the JDK
     * copies overlapping input first).
     */
    private final Output sealed = new Output();
    private final Output opened = new Output();

    private static final class Output {
        byte[] bytes = new byte[2048];
        ByteBuffer view = ByteBuffer.wrap(bytes);

        byte[] bytes(final int length) {
            if (bytes.length < length) {
                bytes = new byte[Math.max(length, 2 * bytes.length)];
                view = ByteBuffer.wrap(bytes);
            }
            return bytes;
        }
    }

    private PacketProtection(final byte[] sendKey, final byte[] receiveKey) {
        this.sendKey = new SecretKeySpec(sendKey, AES);
        this.receiveKey = new SecretKeySpec(receiveKey, AES);
        try {
            sealer = Cipher.getInstance(GCM);
            opener = Cipher.getInstance(GCM);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * The protection of one end of a session.
     *
     * @param client whether this end opened it (it sends with the client-to-server key).
     */
    public static PacketProtection derive(final JobKey key, final long clientId, final long serverId, final byte[] clientNonce,
                                          final byte[] serverNonce, final boolean client) {
        final byte[] salt = new byte[2 * NONCE_LENGTH];
        System.arraycopy(clientNonce, 0, salt, 0, NONCE_LENGTH);
        System.arraycopy(serverNonce, 0, salt, NONCE_LENGTH, NONCE_LENGTH);
        final byte[] prk = Hkdf.extract(salt, key.bytes());
        final byte[] c2s = Hkdf.expand(prk, info("longhaul v2 client to server", clientId, serverId), 32);
        final byte[] s2c = Hkdf.expand(prk, info("longhaul v2 server to client", clientId, serverId), 32);
        return client ? new PacketProtection(c2s, s2c) : new PacketProtection(s2c, c2s);
    }

    private static byte[] info(final String label, final long clientId, final long serverId) {
        final byte[] l = label.getBytes(StandardCharsets.US_ASCII);
        final ByteBuffer b = ByteBuffer.allocate(l.length + 16);
        return b.put(l).putLong(clientId).putLong(serverId).array();
    }

    /**
     * Seals the {@code length}-byte packet at {@code offset} of {@code packet}: sets
     * {@link PacketFlyweight#FLAG_PROTECTED} and zeroes the CRC field there, then writes the header,
     * the encrypted body and the tag to this protection's own buffer. Read straight from the
     * array of a heap buffer, copied first from any other.
     *
     * @return the sealed packet, position 0, limit {@code length + TAG_LENGTH}: valid until the next
     *         {@code seal}, and not to be written.
     */
    public ByteBuffer seal(final ByteBuffer packet, final int offset, final int length) {
        PacketFlyweight.markProtected(packet, offset);
        try {
            return crypt(sealer, Cipher.ENCRYPT_MODE, sendKey, sealed, packet, offset, length, length + TAG_LENGTH);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("sealing failed", e);
        }
    }

    /**
     * Verifies and decrypts the sealed {@code length}-byte packet at {@code offset} of {@code packet}
     * (left unchanged) into this protection's own buffer.
     *
     * @return the plaintext packet, header included, position 0, limit {@code length - TAG_LENGTH}:
     *         valid until the next {@code open}; or null if the packet is too short or its tag does
     *         not verify (nothing of it is then to be read).
     */
    public ByteBuffer open(final ByteBuffer packet, final int offset, final int length) {
        if (length < PacketFlyweight.HEADER_LENGTH + TAG_LENGTH || !PacketFlyweight.isProtected(packet, offset)) {
            return null;
        }
        try {
            return crypt(opener, Cipher.DECRYPT_MODE, receiveKey, opened, packet, offset, length, length);
        } catch (final AEADBadTagException e) {
            return null;
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("opening failed", e);
        }
    }

    /**
     * Runs {@code cipher} over the packet's body with its header as associated data, writing the
     * header and the result to {@code into}: read straight from a heap buffer's array, from a copy
     * otherwise.
     */
    private ByteBuffer crypt(final Cipher cipher, final int mode, final SecretKeySpec key, final Output into, final ByteBuffer packet,
                             final int offset, final int length, final int outputLength) throws GeneralSecurityException {
        final byte[] in;
        final int at;
        if (packet.hasArray()) {
            in = packet.array();
            at = packet.arrayOffset() + offset;
        } else {
            in = scratch(length);
            at = 0;
            packet.get(offset, in, 0, length);
        }
        final byte[] o = into.bytes(outputLength);
        System.arraycopy(in, at, o, 0, PacketFlyweight.HEADER_LENGTH);
        cipher.init(mode, key, new GCMParameterSpec(8 * TAG_LENGTH, nonce(o)));
        cipher.updateAAD(o, 0, PacketFlyweight.HEADER_LENGTH);
        final int n = cipher.doFinal(in, at + PacketFlyweight.HEADER_LENGTH, length - PacketFlyweight.HEADER_LENGTH, o,
            PacketFlyweight.HEADER_LENGTH);
        return into.view.limit(PacketFlyweight.HEADER_LENGTH + n).position(0);
    }

    private static byte space(final byte type) {
        switch (type) {
            case PacketFlyweight.TYPE_ACK:
                return 1;
            case PacketFlyweight.TYPE_CLOSE:
                return 2;
            case PacketFlyweight.TYPE_PATH_CHALLENGE:
                return 3;
            case PacketFlyweight.TYPE_PATH_RESPONSE:
                return 4;
            default:
                return 0;
        }
    }

    private byte[] scratch(final int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, 2 * scratch.length)];
        }
        return scratch;
    }

    /**
     * (space, path, packet number big-endian, 0, 0): the space is 0 for DATA and PING, 1 for ACK, 2
     * for CLOSE, 3 for PATH_CHALLENGE, 4 for PATH_RESPONSE.
     */
    private byte[] nonce(final byte[] packet) {
        iv[0] = space(packet[PacketFlyweight.TYPE_OFFSET]);
        iv[1] = packet[PacketFlyweight.PATH_OFFSET];
        // The packet number is little-endian on the wire; the nonce holds it big-endian.
        for (int i = 0; i < 8; i++) {
            iv[2 + i] = packet[PacketFlyweight.PACKET_NUMBER_OFFSET + 7 - i];
        }
        return iv;
    }
}
