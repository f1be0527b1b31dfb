package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginParameters;

/**
 * CUBIC as specified in RFC 9438, with the window kept in bytes.
 *
 * <ul>
 *   <li>Window growth in congestion avoidance follows
 *       {@code W_cubic(t) = C * (t - K)^3 + W_max} (section 4.2), {@code C = 0.4} segments/s³,
 *       {@code K = cbrt((W_max - cwnd_epoch) / C)} (section 4.2, Figure 2), with {@code t} the
 *       time since the start of the congestion-avoidance epoch; each ACK moves the window toward
 *       {@code target = W_cubic(t + RTT)} clamped to {@code [cwnd, 1.5 cwnd]} (section 4.4-4.5),
 *       RTT being the smoothed RTT.</li>
 *   <li>Reno-friendly region (section 4.3): {@code W_est} grows by
 *       {@code alpha_cubic * acked / cwnd} segments, {@code alpha_cubic = 3 (1 - beta) / (1 + beta)},
 *       switching to 1 once {@code W_est >= cwnd_prior}; when {@code W_cubic(t) < W_est},
 *       {@code cwnd = W_est}.</li>
 *   <li>Multiplicative decrease (section 4.6): {@code beta_cubic = 0.7},
 *       {@code ssthresh = cwnd * beta_cubic}, once per recovery period (RFC 9002 section 7.3.2:
 *       losses of packets sent before the period started do not reduce again).</li>
 *   <li>Fast convergence (section 4.7): if {@code cwnd < W_max} at a congestion event,
 *       {@code W_max = cwnd * (1 + beta_cubic) / 2}.</li>
 *   <li>Persistent congestion (section 4.8 and RFC 9002 section 7.6.2): ssthresh as above, window
 *       collapses to the minimum window, slow start resumes.</li>
 *   <li>Slow start: standard (RFC 9002 section 7.3.1) {@code cwnd += acked}; HyStart++ (RFC 9406)
 *       is not implemented.</li>
 *   <li>No growth on ACKs that report an application-limited sender.</li>
 *   <li>Pacing: {@code 1.25 * cwnd / smoothed_rtt} (RFC 9002 section 7.7), unpaced before the first
 *       RTT sample.</li>
 * </ul>
 *
 * <p>Parameters: none.
 */
public final class CubicCongestionControl implements CongestionControl {
    /** Name this algorithm is registered under. */
    public static final String NAME = "cubic";
    /** RFC 9438 C, in segments per second cubed. */
    public static final double C = 0.4;
    /** RFC 9438 beta_cubic, the multiplicative decrease factor. */
    public static final double BETA = 0.7;
    /** RFC 9438 alpha_cubic = 3 (1 - beta) / (1 + beta), the Reno-friendly additive increase. */
    public static final double ALPHA = 3.0 * (1.0 - BETA) / (1.0 + BETA);
    /** Upper bound of the target relative to the current window (RFC 9438 section 4.2). */
    private static final double MAX_TARGET_RATIO = 1.5;
    private static final double MAX_WINDOW_BYTES = (double) (Long.MAX_VALUE / 4);

    private final double maxDatagramBytes;
    private final double minimumWindowBytes;
    private double cwndBytes;
    private double ssthreshBytes = Double.POSITIVE_INFINITY;
    private double wMaxBytes;
    private double cwndPriorBytes;
    private double wEstBytes;
    private double originBytes;
    private double kSeconds;
    private boolean epochStarted;
    private long epochStartNs;
    private final RecoveryPeriod recovery = new RecoveryPeriod();
    private long smoothedRttNs = -1;

    public CubicCongestionControl(final CongestionControlConfig config) {
        PluginParameters.of(NAME, config.parameters());
        maxDatagramBytes = config.maxDatagramBytes();
        minimumWindowBytes = config.minimumWindowBytes();
        cwndBytes = config.initialWindowBytes();
    }

    /**
     * RFC 9438 Figure 2: the time the cubic function takes to climb back to {@code W_max}.
     *
     * @param wMaxSegments       window before the last reduction, in segments.
     * @param cwndEpochSegments  window at the start of the epoch, in segments.
     * @return K in seconds; 0 when the window is already at or above {@code W_max}.
     */
    public static double kSeconds(final double wMaxSegments, final double cwndEpochSegments) {
        return wMaxSegments <= cwndEpochSegments ? 0.0 : Math.cbrt((wMaxSegments - cwndEpochSegments) / C);
    }

