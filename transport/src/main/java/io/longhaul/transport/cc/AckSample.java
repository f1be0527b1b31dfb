package io.longhaul.transport.cc;

/**
 * What one acknowledgement taught the sender about a path. A mutable holder the core fills and
 * reuses for every ACK, so that feeding a congestion controller allocates nothing.
 */
public final class AckSample {
    private long ackedBytes;
    private long bytesInFlight;
    private long largestAckedSentTimeNs;
    private long deliveredBytes;
    private long priorDeliveredBytes;
    private long deliveryRateBytesPerSecond = -1;
    private boolean appLimited;
    private long latestRttNs = -1;
    private long minRttNs = -1;
    private long smoothedRttNs = -1;

    /**
     * Fills the sample.
     *
     * @param ackedBytes                 bytes newly acknowledged by this ACK.
     * @param bytesInFlight              bytes still in flight after this ACK.
     * @param largestAckedSentTimeNs     send time of the newest packet this ACK acknowledged.
     * @param deliveredBytes             total bytes delivered on the path, including this ACK.
     * @param priorDeliveredBytes        {@code deliveredBytes} at the time the newest acknowledged
     *                                   packet was sent (marks round trips).
     * @param deliveryRateBytesPerSecond delivery rate sample, or -1 when none could be taken.
     * @param appLimited                 whether the sample was taken while the sender was
     *                                   application-limited.
     * @param latestRttNs                latest RTT sample, or -1 if this ACK gave none.
     * @param minRttNs                   minimum RTT of the path, or -1 before the first sample.
     * @param smoothedRttNs              smoothed RTT of the path, or -1 before the first sample.
     * @return this sample.
     */
    public AckSample set(
        final long ackedBytes,
        final long bytesInFlight,
        final long largestAckedSentTimeNs,
        final long deliveredBytes,
        final long priorDeliveredBytes,
        final long deliveryRateBytesPerSecond,
        final boolean appLimited,
        final long latestRttNs,
        final long minRttNs,
        final long smoothedRttNs) {
        this.ackedBytes = ackedBytes;
        this.bytesInFlight = bytesInFlight;
        this.largestAckedSentTimeNs = largestAckedSentTimeNs;
        this.deliveredBytes = deliveredBytes;
        this.priorDeliveredBytes = priorDeliveredBytes;
        this.deliveryRateBytesPerSecond = deliveryRateBytesPerSecond;
        this.appLimited = appLimited;
        this.latestRttNs = latestRttNs;
        this.minRttNs = minRttNs;
        this.smoothedRttNs = smoothedRttNs;
        return this;
    }

    public long ackedBytes() {
        return ackedBytes;
    }

    public long bytesInFlight() {
        return bytesInFlight;
    }

    public long largestAckedSentTimeNs() {
        return largestAckedSentTimeNs;
    }

    public long deliveredBytes() {
        return deliveredBytes;
    }

    public long priorDeliveredBytes() {
        return priorDeliveredBytes;
    }

    public long deliveryRateBytesPerSecond() {
        return deliveryRateBytesPerSecond;
    }

    public boolean appLimited() {
        return appLimited;
    }

    public long latestRttNs() {
        return latestRttNs;
    }

    public long minRttNs() {
        return minRttNs;
    }

    public long smoothedRttNs() {
        return smoothedRttNs;
    }

    @Override
    public String toString() {
        return "AckSample{ackedBytes=" + ackedBytes + ", bytesInFlight=" + bytesInFlight
            + ", deliveredBytes=" + deliveredBytes + ", deliveryRate=" + deliveryRateBytesPerSecond
            + ", appLimited=" + appLimited + ", latestRttNs=" + latestRttNs + ", minRttNs=" + minRttNs
            + ", smoothedRttNs=" + smoothedRttNs + '}';
    }
}
