package io.longhaul.collectives;

/**
 * What one collective call asks for; every rank must pass the same values (checked at run time
 * through the header of every message).
 *
 * @param count   all-reduce and broadcast: elements of the buffer; reduce-scatter: elements each
 *                rank receives; all-gather: elements each rank contributes; barrier: 0.
 * @param root    broadcast root, else -1.
 * @param inPlace whether the input and output are the same memory (the executor then skips the
 *                initial copy).
 */
public record CollectiveSpec(Collective collective, DataType type, ReduceOp op, int count, int root, boolean inPlace) {

    public CollectiveSpec {
        if (count < 0) {
            throw new IllegalArgumentException("count " + count + " is negative; accepted: >= 0");
        }
        if (collective == Collective.BROADCAST && root < 0) {
            throw new IllegalArgumentException("broadcast root " + root + " is negative");
        }
    }

    /** @return elements of the input buffer on each rank, for {@code ranks} ranks. */
    public long inputCount(final int ranks) {
        switch (collective) {
            case REDUCE_SCATTER:
                return (long) count * ranks;
            case BARRIER:
                return 0;
            default:
                return count;
        }
    }

    /** @return elements of the output buffer on each rank, for {@code ranks} ranks. */
    public long outputCount(final int ranks) {
        switch (collective) {
            case ALL_GATHER:
                return (long) count * ranks;
            case BARRIER:
                return 0;
            default:
                return count;
        }
    }
}
