package io.longhaul.collectives;

import java.util.Locale;

/**
 * Reduction operators. {@link #AVG} sums during the collective and divides by the number of ranks
 * once at the end; for integer types that division truncates toward zero (Java {@code /}).
 */
public enum ReduceOp {
    SUM("sum"),
    PROD("prod"),
    MIN("min"),
    MAX("max"),
    AVG("avg");

    private final String ncclName;

    ReduceOp(final String ncclName) {
        this.ncclName = ncclName;
    }

    /** @return the name nccl-tests prints ({@code sum}, {@code prod}, {@code min}, {@code max}, {@code avg}). */
    public String ncclName() {
        return ncclName;
    }

    /** @return the operator applied pairwise while reducing ({@link #SUM} for {@link #AVG}). */
    public ReduceOp combiner() {
        return this == AVG ? SUM : this;
    }

    public static ReduceOp parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final ReduceOp op : values()) {
            if (op.ncclName.equals(n)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown reduction op '" + name + "'; accepted: sum, prod, min, max, avg");
    }
}
