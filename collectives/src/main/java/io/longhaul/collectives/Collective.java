package io.longhaul.collectives;

/**
 * The collective operations, with the nccl-tests bus-bandwidth factor of each: the fraction of
 * the data that crosses the busiest link of an optimal algorithm, so that bus bandwidth compares
 * with link speed whatever the rank count.
 */
public enum Collective {
    ALL_REDUCE("all_reduce"),
    REDUCE_SCATTER("reduce_scatter"),
    ALL_GATHER("all_gather"),
    BROADCAST("broadcast"),
    BARRIER("barrier");

    private final String ncclName;

    Collective(final String ncclName) {
        this.ncclName = ncclName;
    }

    /** @return the nccl-tests name ({@code all_reduce}, {@code reduce_scatter}, ...). */
    public String ncclName() {
        return ncclName;
    }

    /** @return whether the collective applies a {@link ReduceOp}. */
    public boolean reduces() {
        return this == ALL_REDUCE || this == REDUCE_SCATTER;
    }

    /**
     * @return busbw / algbw for {@code ranks} ranks: all-reduce 2(n-1)/n, reduce-scatter and
     * all-gather (n-1)/n, broadcast 1, barrier 0.
     */
    public double busBandwidthFactor(final int ranks) {
        switch (this) {
            case ALL_REDUCE:
                return 2.0 * (ranks - 1) / ranks;
            case REDUCE_SCATTER:
            case ALL_GATHER:
                return (double) (ranks - 1) / ranks;
            case BROADCAST:
                return 1.0;
            default:
                return 0.0;
        }
    }

    public static Collective parse(final String name) {
        final String n = name.trim().toLowerCase(java.util.Locale.ROOT).replace('-', '_');
        for (final Collective c : values()) {
            if (c.ncclName.equals(n) || c.ncclName.replace("_", "").equals(n)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown collective '" + name
            + "'; accepted: all_reduce, reduce_scatter, all_gather, broadcast, barrier");
    }
}
