package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginParameters;

/**
 * NewReno as specified for QUIC in RFC 9002 section 7 (with Appendix B's pseudocode): slow start,
 * congestion avoidance, one window reduction per recovery period, and a collapse to the minimum
 * window on persistent congestion.
 *
 * <ul>
 *   <li>Slow start: {@code cwnd += acked} while {@code cwnd < ssthresh}.</li>
 *   <li>Congestion avoidance: {@code cwnd += max_datagram_size * acked / cwnd}, accumulated in
 *       bytes so that no growth is lost to rounding.</li>
 *   <li>Congestion event: {@code ssthresh = cwnd * kLossReductionFactor},
 *       {@code kLossReductionFactor = 0.5}; {@code cwnd = max(ssthresh, minimum window)}. A
 *       recovery period starts at the time of the event; losses of packets sent before it do not
 *       reduce the window again (RFC 9002 section 7.3.2), and an ACK of a packet sent after it
 *       ends the period.</li>
 *   <li>Persistent congestion (RFC 9002 section 7.6.2): {@code cwnd = minimum window}, recovery
 *       period cleared.</li>
 *   <li>No growth while the ACK reports an application-limited sender (RFC 9002 section 7.8).</li>
 *   <li>Pacing (RFC 9002 section 7.7): {@code 1.25 * cwnd / smoothed_rtt}; unpaced before the
 *       first RTT sample, since the initial window may be sent as a burst.</li>
 * </ul>
 *
 * <p>Parameters: none.
 */
public final class NewRenoCongestionControl implements CongestionControl {
    /** Name this algorithm is registered under. */
    public static final String NAME = "newreno";
    /** RFC 9002 kLossReductionFactor. */
    public static final double LOSS_REDUCTION_FACTOR = 0.5;

    private final long maxDatagramBytes;
    private final long minimumWindowBytes;
    private long cwndBytes;
    private long ssthreshBytes = Long.MAX_VALUE;
    private long bytesAckedInAvoidance;
    private final RecoveryPeriod recovery = new RecoveryPeriod();
    private long smoothedRttNs = -1;

    public NewRenoCongestionControl(final CongestionControlConfig config) {
        PluginParameters.of(NAME, config.parameters());
        maxDatagramBytes = config.maxDatagramBytes();
        minimumWindowBytes = config.minimumWindowBytes();
        cwndBytes = config.initialWindowBytes();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void onPacketSent(final long nowNs, final int bytes, final long bytesInFlight) {
        // Window-based: nothing to track per packet.
    }

    @Override
    public void onRttSample(final long nowNs, final long latestRttNs, final long minRttNs, final long smoothedRttNs) {
        if (smoothedRttNs > 0) {
            this.smoothedRttNs = smoothedRttNs;
        }
    }

    @Override
    public void onAck(final long nowNs, final AckSample ack) {
        if (ack.smoothedRttNs() > 0) {
            smoothedRttNs = ack.smoothedRttNs();
        }
        if (!recovery.onAck(ack.largestAckedSentTimeNs())) {
            return;
        }
        final long acked = ack.ackedBytes();
        if (acked <= 0 || ack.appLimited()) {
            return;
        }
        if (cwndBytes < ssthreshBytes) {
            cwndBytes = saturatedAdd(cwndBytes, acked);
            return;
        }
        bytesAckedInAvoidance += acked;
        if (bytesAckedInAvoidance >= cwndBytes) {
            final long increments = bytesAckedInAvoidance / cwndBytes;
            bytesAckedInAvoidance -= increments * cwndBytes;
            cwndBytes = saturatedAdd(cwndBytes, increments * maxDatagramBytes);
        }
    }

    @Override
    public void onLoss(final long nowNs, final LossSample loss) {
        if (recovery.onLoss(nowNs, loss.largestLostSentTimeNs())) {
            ssthreshBytes = Math.max((long) (cwndBytes * LOSS_REDUCTION_FACTOR), minimumWindowBytes);
            cwndBytes = ssthreshBytes;
            bytesAckedInAvoidance = 0;
        }
        if (loss.persistentCongestion()) {
            cwndBytes = minimumWindowBytes;
            bytesAckedInAvoidance = 0;
            recovery.reset();
        }
    }

    @Override
    public long congestionWindowBytes() {
        return cwndBytes;
    }

    @Override
    public long pacingRateBytesPerSecond() {
        return Pacing.windowRate(Pacing.WINDOW_PACING_GAIN, cwndBytes, smoothedRttNs);
    }

    /** @return the slow-start threshold in bytes, {@link Long#MAX_VALUE} before the first loss. */
    public long slowStartThresholdBytes() {
        return ssthreshBytes;
    }

    /** @return whether a recovery period is in progress. */
    public boolean inRecovery() {
        return recovery.active();
    }

    private static long saturatedAdd(final long a, final long b) {
        final long sum = a + b;
        return sum < a ? Long.MAX_VALUE / 2 : Math.min(sum, Long.MAX_VALUE / 2);
    }

    @Override
    public String toString() {
        return "NewReno{cwnd=" + cwndBytes + ", ssthresh=" + ssthreshBytes + ", inRecovery=" + recovery.active() + '}';
    }
}
