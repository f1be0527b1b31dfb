package io.longhaul.transport.recovery;

/**
 * The receiver's record of which packet numbers arrived on one path, kept as at most
 * {@code capacity} disjoint ranges in descending order (the newest ranges; older ones are
 * forgotten once the sender has had many chances to see them), and the delayed-ACK state that
 * decides when the next ACK is due.
 */
public final class ReceivedPacketTracker {
    private final long[] lo;
    private final long[] hi;
    private int count;
    private long largestReceivedTimeNs;
    private int unackedElicitingPackets;
    private long firstUnackedTimeNs;
    private boolean ackImmediately;

    public ReceivedPacketTracker(final int capacity) {
        lo = new long[capacity];
        hi = new long[capacity];
    }

    /**
     * Records an arrival.
     *
     * @return false if the packet number was already recorded (a duplicate).
     */
    public boolean onPacket(final long packetNumber, final long nowNs, final boolean ackEliciting) {
        final boolean fresh = insert(packetNumber, nowNs);
        if (!fresh) {
            ackImmediately = true;
            return false;
        }
        if (ackEliciting) {
            if (unackedElicitingPackets == 0) {
                firstUnackedTimeNs = nowNs;
            }
            unackedElicitingPackets++;
        }
        return true;
    }

    private boolean insert(final long pn, final long nowNs) {
        if (count == 0) {
            lo[0] = pn;
            hi[0] = pn;
            count = 1;
            largestReceivedTimeNs = nowNs;
            return true;
        }
        if (pn > hi[0]) {
            largestReceivedTimeNs = nowNs;
            if (pn == hi[0] + 1) {
                hi[0] = pn;
            } else {
                // A gap: the sender should hear about it at once.
                ackImmediately = true;
                shiftDown(0);
                lo[0] = pn;
                hi[0] = pn;
            }
            return true;
        }
        // Older than the largest: out of order, a retransmission of a hole, or a duplicate.
        ackImmediately = true;
        for (int i = 0; i < count; i++) {
            if (pn > hi[i]) {
                // Falls in the gap above range i (and below range i - 1).
                if (pn == hi[i] + 1) {
                    hi[i] = pn;
                    if (i > 0 && hi[i] + 1 == lo[i - 1]) {
                        lo[i - 1] = lo[i];
                        removeAt(i);
                    }
                } else if (i > 0 && pn + 1 == lo[i - 1]) {
                    lo[i - 1] = pn;
                } else {
                    shiftDown(i);
                    lo[i] = pn;
                    hi[i] = pn;
                }
                return true;
            }
            if (pn >= lo[i]) {
                return false;
            }
        }
        // Below every range we remember.
        if (pn + 1 == lo[count - 1]) {
            lo[count - 1] = pn;
            return true;
        }
        if (count < lo.length) {
            lo[count] = pn;
            hi[count] = pn;
            count++;
            return true;
        }
        // Older than anything we still track: we cannot tell, accept it once more.
        return true;
    }

    private void shiftDown(final int at) {
        final int last = Math.min(count, lo.length - 1);
        System.arraycopy(lo, at, lo, at + 1, last - at);
        System.arraycopy(hi, at, hi, at + 1, last - at);
        if (count < lo.length) {
            count++;
        }
    }

    private void removeAt(final int at) {
        System.arraycopy(lo, at + 1, lo, at, count - at - 1);
        System.arraycopy(hi, at + 1, hi, at, count - at - 1);
        count--;
    }

    /** Asks for the next ACK to go out at once (the packet just recorded completed a message). */
    public void ackImmediately() {
        ackImmediately = true;
    }

    /** @return whether an ACK should go out now (immediately due or after {@code maxAckDelayNs}). */
    public boolean ackDue(final long nowNs, final int ackEveryPackets, final long maxAckDelayNs) {
        if (unackedElicitingPackets == 0) {
            return false;
        }
        return ackImmediately || unackedElicitingPackets >= ackEveryPackets || nowNs - firstUnackedTimeNs >= maxAckDelayNs;
    }

    /** @return when the delayed ACK falls due, or {@link Long#MAX_VALUE} if none is pending. */
    public long ackDeadlineNs(final long maxAckDelayNs) {
        return unackedElicitingPackets == 0 ? Long.MAX_VALUE : firstUnackedTimeNs + maxAckDelayNs;
    }

    /** Copies up to {@code max} newest ranges, descending, and resets the delayed-ACK state. */
    public int drainRanges(final long[] outLo, final long[] outHi, final int max) {
        final int n = Math.min(max, count);
        System.arraycopy(lo, 0, outLo, 0, n);
        System.arraycopy(hi, 0, outHi, 0, n);
        unackedElicitingPackets = 0;
        ackImmediately = false;
        return n;
    }

    public long largestReceivedTimeNs() {
        return largestReceivedTimeNs;
    }

}
