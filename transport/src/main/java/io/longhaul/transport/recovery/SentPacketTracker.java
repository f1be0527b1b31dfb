package io.longhaul.transport.recovery;

/**
 * The sender's record of the packets in flight on one path: a ring indexed by packet number, so a
 * packet is found in O(1), plus a union-find "next packet not yet acknowledged" link per slot, so
 * that processing an ACK costs O(ranges + newly acknowledged packets) however large the window is
 * (10^5 packets in flight at 1000 km is the normal case, and the same SACK ranges are repeated in
 * many ACKs).
 *
 * <p>Loss detection follows RFC 9002 section 6.1: a packet is lost when a packet sent
 * {@code packetThreshold} numbers later was acknowledged, or when a later packet was acknowledged
 * and it was itself sent more than the loss delay ago (RACK-style, so reordering shorter than the
 * loss delay is tolerated). The scan starts at the
 * oldest packet still in flight and stops at the first one that is not yet lost, so its cost is
 * O(newly lost) amortised.
 *
 * <p>Delivery-rate samples follow draft-cheng-iccrg-delivery-rate-estimation: each packet
 * remembers how much had been delivered when it left, and the newest acknowledged packet of an ACK
 * yields {@code delivered / max(send interval, ack interval)}.
 *
 * @param <M> what the owner attaches to each packet (the message a DATA packet carries).
 */
public final class SentPacketTracker<M> {
    /** What happens to acknowledged and lost packets. */
    public interface Listener<M> {
        /** A packet carrying {@code chunk} of {@code message} was acknowledged for the first time. */
        void onAcked(M message, int chunk, boolean wasDeclaredLost);

        /** A packet carrying {@code chunk} of {@code message} was declared lost. */
        void onLost(M message, int chunk);
    }

    private static final byte FREE = 0;
    private static final byte IN_FLIGHT = 1;
    private static final byte ACKED = 2;
    private static final byte LOST = 3;

    private final int maxCapacity;
    private int mask;
    private byte[] state;
    private long[] sentTimeNs;
    private int[] bytes;
    private Object[] message;
    private int[] chunk;
    private long[] next;
    private long[] deliveredAtSend;
    private long[] deliveredTimeAtSend;
    private long[] firstSentTimeAtSend;
    private long[] inflightAtSend;
    private boolean[] appLimitedAtSend;

    private long base;
    private long nextPacketNumber;
    private long largestAcked = -1;
    private long lossScan;
    private long bytesInFlight;
    private int packetsInFlight;
    private long lastSentTimeNs;
    /** Packets below this number were sent on an earlier route: they count for neither delivery nor rate samples. */
    private long rateEpochStart;

    // Delivery-rate state.
    private long delivered;
    private long deliveredTimeNs;
    private long firstSentTimeNs;
    private long appLimitedUntil;

    // Results of the last ACK.
    private long ackedBytes;
    private long latestRttNs;
    private long largestNewlyAckedSentTimeNs;
    private long rsPriorDelivered;
    private long rsPriorTimeNs;
    private long rsSendElapsedNs;
    private long rsAckElapsedNs;
    private boolean rsAppLimited;
    private long rsNewestSentTimeNs;
    private long spuriousRetransmissions;

    // Results of the last loss pass.
    private long lostBytes;
    private int lostPackets;
    private long largestLostSentTimeNs;
    private long lostInflightAtSend;
    private long totalLostPackets;
    private long lossTimeNs = Long.MAX_VALUE;

    public SentPacketTracker(final int initialCapacity, final int maxCapacity) {
        if (Integer.bitCount(initialCapacity) != 1 || Integer.bitCount(maxCapacity) != 1 || initialCapacity > maxCapacity) {
            throw new IllegalArgumentException("capacities must be powers of two, initial <= max: " + initialCapacity + ", " + maxCapacity);
        }
        this.maxCapacity = maxCapacity;
        allocate(initialCapacity);
    }

