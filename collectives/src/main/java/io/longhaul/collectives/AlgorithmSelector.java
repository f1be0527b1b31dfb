package io.longhaul.collectives;

/**
 * Chooses an algorithm when the caller asks for {@link Algorithm#AUTO}. The choice depends only on
 * values every rank agrees on (collective, message bytes, topology), so all ranks pick the same.
 *
 * <p>All-reduce:
 * <ul>
 *   <li>one rank: {@link Algorithm#RING} (a local copy);</li>
 *   <li>several DCs, at least one holding several ranks: {@link Algorithm#HIER}, whatever the size:
 *       a flat ring pays the long-haul round trip in each of its 2(n-1) steps and sends 2(n-1)/n of
 *       the data over every long-haul link, the hierarchy only 2(D-1) long-haul steps with 1/M of it;</li>
 *   <li>up to {@value #TREE_MAX_BYTES} bytes: {@link Algorithm#TREE} (2·⌈log2 n⌉ latency terms);</li>
 *   <li>up to {@value #RHD_MAX_BYTES} bytes: {@link Algorithm#RHD} (2·log2 p latency terms and
 *       bandwidth-optimal for powers of two);</li>
 *   <li>larger: {@link Algorithm#RING} (bandwidth-optimal, pipelined in chunks).</li>
 * </ul>
 * Broadcast: {@link Algorithm#TREE} up to {@value #RHD_MAX_BYTES} bytes, else the pipelined chain
 * ({@link Algorithm#RING}). Reduce-scatter and all-gather: {@link Algorithm#RING}. Barrier: a
 * dissemination barrier, whatever is asked.
 */
public final class AlgorithmSelector {
    /** All-reduce messages up to this size use the binomial tree. */
    public static final long TREE_MAX_BYTES = 64 * 1024;
    /** All-reduce messages up to this size (and above {@link #TREE_MAX_BYTES}) use recursive halving-doubling. */
    public static final long RHD_MAX_BYTES = 1024 * 1024;

    private AlgorithmSelector() {
    }

    /**
     * @param requested the caller's choice; anything but {@link Algorithm#AUTO} is honoured where the
     *                  collective implements it (see {@link #resolve}).
     * @param bytes     the message size: all-reduce and broadcast count × element size.
     */
    public static Algorithm select(final Collective collective, final Algorithm requested, final long bytes,
                                   final Topology topology) {
        if (requested != Algorithm.AUTO) {
            return resolve(collective, requested);
        }
        final int n = topology.size();
        switch (collective) {
            case ALL_REDUCE:
                if (n == 1) {
                    return Algorithm.RING;
                }
                if (isMultiDc(topology)) {
                    return Algorithm.HIER;
                }
                if (bytes <= TREE_MAX_BYTES) {
                    return Algorithm.TREE;
                }
                return bytes <= RHD_MAX_BYTES ? Algorithm.RHD : Algorithm.RING;
            case BROADCAST:
                return bytes <= RHD_MAX_BYTES ? Algorithm.TREE : Algorithm.RING;
            default:
                return Algorithm.RING;
        }
    }

    /**
     * Maps an explicit request to what the collective implements: all-reduce implements all four;
     * broadcast implements {@code tree} and {@code ring} (a pipelined chain), {@code rhd} and
     * {@code hier} run the tree; reduce-scatter and all-gather run the ring whatever is asked;
     * barrier always runs the dissemination barrier (reported as {@code tree}).
     */
    public static Algorithm resolve(final Collective collective, final Algorithm requested) {
        switch (collective) {
            case ALL_REDUCE:
                return requested == Algorithm.AUTO ? Algorithm.RING : requested;
            case BROADCAST:
                return requested == Algorithm.RING ? Algorithm.RING : Algorithm.TREE;
            case BARRIER:
                return Algorithm.TREE;
            default:
                return Algorithm.RING;
        }
    }

    /** @return whether the topology has several DCs and at least one of them several ranks. */
    public static boolean isMultiDc(final Topology topology) {
        if (topology.dcCount() < 2) {
            return false;
        }
        for (int d = 0; d < topology.dcCount(); d++) {
            if (topology.ranksIn(d).length > 1) {
                return true;
            }
        }
        return false;
    }
}
