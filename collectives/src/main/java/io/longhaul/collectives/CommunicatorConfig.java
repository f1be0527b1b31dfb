package io.longhaul.collectives;

import java.util.concurrent.TimeUnit;

/**
 * Knobs of a {@link Communicator}. Fluent setters; {@link #validate()} rejects out-of-range values
 * naming the field and the accepted range.
 */
public final class CommunicatorConfig {
    /** Default largest message a schedule sends: 1 MiB. */
    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
    /** Default time a collective may take before it fails: 60 s of the fabric's clock. */
    public static final long DEFAULT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private Algorithm algorithm = Algorithm.AUTO;
    private int chunkBytes = DEFAULT_CHUNK_BYTES;
    private long timeoutNs = DEFAULT_TIMEOUT_NS;

    public Algorithm algorithm() {
        return algorithm;
    }

    /** Forces an algorithm ({@link Algorithm#AUTO}: {@link AlgorithmSelector} decides). */
    public CommunicatorConfig algorithm(final Algorithm value) {
        algorithm = value;
        return this;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    /** Largest message of a schedule; smaller chunks pipeline more finely at more per-message cost. */
    public CommunicatorConfig chunkBytes(final int value) {
        chunkBytes = value;
        return this;
    }

    public long timeoutNs() {
        return timeoutNs;
    }

    /** Time a collective may take (fabric clock) before it fails on this rank and aborts on the others. */
    public CommunicatorConfig timeoutNs(final long value) {
        timeoutNs = value;
        return this;
    }

    public CommunicatorConfig validate() {
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm is null; accepted: auto, ring, rhd, tree, hier");
        }
        if (chunkBytes < 8 || chunkBytes > (1 << 30)) {
            throw new IllegalArgumentException("chunkBytes " + chunkBytes + " is out of range; accepted: [8, 1073741824]");
        }
        if (timeoutNs <= 0) {
            throw new IllegalArgumentException("timeoutNs " + timeoutNs + " is out of range; accepted: > 0");
        }
        return this;
    }

    public CommunicatorConfig copy() {
        return new CommunicatorConfig().algorithm(algorithm).chunkBytes(chunkBytes).timeoutNs(timeoutNs);
    }

    @Override
    public String toString() {
        return "CommunicatorConfig[algorithm=" + algorithm.algorithmName() + ", chunkBytes=" + chunkBytes + ", timeoutNs=" + timeoutNs + "]";
    }
}