    private void allocate(final int capacity) {
        mask = capacity - 1;
        state = new byte[capacity];
        sentTimeNs = new long[capacity];
        bytes = new int[capacity];
        message = new Object[capacity];
        chunk = new int[capacity];
        next = new long[capacity];
        deliveredAtSend = new long[capacity];
        deliveredTimeAtSend = new long[capacity];
        firstSentTimeAtSend = new long[capacity];
        inflightAtSend = new long[capacity];
        appLimitedAtSend = new boolean[capacity];
    }

    private void grow() {
        final int oldCapacity = mask + 1;
        final byte[] oState = state;
        final long[] oSent = sentTimeNs;
        final int[] oBytes = bytes;
        final Object[] oMessage = message;
        final int[] oChunk = chunk;
        final long[] oNext = next;
        final long[] oDelivered = deliveredAtSend;
        final long[] oDeliveredTime = deliveredTimeAtSend;
        final long[] oFirstSent = firstSentTimeAtSend;
        final long[] oInflight = inflightAtSend;
        final boolean[] oAppLimited = appLimitedAtSend;
        final int oldMask = mask;
        allocate(oldCapacity * 2);
        for (long pn = base; pn < nextPacketNumber; pn++) {
            final int from = (int) (pn & oldMask);
            final int to = slot(pn);
            state[to] = oState[from];
            sentTimeNs[to] = oSent[from];
            bytes[to] = oBytes[from];
            message[to] = oMessage[from];
            chunk[to] = oChunk[from];
            next[to] = oNext[from];
            deliveredAtSend[to] = oDelivered[from];
            deliveredTimeAtSend[to] = oDeliveredTime[from];
            firstSentTimeAtSend[to] = oFirstSent[from];
            inflightAtSend[to] = oInflight[from];
            appLimitedAtSend[to] = oAppLimited[from];
        }
    }

    private int slot(final long pn) {
        return (int) (pn & mask);
    }

    /** @return whether another packet number can be tracked without exceeding the maximum capacity. */
    public boolean hasCapacity() {
        return nextPacketNumber - base < maxCapacity;
    }

    /**
     * Records a packet that counts toward bytes in flight.
     *
     * @param msg   what the packet carries, or null (a probe)
     * @param chnk  the chunk index, or -1
     * @return the packet's number.
     */
    public long onSent(final long nowNs, final int size, final M msg, final int chnk) {
        if (nextPacketNumber - base > mask) {
            if (mask + 1 >= maxCapacity) {
                throw new IllegalStateException("more than " + maxCapacity + " packets in flight");
            }
            grow();
        }
        if (packetsInFlight == 0) {
            firstSentTimeNs = nowNs;
            deliveredTimeNs = nowNs;
        }
        final long pn = nextPacketNumber++;
        final int s = slot(pn);
        state[s] = IN_FLIGHT;
        sentTimeNs[s] = nowNs;
        bytes[s] = size;
        message[s] = msg;
        chunk[s] = chnk;
        next[s] = pn + 1;
        deliveredAtSend[s] = delivered;
        deliveredTimeAtSend[s] = deliveredTimeNs;
        firstSentTimeAtSend[s] = firstSentTimeNs;
        appLimitedAtSend[s] = appLimitedUntil > 0;
        bytesInFlight += size;
        inflightAtSend[s] = bytesInFlight;
        packetsInFlight++;
        lastSentTimeNs = nowNs;
        return pn;
    }

    /**
     * The path moved to another route (a new source port, so maybe another ECMP link): packets sent
     * before now are acknowledged as usual but count for neither the delivered total nor
     * delivery-rate samples. Otherwise a packet on the new route, acknowledged while the old
     * route's packets drain, would measure both routes' deliveries as its own rate.
     */
    public void startRateEpoch() {
        rateEpochStart = nextPacketNumber;
    }

    /** The sender ran out of data while the window had room: samples taken now are app-limited. */
    public void onAppLimited() {
        appLimitedUntil = Math.max(1, delivered + bytesInFlight);
    }

    /** Starts processing one ACK block. */
    public void beginAck() {
        ackedBytes = 0;
        latestRttNs = -1;
        largestNewlyAckedSentTimeNs = -1;
        rsPriorDelivered = -1;
        rsNewestSentTimeNs = Long.MIN_VALUE;
    }

