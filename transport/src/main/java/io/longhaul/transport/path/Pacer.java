package io.longhaul.transport.path;

/**
 * The pacer of one path: a token bucket, kept in nanoseconds of credit at the congestion
 * controller's pacing rate, that charges every packet {@code bytes / rate}.
 *
 * <p><b>Quanta.</b> The sender may run up to one send quantum ahead of the rate: a packet may go
 * while the debt is below the quantum ({@link #ready}), so a wake-up sends a whole quantum as one
 * batch (one GSO send), and the next is due when the debt is repaid ({@link #wakeTimeNs}). The
 * average stays the pacing rate and no packet waits for a quantum to fill (as Linux sends a TSO
 * segment of about 1 ms of data at its departure time, not at its end).
 *
 * <p><b>Depth.</b> A sender that wakes late finds the credit it accrued meanwhile and spends it at
 * once, up to the bucket's depth: the driver's measured timer lateness, at least
 * {@value #MIN_BURST_DATAGRAMS} datagrams, with the quantum at most {@code maxBurstNs} of rate and
 * never more than the congestion window. Only credit beyond the depth is lost. A sender held back
 * by the pacer that still lost credit to a full bucket was limited by its host (a late wake-up, a
 * stall, a busy CPU), not by the network: {@link #onSent} reports it, so that the delivery-rate
 * samples of that stretch are marked application-limited and the congestion controller does not
 * learn the host's shortfall as the path's bandwidth.
 *
 * <p>Sans-I/O and allocation-free; not thread-safe (one path's owner drives it).
 */
public final class Pacer {
    /** The bucket always holds at least this many datagrams, so two packets can go back to back. */
    public static final int MIN_BURST_DATAGRAMS = 2;
    /** Largest send quantum: what one GSO send carries. */
    public static final long MAX_QUANTUM_BYTES = 64 * 1024;

    /**
     * The schedule: credit accrues from this time, so the bucket holds
     * {@code min(now - creditFromNs, depth)} ns of credit; negative is debt.
     */
    private long creditFromNs = Long.MIN_VALUE / 4;
    private long leadNs;
    private boolean held;
    private long lostNs;
    private long hostLimitedSends;

    /**
     * The send quantum at a rate: {@code rate * quantumNs}, within [{@value #MIN_BURST_DATAGRAMS}
     * datagrams, {@link #MAX_QUANTUM_BYTES} (or two datagrams if they are larger)].
     */
    public static long quantumBytes(final long rateBytesPerSecond, final long quantumNs, final int datagramBytes) {
        final double bytes = rateBytesPerSecond * (quantumNs * 1e-9);
        final long floor = (long) MIN_BURST_DATAGRAMS * datagramBytes;
        return (long) Math.max(floor, Math.min(bytes, (double) Math.max(MAX_QUANTUM_BYTES, floor)));
    }

    /**
     * How far ahead of the rate a quantum lets the sender run: the quantum less one datagram (the
     * packet that goes at zero debt), in ns at the rate.
     */
    public static long leadNs(final long rateBytesPerSecond, final long quantumBytes, final int datagramBytes) {
        return (long) (Math.max(0, quantumBytes - datagramBytes) * 1e9 / rateBytesPerSecond);
    }

    /**
     * The bucket depth for a rate.
     *
     * @param rateBytesPerSecond the pacing rate (&gt; 0).
     * @param leadNs             the quantum's lead ({@link #leadNs}).
     * @param latenessNs         the driver's measured timer lateness (a high percentile).
     * @param maxBurstNs         upper bound on depth plus lead, in time at the rate.
     * @param windowBytes        the congestion window: a burst never exceeds it.
     * @param datagramBytes      the largest datagram.
     * @return the depth in nanoseconds of credit.
     */
    public static long depthNs(final long rateBytesPerSecond, final long leadNs, final long latenessNs,
                               final long maxBurstNs, final long windowBytes, final int datagramBytes) {
        final double nsPerByte = 1e9 / rateBytesPerSecond;
        double depth = Math.min(Math.max(0, latenessNs), (double) maxBurstNs - leadNs);
        depth = Math.min(depth, Math.max(windowBytes, 0) * nsPerByte - leadNs);
        depth = Math.max(depth, (double) MIN_BURST_DATAGRAMS * datagramBytes * nsPerByte);
        return depth >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 4 : (long) depth;
    }

    /** @return whether a packet may go at {@code nowNs}: the debt is below one quantum. */
    public boolean ready(final long nowNs) {
        return creditFromNs - nowNs <= leadNs;
    }

    /** @return the earliest time {@link #ready} holds: the start of the current quantum's slot. */
    public long readyAtNs() {
        return creditFromNs - leadNs;
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

    /** @return when to wake to send the next quantum: when the debt is repaid. */
    public long wakeTimeNs() {
        return creditFromNs;
    }

    /**
     * Charges a packet sent at {@code nowNs}.
     *
     * @param rateBytesPerSecond the pacing rate; {@code <= 0} or {@link Long#MAX_VALUE} means unpaced.
     * @param leadNs             the quantum's lead ({@link #leadNs}).
     * @param depthNs            the bucket depth ({@link #depthNs}).
     * @return whether pacing credit was lost while the sender was held back, i.e. the host
     *         delivered less than the rate asked for.
     */
    public boolean onSent(final long nowNs, final int bytes, final long rateBytesPerSecond, final long leadNs,
                          final long depthNs) {
        final boolean wasHeld = held;
        held = false;
        if (rateBytesPerSecond <= 0 || rateBytesPerSecond == Long.MAX_VALUE) {
            creditFromNs = nowNs;
            this.leadNs = 0;
            return false;
        }
        this.leadNs = leadNs;
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

    /** @return pacing time lost, in total, to a full bucket while the sender was held back. */
    public long lostNs() {
        return lostNs;
    }

    /** @return sends after which credit had been lost that way. */
    public long hostLimitedSends() {
        return hostLimitedSends;
    }
}
