package io.longhaul.transport.path;

/**
 * How late the driver's timers fire: a decaying maximum of {@code fire time - deadline}, which the
 * {@link Pacer} adds to its depth so that a sender woken that late still finds the credit it is
 * owed. The maximum follows a worse sample at once and forgets it by {@code 1/}{@value #DECAY_DIVISOR}
 * of its value per sample (about 180 samples to halve), so one stall does not widen bursts for long,
 * while a machine that is late all the time keeps a large enough bucket.
 *
 * <p>Not thread-safe: the event loop that owns the timer records into it.
 */
public final class TimerLateness {
    /** Each sample lowers the estimate by this fraction of itself before taking the maximum. */
    public static final int DECAY_DIVISOR = 256;

    private long estimateNs;
    private long samples;
    private long maxNs;

    /** Records one timer that was due at {@code deadlineNs} and ran at {@code firedNs}. */
    public void record(final long deadlineNs, final long firedNs) {
        final long late = Math.max(0, firedNs - deadlineNs);
        estimateNs = Math.max(late, estimateNs - estimateNs / DECAY_DIVISOR);
        maxNs = Math.max(maxNs, late);
        samples++;
    }

    /** @return the current estimate of how late a timer fires. */
    public long estimateNs() {
        return estimateNs;
    }

    /** @return the largest lateness seen. */
    public long maxNs() {
        return maxNs;
    }

    public long samples() {
        return samples;
    }
}