    /**
     * Processes one acknowledged range {@code [lo, hi]} of this path's packet numbers.
     *
     * @return false if the range acknowledges a number never sent (a protocol violation; nothing in
     *         the range is processed).
     */
    @SuppressWarnings("unchecked")
    public boolean onAckRange(final long lo, final long hi, final long nowNs, final Listener<M> listener) {
        if (hi >= nextPacketNumber) {
            return false;
        }
        if (hi < base) {
            return true;
        }
        if (hi > largestAcked) {
            final int s = slot(hi);
            if (state[s] == IN_FLIGHT || state[s] == LOST) {
                latestRttNs = nowNs - sentTimeNs[s];
                largestNewlyAckedSentTimeNs = sentTimeNs[s];
            }
            largestAcked = hi;
        }
        long pn = find(Math.max(lo, base));
        while (pn <= hi) {
            final int s = slot(pn);
            final boolean wasLost = state[s] == LOST;
            if (wasLost) {
                spuriousRetransmissions++;
            } else {
                bytesInFlight -= bytes[s];
                packetsInFlight--;
            }
            state[s] = ACKED;
            next[s] = pn + 1;
            ackedBytes += bytes[s];
            if (pn >= rateEpochStart) {
                delivered += bytes[s];
                deliveredTimeNs = nowNs;
            }
            if (pn >= rateEpochStart && (deliveredAtSend[s] > rsPriorDelivered || sentTimeNs[s] > rsNewestSentTimeNs)) {
                rsPriorDelivered = deliveredAtSend[s];
                rsPriorTimeNs = deliveredTimeAtSend[s];
                rsAppLimited = appLimitedAtSend[s];
                rsSendElapsedNs = sentTimeNs[s] - firstSentTimeAtSend[s];
                rsAckElapsedNs = nowNs - deliveredTimeAtSend[s];
                rsNewestSentTimeNs = sentTimeNs[s];
                firstSentTimeNs = sentTimeNs[s];
            }
            final Object m = message[s];
            message[s] = null;
            if (m != null) {
                listener.onAcked((M) m, chunk[s], wasLost);
            }
            pn = find(pn + 1);
        }
        return true;
    }

    /** Finds the smallest packet number >= {@code from} not yet acknowledged (or the next to send). */
    private long find(final long from) {
        long root = from;
        while (root < nextPacketNumber && state[slot(root)] == ACKED) {
            root = next[slot(root)];
        }
        long pn = from;
        while (pn < root && pn < nextPacketNumber) {
            final int s = slot(pn);
            final long n = next[s];
            next[s] = root;
            pn = n;
        }
        return root;
    }

    /** Finishes one ACK: updates the app-limited mark. @return the delivery rate in bytes/s or -1. */
    public long endAck(final long minRttNs) {
        if (appLimitedUntil > 0 && delivered > appLimitedUntil) {
            appLimitedUntil = 0;
        }
        if (rsPriorDelivered < 0) {
            return -1;
        }
        final long interval = Math.max(rsSendElapsedNs, rsAckElapsedNs);
        if (interval <= 0 || (minRttNs > 0 && interval < minRttNs)) {
            return -1;
        }
        return (long) ((delivered - rsPriorDelivered) * 1e9 / interval);
    }

    /**
     * Declares lost every packet below the largest acknowledged that is {@code packetThreshold}
     * numbers or {@code lossDelayNs} older than it, and arms the loss timer for the next one.
     *
     * @return the number of packets declared lost.
     */
    @SuppressWarnings("unchecked")
    public int detectLosses(final long nowNs, final long lossDelayNs, final int packetThreshold, final Listener<M> listener) {
        lostBytes = 0;
        lostPackets = 0;
        largestLostSentTimeNs = -1;
        lossTimeNs = Long.MAX_VALUE;
        long pn = Math.max(lossScan, base);
        final long lostSendTime = nowNs - lossDelayNs;
        while (pn < largestAcked) {
            final int s = slot(pn);
            if (state[s] == IN_FLIGHT) {
                if (sentTimeNs[s] - lostSendTime <= 0 || largestAcked - pn >= packetThreshold) {
                    state[s] = LOST;
                    bytesInFlight -= bytes[s];
                    packetsInFlight--;
                    lostBytes += bytes[s];
                    lostPackets++;
                    largestLostSentTimeNs = sentTimeNs[s];
                    lostInflightAtSend = inflightAtSend[s];
                    final Object m = message[s];
                    if (m != null) {
                        listener.onLost((M) m, chunk[s]);
                    }
                } else {
                    lossTimeNs = sentTimeNs[s] + lossDelayNs;
                    break;
                }
            }
            pn++;
        }
        lossScan = pn;
        totalLostPackets += lostPackets;
        return lostPackets;
    }

