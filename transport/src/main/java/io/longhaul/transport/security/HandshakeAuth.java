package io.longhaul.transport.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * Authenticates the two handshake packets, which come before any session key: a 16-byte
 * HMAC-SHA256 tag (truncated) under a handshake key derived from the job key, over the whole
 * packet, and for an ACCEPT also over the INIT's nonce, so that an old ACCEPT cannot answer a new
 * INIT. Only a holder of the job key can open a session or answer one. Not thread-safe.
 */
public final class HandshakeAuth {
    /** Bytes the tag adds to a handshake packet. */
    public static final int TAG_LENGTH = 16;
    private static final String HMAC = "HmacSHA256";

    private final Mac mac;
    private final byte[] tag = new byte[32];

    public HandshakeAuth(final JobKey key) {
        final byte[] prk = Hkdf.extract("longhaul v2 handshake".getBytes(StandardCharsets.US_ASCII), key.bytes());
        final byte[] k = Hkdf.expand(prk, "handshake authentication".getBytes(StandardCharsets.US_ASCII), 32);
        try {
            mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(k, HMAC));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }

    /**
     * Appends the tag of the {@code length}-byte packet at {@code offset} (and of {@code bound},
     * if not null) after it.
     *
     * @return the signed length, {@code length + TAG_LENGTH}.
     */
    public int sign(final ByteBuffer buffer, final int offset, final int length, final byte[] bound) {
        compute(buffer, offset, length, bound);
        for (int i = 0; i < TAG_LENGTH; i++) {
            buffer.put(offset + length + i, tag[i]);
        }
        return length + TAG_LENGTH;
    }

    /** @return whether the last {@value #TAG_LENGTH} of the {@code length} bytes at {@code offset} are the tag of the rest (and {@code bound}). */
    public boolean verify(final ByteBuffer buffer, final int offset, final int length, final byte[] bound) {
        if (length < TAG_LENGTH) {
            return false;
        }
        compute(buffer, offset, length - TAG_LENGTH, bound);
        final byte[] got = new byte[TAG_LENGTH];
        for (int i = 0; i < TAG_LENGTH; i++) {
            got[i] = buffer.get(offset + length - TAG_LENGTH + i);
        }
        return MessageDigest.isEqual(got, java.util.Arrays.copyOf(tag, TAG_LENGTH));
    }

    private void compute(final ByteBuffer buffer, final int offset, final int length, final byte[] bound) {
        mac.reset();
        mac.update(buffer.duplicate().limit(offset + length).position(offset));
        if (bound != null) {
            mac.update(bound);
        }
        try {
            mac.doFinal(tag, 0);
        } catch (final javax.crypto.ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
