package io.longhaul.transport.cc;

/**
 * What one loss-detection pass declared lost on a path. A mutable holder the core fills and reuses.
 */
public final class LossSample {
    private long lostBytes;
    private int lostPackets;
    private long largestLostSentTimeNs;
    private long bytesInFlight;
    private long inflightAtSendBytes;
    private boolean persistentCongestion;

    /**
     * Fills the sample.
     *
     * @param lostBytes             bytes declared lost in this pass.
     * @param lostPackets           packets declared lost in this pass.
     * @param largestLostSentTimeNs send time of the newest lost packet (recovery epochs start
     *                              after it, RFC 9002 section 7.3.2).
     * @param bytesInFlight         bytes in flight after removing the lost packets.
     * @param inflightAtSendBytes   bytes that were in flight when the newest lost packet was sent
     *                              (BBR's inflight bound).
     * @param persistentCongestion  whether the losses span a persistent-congestion period (RFC 9002
     *                              section 7.6).
     * @return this sample.
     */
    public LossSample set(
        final long lostBytes,
        final int lostPackets,
        final long largestLostSentTimeNs,
        final long bytesInFlight,
        final long inflightAtSendBytes,
        final boolean persistentCongestion) {
        this.lostBytes = lostBytes;
        this.lostPackets = lostPackets;
        this.largestLostSentTimeNs = largestLostSentTimeNs;
        this.bytesInFlight = bytesInFlight;
        this.inflightAtSendBytes = inflightAtSendBytes;
        this.persistentCongestion = persistentCongestion;
        return this;
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

    public long bytesInFlight() {
        return bytesInFlight;
    }

    public long inflightAtSendBytes() {
        return inflightAtSendBytes;
    }

    public boolean persistentCongestion() {
        return persistentCongestion;
    }

    @Override
    public String toString() {
        return "LossSample{lostBytes=" + lostBytes + ", lostPackets=" + lostPackets
            + ", bytesInFlight=" + bytesInFlight + ", inflightAtSendBytes=" + inflightAtSendBytes
            + ", persistentCongestion=" + persistentCongestion + '}';
    }
}