    /**
     * Declares every packet still in flight lost, as when its path is declared failed: their data
     * goes to the listener for repair elsewhere, and nothing counts toward bytes in flight. A late
     * ACK for one of them is counted as a spurious retransmission, as for any packet declared lost.
     *
     * @return the number of packets declared lost.
     */
    @SuppressWarnings("unchecked")
    public int declareAllLost(final Listener<M> listener) {
        int count = 0;
        for (long pn = base; pn < nextPacketNumber; pn++) {
            final int s = slot(pn);
            if (state[s] != IN_FLIGHT) {
                continue;
            }
            state[s] = LOST;
            bytesInFlight -= bytes[s];
            packetsInFlight--;
            count++;
            final Object m = message[s];
            if (m != null) {
                listener.onLost((M) m, chunk[s]);
            }
        }
        totalLostPackets += count;
        lossTimeNs = Long.MAX_VALUE;
        return count;
    }

    /**
     * Forgets the oldest packets that need no more attention: acknowledged ones, and lost ones sent
     * before {@code forgetLostSentBeforeNs} (kept until then so that a late ACK for them is counted
     * as a spurious retransmission).
     */
    public void advanceBase(final long forgetLostSentBeforeNs) {
        while (base < nextPacketNumber) {
            final int s = slot(base);
            final byte st = state[s];
            if (st == ACKED || (st == LOST && sentTimeNs[s] - forgetLostSentBeforeNs < 0)) {
                state[s] = FREE;
                message[s] = null;
                base++;
            } else {
                break;
            }
        }
    }

    /**
     * Finds the oldest packet still in flight that carries data, for a probe.
     *
     * @return its packet number, or -1.
     */
    public long oldestInFlightWithData() {
        for (long pn = base; pn < nextPacketNumber; pn++) {
            final int s = slot(pn);
            if (state[s] == IN_FLIGHT && message[s] != null) {
                return pn;
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    public M messageOf(final long pn) {
        return (M) message[slot(pn)];
    }

    public int chunkOf(final long pn) {
        return chunk[slot(pn)];
    }

    public long ackedBytes() {
        return ackedBytes;
    }

    /** @return the RTT sample of the last ACK (its newest packet was newly acknowledged), or -1. */
    public long latestRttNs() {
        return latestRttNs;
    }

    public long largestNewlyAckedSentTimeNs() {
        return largestNewlyAckedSentTimeNs;
    }

    public long priorDelivered() {
        return Math.max(0, rsPriorDelivered);
    }

    public boolean sampleAppLimited() {
        return rsAppLimited;
    }

    public long delivered() {
        return delivered;
    }

    public long lostBytes() {
        return lostBytes;
    }

    public int lostPackets() {
        return lostPackets;
    }

    public long largestLostSentTimeNs() {
        return largestLostSentTimeNs;
    }

    public long lostInflightAtSend() {
        return lostInflightAtSend;
    }

    public long totalLostPackets() {
        return totalLostPackets;
    }

    /** @return when the next packet below the largest acknowledged turns lost by time, or MAX_VALUE. */
    public long lossTimeNs() {
        return lossTimeNs;
    }

    public long bytesInFlight() {
        return bytesInFlight;
    }

    public int packetsInFlight() {
        return packetsInFlight;
    }

    public long lastSentTimeNs() {
        return lastSentTimeNs;
    }

    public long nextPacketNumber() {
        return nextPacketNumber;
    }

    public long spuriousRetransmissions() {
        return spuriousRetransmissions;
    }

    public int capacity() {
        return mask + 1;
    }
}
