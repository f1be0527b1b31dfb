package io.longhaul.collectives;

import java.util.Locale;

/** Collective algorithms, selectable by name ({@code ring}, {@code rhd}, {@code tree}, {@code hier}) or {@code auto}. */
public enum Algorithm {
    /** Let {@link AlgorithmSelector} choose by size and topology. */
    AUTO("auto"),
    /** Ring: reduce-scatter then all-gather around a ring, chunked and pipelined; bandwidth-optimal. */
    RING("ring"),
    /**
     * Recursive halving-doubling (Rabenseifner): reduce-scatter by recursive halving, all-gather by
     * recursive doubling, 2·log2(p) steps; non-powers of two fold the extra ranks into partners first.
     */
    RHD("rhd"),
    /** Binomial tree: reduce to a root, then broadcast; chunked so levels pipeline. For small messages. */
    TREE("tree"),
    /**
     * Hierarchical multi-DC: reduce-scatter inside each DC, all-reduce across DCs among the ranks
     * holding the same shard, all-gather inside each DC.
     */
    HIER("hier");

    private final String algorithmName;

    Algorithm(final String algorithmName) {
        this.algorithmName = algorithmName;
    }

    public String algorithmName() {
        return algorithmName;
    }

    public static Algorithm parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final Algorithm a : values()) {
            if (a.algorithmName.equals(n)) {
                return a;
            }
        }
        if (n.equals("halving-doubling") || n.equals("rabenseifner")) {
            return RHD;
        }
        throw new IllegalArgumentException("unknown algorithm '" + name + "'; accepted: auto, ring, rhd, tree, hier");
    }
}
