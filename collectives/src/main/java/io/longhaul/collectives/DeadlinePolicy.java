package io.longhaul.collectives;

import java.util.Arrays;

/**
 * The per-hop time budget of {@link Mode#BOUNDED} operations. Fixed, or adaptive as OptiReduce
 * (NSDI '25) sets its timeouts: from a high percentile of recent completion times. Here each
 * operation yields one sample, the smallest per-hop budget under which every message that did
 * arrive would have been in time (max over received messages of arrival time / hop level), and
 * the budget is {@value #HEADROOM} × the {@value #PERCENTILE} quantile of the last
 * {@value #WINDOW} samples, never below the largest smoothed RTT to a bounded peer. Until the
 * first sample, the budget is the collective timeout divided by the hop count (the first
 * operation effectively waits, and measures).
 *
 * <p>Samples are censored by the budget (nothing is seen arriving after its deadline), so a
 * budget that is too small could never grow back: an operation in which a bounded message missed
 * its deadline entirely (not one byte in time, which random loss alone almost never does to a
 * message of several packets) records {@value #BACKOFF} × its budget instead.
 *
 * <p>Each rank adapts its own budget from what it sees; a {@link Communicator} keeps one policy
 * per size class (power of two of the operation's bytes), since the time of a hop grows with the
 * bytes it carries. Thread-safe.
 */
public final class DeadlinePolicy {
    /** Samples kept. */
    public static final int WINDOW = 32;
    /** Quantile of the samples. */
    public static final double PERCENTILE = 0.95;
    /** Factor over the quantile. */
    public static final double HEADROOM = 1.25;
    /** Factor over the budget recorded when a message missed its deadline entirely. */
    public static final double BACKOFF = 2.0;

    private final long fixedNs;
    private final long[] samples = new long[WINDOW];
    private int count;
    private int next;

    /** @param fixedNs a fixed budget, or {@link CommunicatorConfig#DEADLINE_AUTO}. */
    public DeadlinePolicy(final long fixedNs) {
        this.fixedNs = fixedNs;
    }

    /** @return whether the budget adapts. */
    public boolean isAuto() {
        return fixedNs == CommunicatorConfig.DEADLINE_AUTO;
    }

    /**
     * @param rttFloorNs the largest RTT to a bounded peer (or &lt;= 0 if unknown).
     * @param levels     the operation's hop count.
     * @param timeoutNs  the collective timeout.
     * @return the per-hop budget of the next operation.
     */
    public synchronized long budgetNs(final long rttFloorNs, final int levels, final long timeoutNs) {
        if (!isAuto()) {
            return fixedNs;
        }
        if (count == 0) {
            return Math.max(1, timeoutNs / Math.max(1, levels));
        }
        final long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        final int idx = (int) Math.min(count - 1, Math.ceil(PERCENTILE * count) - 1);
        final long q = sorted[Math.max(0, idx)];
        return Math.max(Math.max(1, rttFloorNs), (long) (q * HEADROOM));
    }

    /** Records one operation's per-hop sample (ignored for a fixed budget or a non-positive sample). */
    public synchronized void record(final long perHopNs) {
        if (isAuto() && perHopNs > 0) {
            samples[next] = perHopNs;
            next = (next + 1) % WINDOW;
            count = Math.min(WINDOW, count + 1);
        }
    }

    /** @return the samples held, oldest first (for tests and reports). */
    public synchronized long[] samples() {
        final long[] out = new long[count];
        for (int i = 0; i < count; i++) {
            out[i] = samples[(next - count + i + WINDOW) % WINDOW];
        }
        return out;
    }
}
