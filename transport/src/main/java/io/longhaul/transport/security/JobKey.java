package io.longhaul.transport.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The secret every rank of a job shares, 32 bytes, from which each session's keys are derived in
 * its handshake. Its text form is 64 hexadecimal digits (a key file holds exactly that, optionally
 * followed by a newline). {@link #toString()} never shows the key.
 */
public final class JobKey {
    /** Bytes of a key. */
    public static final int LENGTH = 32;
    /** The environment variable a key may come from. */
    public static final String ENV = "LONGHAUL_KEY";

    private final byte[] bytes;

    private JobKey(final byte[] bytes) {
        this.bytes = bytes;
    }

    /** A fresh random key. */
    public static JobKey random() {
        final byte[] b = new byte[LENGTH];
        new SecureRandom().nextBytes(b);
        return new JobKey(b);
    }

    /** The key of {@code bytes} (copied); exactly {@value #LENGTH} bytes. */
    public static JobKey of(final byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a key is " + LENGTH + " bytes, not " + bytes.length);
        }
        return new JobKey(bytes.clone());
    }

    /**
     * Parses 64 hexadecimal digits (surrounding white space ignored).
     *
     * @param what names the source in the error, e.g. {@code "LONGHAUL_KEY"} or a file name.
     */
    public static JobKey parse(final String text, final String what) {
        final String t = text == null ? "" : text.strip();
        if (t.length() != 2 * LENGTH || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException(what + ": a key is " + 2 * LENGTH + " hexadecimal digits (e.g. from "
                + "'openssl rand -hex 32'), not " + (t.isEmpty() ? "empty" : t.length() + " characters"));
        }
        return new JobKey(HexFormat.of().parseHex(t));
    }

    /** The key in {@value #ENV}, or null when it is unset or blank; a malformed one is an error naming it. */
    public static JobKey fromEnvironment() {
        final String env = System.getenv(ENV);
        return env == null || env.isBlank() ? null : parse(env, ENV);
    }

    /** Reads a key file: 64 hexadecimal digits. */
    public static JobKey load(final Path file) {
        final String text;
        try {
            if (Files.size(file) > 4096) {
                throw new IllegalArgumentException(file + ": not a key file (larger than 4 KiB)");
            }
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (final IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the key file: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** The key as 64 hexadecimal digits, for a key file or {@value #ENV}. */
    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * HMAC-SHA256, under a key derived from this one for {@code purpose} (HKDF), of the {@code parts}
     * in order: a proof that the caller holds the job key, bound to what it covers.
     */
    public byte[] mac(final String purpose, final byte[]... parts) {
        final byte[] k = Hkdf.expand(Hkdf.extract(new byte[0], bytes), purpose.getBytes(java.nio.charset.StandardCharsets.UTF_8), 32);
        int n = 0;
        for (final byte[] p : parts) {
            n += p.length;
        }
        final byte[] all = new byte[n];
        int at = 0;
        for (final byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return Hkdf.hmac(k, all);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof JobKey k && java.security.MessageDigest.isEqual(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "JobKey[32 bytes]";
    }
}
