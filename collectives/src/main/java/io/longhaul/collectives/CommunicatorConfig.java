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

    /** {@link #deadlineNs} value meaning "adapt from recent operations". */
    public static final long DEADLINE_AUTO = 0;
    /** Smallest fixed per-step budget: 10 us. */
    public static final long MIN_DEADLINE_NS = TimeUnit.MICROSECONDS.toNanos(10);
    /** Largest fixed per-step budget: 10 min. */
    public static final long MAX_DEADLINE_NS = TimeUnit.MINUTES.toNanos(10);
    /** Largest Hadamard block: 2^20 elements. */
    public static final int MAX_HADAMARD_BLOCK = 1 << 20;
    /** Default Hadamard block: 2^16 elements (256 KiB of float32, about 185 packets of 1420 bytes). */
    public static final int DEFAULT_HADAMARD_BLOCK = 1 << 16;

    private Algorithm algorithm = Algorithm.AUTO;
    private int chunkBytes = DEFAULT_CHUNK_BYTES;
    private long timeoutNs = DEFAULT_TIMEOUT_NS;
    private Mode mode = Mode.RELIABLE;
    private long deadlineNs = DEADLINE_AUTO;
    private BoundedScope boundedScope = BoundedScope.AUTO;
    private boolean hadamard;
    private int hadamardBlock = DEFAULT_HADAMARD_BLOCK;
    private long hadamardSeed = 1;

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

    public Mode mode() {
        return mode;
    }

    /** Reliable (exact) or bounded-time (loss-tolerant) all-reduce, reduce-scatter and all-gather. */
    public CommunicatorConfig mode(final Mode value) {
        mode = value;
        return this;
    }

    /** @return the per-step time budget of {@link Mode#BOUNDED}, or {@link #DEADLINE_AUTO}. */
    public long deadlineNs() {
        return deadlineNs;
    }

    /**
     * Time budget of one step (one message hop) in {@link Mode#BOUNDED}: the message of hop k of
     * an operation started at t must be at its receiver by t + k·budget. {@link #DEADLINE_AUTO}
     * adapts it from recent operations (see {@link DeadlinePolicy}).
     */
    public CommunicatorConfig deadlineNs(final long value) {
        deadlineNs = value;
        return this;
    }

    public BoundedScope boundedScope() {
        return boundedScope;
    }

    /** Which steps {@link Mode#BOUNDED} bounds (the others stay reliable). */
    public CommunicatorConfig boundedScope(final BoundedScope value) {
        boundedScope = value;
        return this;
    }

    public boolean hadamard() {
        return hadamard;
    }

    /**
     * Spreads each lost packet over a block of coordinates with a seeded randomized Hadamard
     * transform before a bounded all-reduce and inverts it after (float32 and float64, sum and avg).
     */
    public CommunicatorConfig hadamard(final boolean value) {
        hadamard = value;
        return this;
    }

    public int hadamardBlock() {
        return hadamardBlock;
    }

    /** Largest block of the transform, a power of two in [2, {@link #MAX_HADAMARD_BLOCK}]. */
    public CommunicatorConfig hadamardBlock(final int value) {
        hadamardBlock = value;
        return this;
    }

    public long hadamardSeed() {
        return hadamardSeed;
    }

    /** Seed of the transform's random signs; every rank must use the same. */
    public CommunicatorConfig hadamardSeed(final long value) {
        hadamardSeed = value;
        return this;
    }

    public CommunicatorConfig validate() {
        if (mode == null) {
            throw new IllegalArgumentException("mode is null; accepted: reliable, bounded");
        }
        if (boundedScope == null) {
            throw new IllegalArgumentException("boundedScope is null; accepted: auto, inter, all");
        }
        if (deadlineNs != DEADLINE_AUTO && (deadlineNs < MIN_DEADLINE_NS || deadlineNs > MAX_DEADLINE_NS)) {
            throw new IllegalArgumentException("deadline " + deadlineNs + " ns is out of range; accepted: auto, or 10us to 10min");
        }
        if (hadamardBlock < 2 || hadamardBlock > MAX_HADAMARD_BLOCK || Integer.bitCount(hadamardBlock) != 1) {
            throw new IllegalArgumentException("hadamardBlock " + hadamardBlock + " is out of range; accepted: a power of two from 2 to "
                + MAX_HADAMARD_BLOCK);
        }
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
        return new CommunicatorConfig().algorithm(algorithm).chunkBytes(chunkBytes).timeoutNs(timeoutNs).mode(mode)
            .deadlineNs(deadlineNs).boundedScope(boundedScope).hadamard(hadamard).hadamardBlock(hadamardBlock)
            .hadamardSeed(hadamardSeed);
    }

    @Override
    public String toString() {
        return "CommunicatorConfig[algorithm=" + algorithm.algorithmName() + ", chunkBytes=" + chunkBytes + ", timeoutNs=" + timeoutNs
            + (mode == Mode.BOUNDED ? ", mode=bounded, deadline=" + (deadlineNs == DEADLINE_AUTO ? "auto" : deadlineNs + "ns")
                + ", bounded=" + boundedScope.scopeName() + (hadamard ? ", hadamard block " + hadamardBlock : "") : "") + "]";
    }
}
