package io.longhaul.transport.cc;

/**
 * The recovery period of RFC 9002 section 7.3.2, shared by the loss-based controllers: a loss of a
 * packet sent before the current period began does not reduce the window again, and the period
 * ends when a packet sent after it began is acknowledged.
 */
final class RecoveryPeriod {
    /** Whether {@link #startNs} holds a time: false initially and after persistent congestion. */
    private boolean started;
    private long startNs;
    private boolean active;

    /**
     * An ACK arrived for a packet sent at {@code largestAckedSentTimeNs}.
     *
     * @return false if that packet was sent before the current recovery period began (the ACK must
     *         not grow the window).
     */
    boolean onAck(final long largestAckedSentTimeNs) {
        if (sentBeforeStart(largestAckedSentTimeNs)) {
            return false;
        }
        active = false;
        return true;
    }

    /**
     * Packets were lost, the newest sent at {@code largestLostSentTimeNs}.
     *
     * @return true if this starts a new recovery period (the caller reduces the window once).
     */
    boolean onLoss(final long nowNs, final long largestLostSentTimeNs) {
        if (sentBeforeStart(largestLostSentTimeNs)) {
            return false;
        }
        started = true;
        active = true;
        startNs = nowNs;
        return true;
    }

    /** Persistent congestion: forget the period, so the next loss starts a new one. */
    void reset() {
        started = false;
        active = false;
    }

    boolean active() {
        return active;
    }

    private boolean sentBeforeStart(final long sentTimeNs) {
        return started && sentTimeNs - startNs <= 0;
    }
}
