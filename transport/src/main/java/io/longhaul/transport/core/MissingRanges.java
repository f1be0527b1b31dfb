package io.longhaul.transport.core;

import java.util.Arrays;

/**
 * The byte ranges of a deadline message that never arrived, in increasing order, disjoint and not
 * adjacent. Empty for a complete message.
 */
public final class MissingRanges {
    /** The shared empty instance. */
    public static final MissingRanges NONE = new MissingRanges(new long[0], new long[0], 0);

    private final long[] offsets;
    private final long[] lengths;
    private final int count;

    MissingRanges(final long[] offsets, final long[] lengths, final int count) {
        this.offsets = offsets;
        this.lengths = lengths;
        this.count = count;
    }

    /** Builds ranges from offset/length pairs (tests and drivers). */
    public static MissingRanges of(final long... offsetLengthPairs) {
        if (offsetLengthPairs.length % 2 != 0) {
            throw new IllegalArgumentException("offset/length pairs expected");
        }
        final int n = offsetLengthPairs.length / 2;
        final long[] o = new long[n];
        final long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            o[i] = offsetLengthPairs[2 * i];
            l[i] = offsetLengthPairs[2 * i + 1];
        }
        return new MissingRanges(o, l, n);
    }

    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public long offset(final int i) {
        return offsets[i];
    }

    public long length(final int i) {
        return lengths[i];
    }

    public long missingBytes() {
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += lengths[i];
        }
        return sum;
    }

    /** @return whether byte {@code at} is inside a missing range. */
    public boolean contains(final long at) {
        for (int i = 0; i < count; i++) {
            if (at >= offsets[i] && at < offsets[i] + lengths[i]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(final Object o) {
        if (!(o instanceof MissingRanges)) {
            return false;
        }
        final MissingRanges other = (MissingRanges) o;
        return count == other.count
            && Arrays.equals(offsets, 0, count, other.offsets, 0, count)
            && Arrays.equals(lengths, 0, count, other.lengths, 0, count);
    }

    @Override
    public int hashCode() {
        int h = count;
        for (int i = 0; i < count; i++) {
            h = 31 * h + Long.hashCode(offsets[i]);
            h = 31 * h + Long.hashCode(lengths[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(offsets[i]).append('+').append(lengths[i]);
        }
        return sb.append(']').toString();
    }
}