    /**
     * RFC 9438 Figure 1: {@code W_cubic(t) = C * (t - K)^3 + W_max}, in segments.
     */
    public static double cubicWindowSegments(final double tSeconds, final double kSeconds, final double wMaxSegments) {
        final double d = tSeconds - kSeconds;
        return C * d * d * d + wMaxSegments;
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
            cwndBytes = Math.min(cwndBytes + acked, MAX_WINDOW_BYTES);
            return;
        }
        congestionAvoidance(nowNs, acked);
    }

    private void congestionAvoidance(final long nowNs, final long acked) {
        if (!epochStarted) {
            epochStarted = true;
            epochStartNs = nowNs;
            wEstBytes = cwndBytes;
            if (cwndBytes < wMaxBytes) {
                kSeconds = kSeconds(wMaxBytes / maxDatagramBytes, cwndBytes / maxDatagramBytes);
                originBytes = wMaxBytes;
            } else {
                kSeconds = 0;
                originBytes = cwndBytes;
            }
        }
        final double tSeconds = (nowNs - epochStartNs) * 1e-9;
        final double rttSeconds = smoothedRttNs > 0 ? smoothedRttNs * 1e-9 : 0.0;
        final double originSegments = originBytes / maxDatagramBytes;

        final double alpha = wEstBytes >= cwndPriorBytes ? 1.0 : ALPHA;
        wEstBytes += alpha * maxDatagramBytes * acked / cwndBytes;

        final double cubicNow = cubicWindowSegments(tSeconds, kSeconds, originSegments) * maxDatagramBytes;
        if (cubicNow < wEstBytes) {
            cwndBytes = Math.max(cwndBytes, wEstBytes);
        } else {
            double target = cubicWindowSegments(tSeconds + rttSeconds, kSeconds, originSegments) * maxDatagramBytes;
            if (target < cwndBytes) {
                target = cwndBytes;
            } else if (target > MAX_TARGET_RATIO * cwndBytes) {
                target = MAX_TARGET_RATIO * cwndBytes;
            }
            cwndBytes += (target - cwndBytes) * acked / cwndBytes;
        }
        cwndBytes = Math.min(cwndBytes, MAX_WINDOW_BYTES);
    }

    @Override
    public void onLoss(final long nowNs, final LossSample loss) {
        if (recovery.onLoss(nowNs, loss.largestLostSentTimeNs())) {
            epochStarted = false;
            cwndPriorBytes = cwndBytes;
            wMaxBytes = cwndBytes < wMaxBytes ? cwndBytes * (1.0 + BETA) / 2.0 : cwndBytes;
            ssthreshBytes = Math.max(cwndBytes * BETA, minimumWindowBytes);
            cwndBytes = ssthreshBytes;
        }
        if (loss.persistentCongestion()) {
            cwndBytes = minimumWindowBytes;
            epochStarted = false;
            recovery.reset();
        }
    }

    @Override
    public long congestionWindowBytes() {
        return Math.max((long) cwndBytes, (long) minimumWindowBytes);
    }

    @Override
    public long pacingRateBytesPerSecond() {
        return Pacing.windowRate(Pacing.WINDOW_PACING_GAIN, cwndBytes, smoothedRttNs);
    }

    /** @return W_max in bytes: the window before the last reduction, after fast convergence. */
    public long wMaxBytes() {
        return (long) wMaxBytes;
    }

    /** @return the slow-start threshold in bytes, {@link Long#MAX_VALUE} before the first loss. */
    public long slowStartThresholdBytes() {
        return Double.isInfinite(ssthreshBytes) ? Long.MAX_VALUE : (long) ssthreshBytes;
    }

    /** @return whether a recovery period is in progress. */
    public boolean inRecovery() {
        return recovery.active();
    }

    @Override
    public String toString() {
        return "Cubic{cwnd=" + (long) cwndBytes + ", ssthresh=" + slowStartThresholdBytes() + ", wMax=" + (long) wMaxBytes
            + ", K=" + kSeconds + "s, inRecovery=" + recovery.active() + '}';
    }
}
