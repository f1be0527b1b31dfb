package io.longhaul.transport.recovery;

/**
 * Per-path round-trip time estimation as in RFC 9002 section 5: latest, minimum, smoothed RTT and
 * RTT variation, with the peer's ACK delay subtracted when that does not take the sample below the
 * minimum.
 */
public final class RttEstimator {
    private final long initialRttNs;
    private long latestRttNs = -1;
    private long minRttNs = -1;
    private long smoothedRttNs = -1;
    private long rttVarNs;

    public RttEstimator(final long initialRttNs) {
        this.initialRttNs = initialRttNs;
        this.rttVarNs = initialRttNs / 2;
    }

    /**
     * Adds a sample.
     *
     * @param rttNs      time from sending the newest acknowledged packet to receiving its ACK.
     * @param ackDelayNs delay the peer reports between receiving that packet and sending the ACK,
     *                   already capped by the caller at the peer's maximum ACK delay.
     */
    public void onSample(final long rttNs, final long ackDelayNs) {
        final long sample = Math.max(1, rttNs);
        latestRttNs = sample;
        if (minRttNs < 0) {
            minRttNs = sample;
            smoothedRttNs = sample;
            rttVarNs = sample / 2;
            return;
        }
        minRttNs = Math.min(minRttNs, sample);
        long adjusted = sample;
        if (sample - ackDelayNs >= minRttNs) {
            adjusted = sample - ackDelayNs;
        }
        rttVarNs = (3 * rttVarNs + Math.abs(smoothedRttNs - adjusted)) / 4;
        smoothedRttNs = (7 * smoothedRttNs + adjusted) / 8;
    }

    public boolean hasSample() {
        return minRttNs >= 0;
    }

    public long latestRttNs() {
        return latestRttNs >= 0 ? latestRttNs : initialRttNs;
    }

    /** @return the minimum RTT, or -1 before the first sample. */
    public long minRttNs() {
        return minRttNs;
    }

    /** @return the smoothed RTT, or the initial RTT before the first sample. */
    public long smoothedRttNs() {
        return smoothedRttNs >= 0 ? smoothedRttNs : initialRttNs;
    }

    public long rttVarNs() {
        return rttVarNs;
    }

    /** RFC 9002 section 6.2.1: smoothed_rtt + max(4 * rttvar, granularity) + max_ack_delay. */
    public long ptoNs(final long granularityNs, final long maxAckDelayNs) {
        return smoothedRttNs() + Math.max(4 * rttVarNs, granularityNs) + maxAckDelayNs;
    }

    /** RFC 9002 section 6.1.2: 9/8 * max(smoothed_rtt, latest_rtt), at least the granularity. */
    public long lossDelayNs(final long granularityNs) {
        final long base = Math.max(smoothedRttNs(), latestRttNs());
        return Math.max(base + base / 8, granularityNs);
    }
}
