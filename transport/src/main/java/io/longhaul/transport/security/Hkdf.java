package io.longhaul.transport.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/** HKDF with HMAC-SHA256 (RFC 5869): extract, then expand. */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    static final int HASH_LENGTH = 32;

    private Hkdf() {
    }

    /** HKDF-Extract(salt, ikm). */
    static byte[] extract(final byte[] salt, final byte[] ikm) {
        return hmac(salt.length == 0 ? new byte[HASH_LENGTH] : salt, ikm);
    }

    /** HKDF-Expand(prk, info, length), length at most 255 x 32. */
    static byte[] expand(final byte[] prk, final byte[] info, final int length) {
        if (length < 1 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("length " + length + " is out of range; accepted: 1 to " + 255 * HASH_LENGTH);
        }
        final byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            final byte[] input = new byte[t.length + info.length + 1];
            System.arraycopy(t, 0, input, 0, t.length);
            System.arraycopy(info, 0, input, t.length, info.length);
            input[input.length - 1] = (byte) i;
            t = hmac(prk, input);
            final int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    static byte[] hmac(final byte[] key, final byte[] data) {
        try {
            final Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }
}
