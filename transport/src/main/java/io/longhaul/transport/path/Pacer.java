package io.longhaul.transport.path;

/**
 * The pacer of one path: a token bucket, kept in nanoseconds of credit at the congestion
 * controller's pacing rate, that lets a packet go while the balance is not negative and charges
 * it {@code bytes / rate}.
 *
 * <p>Its depth is what makes it hold its rate on a late clock. A sender that wakes late finds the
 * credit it accrued meanwhile and spends it at once, up to the depth; only credit beyond the depth
 * is lost. The depth is {@code quantum + timer lateness} of rate (the sender is woken when a send
 * quantum is due, and may be woken as late as the driver's measured lateness), at least
 * {@value #MIN_BURST_DATAGRAMS} datagrams, at most {@code maxBurstNs} of rate and never more than
 * the congestion window. A sender held back by the pacer that still lost credit to a full bucket
 * was limited by its host (a late wake-up, a stall, a busy CPU), not by the network: {@link #onSent}
 * reports it, so that the delivery-rate samples of that stretch are marked application-limited
 * and the congestion controller does not learn the host's shortfall as the path's bandwidth.
 *
 * <p>Timer wake-ups are asked for a whole send quantum at a time ({@link #wakeTimeNs}): the
 * packets of one quantum leave in one batch (one GSO send), instead of one wake-up per packet.
 *
 * <p>Sans-I/O and allocation-free; not thread-safe (one path's owner drives it).
 */
public final class Pacer {
    /** The bucket always holds at least this many datagrams, so two packets can go back to back. */
    public static final int MIN_BURST_DATAGRAMS = 2;
    /** Largest send quantum: what one GSO send carries. */
    public static final long MAX_QUANTUM_BYTES = 64 * 1024;

    /** Time from which credit accrues: the bucket holds {@code min(now - creditFromNs, depth)} ns. */
    private long creditFromNs = Long.MIN_VALUE / 4;
    private boolean held;
    private long depthNs;
    private long lostNs;
    private long hostLimitedSends;

    /**
     * The bucket depth for a rate.
     *
     * @param rateBytesPerSecond the pacing rate (&gt; 0).
     * @param quantumBytes       the send quantum ({@link #quantumBytes}).
     * @param latenessNs         the driver's measured timer lateness (a high percentile).
     * @param maxBurstNs         upper bound, in time at the rate.
     * @param windowBytes        the congestion window: a burst never exceeds it.
     * @param datagramBytes      the largest datagram.
     * @return the depth in nanoseconds of credit.
     */
    public static long depthNs(final long rateBytesPerSecond, final long quantumBytes, final long latenessNs,
                               final long maxBurstNs, final long windowBytes, final int datagramBytes) {
        final double nsPerByte = 1e9 / rateBytesPerSecond;
        final double quantumNs = quantumBytes * nsPerByte;
        double depth = Math.min(quantumNs + Math.max(0, latenessNs), (double) maxBurstNs);
        depth = Math.min(depth, Math.max(windowBytes, 0) * nsPerByte);
        depth = Math.max(depth, (double) MIN_BURST_DATAGRAMS * datagramBytes * nsPerByte);
        return depth >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 4 : (long) depth;
    }

    /**
     * The send quantum at a rate: {@code rate * quantumNs}, within [{@value #MIN_BURST_DATAGRAMS}
     * datagrams, {@link #MAX_QUANTUM_BYTES} (or two datagrams if they are larger)].
     */
    public static long quantumBytes(final long rateBytesPerSecond, final long quantumNs, final int datagramBytes) {
        final double bytes = rateBytesPerSecond * (quantumNs * 1e-9);
        final long floor = (long) MIN_BURST_DATAGRAMS * datagramBytes;
        return (long) Math.max(floor, Math.min(bytes, (double) Math.max(MAX_QUANTUM_BYTES, floor)));
    }

    /** @return whether a packet may go at {@code nowNs}. */
    public boolean ready(final long nowNs) {
        return creditFromNs - nowNs <= 0;
    }

    /**
     * The sender has a packet and congestion-window room but this pacer holds it back; credit the
     * bucket loses from now until the next send is the host's fault.
     */
    public void hold() {
        held = true;
    }

    /** The sender is held back by something else (no data, no window): a full bucket is nobody's loss. */
    public void release() {
        held = false;
    }

    /**
     * When to wake to send the next quantum: once {@code quantumBytes} of credit has accrued
     * (so the wake-up sends a batch), but no later than the bucket fills.
     */
    public long wakeTimeNs(final long rateBytesPerSecond, final long quantumBytes, final int datagramBytes) {
        final long waitNs = (long) (Math.max(0, quantumBytes - datagramBytes) * 1e9 / rateBytesPerSecond);
        return creditFromNs + Math.min(waitNs, Math.max(0, depthNs - 1));
    }

    /**
     * Charges a packet sent at {@code nowNs}.
     *
     * @param rateBytesPerSecond the pacing rate; {@code <= 0} or {@link Long#MAX_VALUE} means unpaced.
     * @param depthNs            the bucket depth ({@link #depthNs}).
     * @return whether pacing credit was lost while the sender was held back, i.e. the host
     *         delivered less than the rate asked for.
     */
    public boolean onSent(final long nowNs, final int bytes, final long rateBytesPerSecond, final long depthNs) {
        final boolean wasHeld = held;
        held = false;
        if (rateBytesPerSecond <= 0 || rateBytesPerSecond == Long.MAX_VALUE) {
            creditFromNs = nowNs;
            return false;
        }
        this.depthNs = depthNs;
        final long fullAt = nowNs - depthNs;
        long start = creditFromNs;
        boolean lost = false;
        if (fullAt - start > 0) {
            if (wasHeld) {
                lostNs += fullAt - start;
                hostLimitedSends++;
                lost = true;
            }
            start = fullAt;
        }
        creditFromNs = start + (long) (bytes * 1e9 / rateBytesPerSecond);
        return lost;
    }

    /** @return when the next packet may go. */
    public long nextSendTimeNs() {
        return creditFromNs;
    }

    /** @return the depth last used. */
    public long lastDepthNs() {
        return depthNs;
    }

    /** @return pacing time lost, in total, to a full bucket while the sender was held back. */
    public long lostNs() {
        return lostNs;
    }

    /** @return sends after which credit had been lost that way. */
    public long hostLimitedSends() {
        return hostLimitedSends;
    }
}
