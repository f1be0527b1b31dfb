package io.longhaul.collectives;

/**
 * What one rank saw of one collective: how much of what it expected arrived, how many of its
 * output elements are estimates rather than exact values, and the budget it ran with. Reliable
 * operations report everything received and nothing affected.
 *
 * @param rank              the reporting rank.
 * @param mode              the mode the operation ran in.
 * @param stepBudgetNs      per-hop budget (bounded mode), else 0.
 * @param levels            hops of this rank's longest chain (bounded mode), else 0.
 * @param durationNs        start to completion on this rank's fabric clock.
 * @param expectedBytes     payload bytes of every message this rank was to receive.
 * @param receivedBytes     payload bytes of them that arrived in time (an element arrived when all its bytes did).
 * @param messages          messages this rank was to receive.
 * @param partialMessages   of which arrived with holes.
 * @param missedMessages    of which nothing arrived in time.
 * @param elements          output elements.
 * @param affectedElements  output elements not computed from every contribution: for sum and avg
 *                          rescaled estimates, for min/max/prod the op over the contributions that
 *                          arrived, for all-gather filled with zeros; with the Hadamard transform,
 *                          every element of a block that had an affected coordinate.
 * @param countTablesTruncated messages sent whose contribution-count table overflowed (their tail
 *                          was sent as not contributing).
 */
public record OperationReport(int rank, Mode mode, long stepBudgetNs, int levels, long durationNs, long expectedBytes,
                              long receivedBytes, int messages, int partialMessages, int missedMessages, long elements,
                              long affectedElements, int countTablesTruncated) {

    /** @return receivedBytes / expectedBytes (1 when nothing was expected). */
    public double receivedFraction() {
        return expectedBytes == 0 ? 1.0 : (double) receivedBytes / expectedBytes;
    }

    /** @return the same report with {@code affected} elements. */
    public OperationReport withAffected(final long affected) {
        return new OperationReport(rank, mode, stepBudgetNs, levels, durationNs, expectedBytes, receivedBytes, messages,
            partialMessages, missedMessages, elements, affected, countTablesTruncated);
    }
}
