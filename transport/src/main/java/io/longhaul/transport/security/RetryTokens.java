package io.longhaul.transport.security;

import io.longhaul.transport.protocol.Bytes;
import io.longhaul.transport.protocol.ValidationFlyweight;

import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * Stateless retry tokens, as QUIC's Retry (RFC 9000 section 8.1.2): before it keeps any state for
 * an INIT, a server may answer it with a token that only this server can make, bound to the INIT's
 * source address and client connection id and valid for a while; the client repeats its INIT with
 * the token, and the server, reading it back, knows the client receives packets at that address.
 * A spoofed INIT gets one small RETRY towards its victim and creates nothing.
 *
 * <p>A token is the issue time (8 bytes, the server's clock) and a 16-byte HMAC-SHA256 tag of the
 * time, the client's connection id and the address, under a secret that never leaves the endpoint.
 * Not thread-safe.
 */
public final class RetryTokens {
    private static final String HMAC = "HmacSHA256";
    private static final int TAG_LENGTH = ValidationFlyweight.TOKEN_LENGTH - 8;

    private final Mac mac;
    private final long lifetimeNs;
    private final byte[] tag = new byte[32];
    private final byte[] got = new byte[TAG_LENGTH];
    private final byte[] fixed = new byte[16];

    /**
     * @param secret     at least 16 random bytes, this endpoint's own.
     * @param lifetimeNs how long a token is accepted after it was issued.
     */
    public RetryTokens(final byte[] secret, final long lifetimeNs) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("a retry secret needs at least 16 bytes, got " + secret.length);
        }
        this.lifetimeNs = lifetimeNs;
        try {
            mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }

    /** Writes a token for {@code clientId} at {@code address} (its identity bytes) at {@code offset}. */
    public void write(final ByteBuffer buffer, final int offset, final long nowNs, final long clientId, final byte[] address) {
        compute(nowNs, clientId, address);
        Bytes.putLong(buffer, offset, nowNs);
        for (int i = 0; i < TAG_LENGTH; i++) {
            buffer.put(offset + 8 + i, tag[i]);
        }
    }

    /** @return whether the token at {@code offset} was issued by this endpoint for {@code clientId} at {@code address}, and is still valid. */
    public boolean valid(final ByteBuffer buffer, final int offset, final long nowNs, final long clientId, final byte[] address) {
        final long issuedNs = Bytes.getLong(buffer, offset);
        final long age = nowNs - issuedNs;
        if (age < 0 || age > lifetimeNs) {
            return false;
        }
        compute(issuedNs, clientId, address);
        for (int i = 0; i < TAG_LENGTH; i++) {
            got[i] = buffer.get(offset + 8 + i);
            fixed[i] = tag[i];
        }
        return MessageDigest.isEqual(got, fixed);
    }

    private void compute(final long issuedNs, final long clientId, final byte[] address) {
        mac.reset();
        for (int i = 0; i < 8; i++) {
            mac.update((byte) (issuedNs >>> (8 * i)));
        }
        for (int i = 0; i < 8; i++) {
            mac.update((byte) (clientId >>> (8 * i)));
        }
        mac.update(address);
        try {
            mac.doFinal(tag, 0);
        } catch (final ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
