package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginParameters;

/**
 * A delay-based controller after Swift (Kumar et al., "Swift: Delay is Simple and Effective for
 * Congestion Control in the Datacenter", SIGCOMM 2020), with TIMELY's hyperactive increase
 * (Mittal et al., "TIMELY: RTT-based Congestion Control for the Datacenter", SIGCOMM 2015) and a
 * slow start so that wide-area windows are reached in a few round trips.
 *
 * <ul>
 *   <li>Target delay: {@code base_rtt + target}, where {@code base_rtt} is the path's minimum RTT
 *       and {@code target} the tolerated queueing delay (parameter {@code target}; default
 *       {@code max(100 us, base_rtt / 10)}).</li>
 *   <li>Slow start: {@code cwnd += acked} until the first RTT at or above the target delay, or the
 *       first loss.</li>
 *   <li>Additive increase (below target): {@code cwnd += ai * acked / cwnd} datagrams, i.e. {@code ai}
 *       datagrams per RTT (parameter {@code ai}, default 1); after {@value #HAI_ROUNDS}
 *       consecutive rounds without a decrease the increment is multiplied by
 *       {@value #HAI_FACTOR} (TIMELY's HAI mode).</li>
 *   <li>Multiplicative decrease (at or above target), at most once per smoothed RTT:
 *       {@code cwnd *= max(1 - beta * (rtt - target_delay) / rtt, 1 - max_mdf)}, parameters
 *       {@code beta} (default 0.8) and {@code max_mdf} (default 0.5), as in Swift.</li>
 *   <li>Loss: {@code cwnd *= 1 - max_mdf}, at most once per smoothed RTT (Swift's fast-recovery
 *       response); persistent congestion collapses the window to the minimum window (Swift's
 *       retransmission-timeout response).</li>
 *   <li>Pacing: {@code 1.25 * cwnd / smoothed_rtt} (RFC 9002 section 7.7), which spreads each
 *       window over the RTT so that bursts do not read as queueing delay; unpaced before the first
 *       RTT sample.</li>
 * </ul>
 *
 * <p>Parameters: {@code target} (duration, 1 us to 1 s), {@code ai} (datagrams per RTT, 0.01 to
 * 1000), {@code beta} (0 to 1), {@code max_mdf} (0 to 0.99).
 */
public final class DelayCongestionControl implements CongestionControl {
    /** Name this algorithm is registered under. */
    public static final String NAME = "delay";
    /** Swift's default beta: how strongly the window reacts to delay above target. */
    public static final double DEFAULT_BETA = 0.8;
    /** Swift's default maximum multiplicative decrease factor. */
    public static final double DEFAULT_MAX_MDF = 0.5;
    /** Default additive increase, datagrams per RTT. */
    public static final double DEFAULT_AI = 1.0;
    /** Floor of the default target queueing delay. */
    public static final long DEFAULT_MIN_TARGET_NS = 100_000L;
    /** Default target queueing delay as a fraction of the base RTT. */
    public static final double DEFAULT_TARGET_RTT_FRACTION = 0.1;
    /** Rounds without decrease after which the increase becomes hyperactive. */
    public static final int HAI_ROUNDS = 5;
    /** Multiplier of the additive increase in hyperactive mode. */
    public static final int HAI_FACTOR = 5;

    private static final double MAX_WINDOW_BYTES = (double) (Long.MAX_VALUE / 4);

    private final double mss;
    private final double minimumWindowBytes;
    private final long configuredTargetNs;
    private final double aiDatagrams;
    private final double beta;
    private final double maxMdf;

    private double cwndBytes;
    private boolean slowStart = true;
    private boolean decreased;
    private long lastDecreaseNs;
    private long smoothedRttNs = -1;
    private long minRttNs = Long.MAX_VALUE;
    private long pendingRttNs = -1;

    private long nextRoundDeliveredBytes;
    private boolean decreasedInRound;
    private int roundsWithoutDecrease;

    public DelayCongestionControl(final CongestionControlConfig config) {
        final PluginParameters p = PluginParameters.of(NAME, config.parameters(), "target", "ai", "beta", "max_mdf");
        configuredTargetNs = p.durationNs("target", -1, 1_000L, 1_000_000_000L);
        aiDatagrams = p.number("ai", DEFAULT_AI, 0.01, 1000);
        beta = p.number("beta", DEFAULT_BETA, 0.0, 1.0);
        maxMdf = p.number("max_mdf", DEFAULT_MAX_MDF, 0.0, 0.99);
        mss = config.maxDatagramBytes();
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
        pendingRttNs = latestRttNs;
        if (minRttNs > 0 && minRttNs < this.minRttNs) {
            this.minRttNs = minRttNs;
        }
        if (smoothedRttNs > 0) {
            this.smoothedRttNs = smoothedRttNs;
        }
    }

    @Override
    public void onAck(final long nowNs, final AckSample ack) {
        final long rttNs = ack.latestRttNs() > 0 ? ack.latestRttNs() : pendingRttNs;
        pendingRttNs = -1;
        if (ack.smoothedRttNs() > 0) {
            smoothedRttNs = ack.smoothedRttNs();
        }
        if (ack.minRttNs() > 0 && ack.minRttNs() < minRttNs) {
            minRttNs = ack.minRttNs();
        }
        if (rttNs > 0 && rttNs < minRttNs) {
            minRttNs = rttNs;
        }
        if (ack.ackedBytes() > 0 && ack.priorDeliveredBytes() >= nextRoundDeliveredBytes) {
            nextRoundDeliveredBytes = ack.deliveredBytes();
            roundsWithoutDecrease = decreasedInRound ? 0 : roundsWithoutDecrease + 1;
            decreasedInRound = false;
        }
        final long acked = ack.ackedBytes();
        if (rttNs <= 0 || acked <= 0) {
            return;
        }
        final long targetDelayNs = minRttNs + targetNs();
        if (rttNs < targetDelayNs) {
            if (ack.appLimited()) {
                return;
            }
            if (slowStart) {
                cwndBytes += acked;
            } else {
                final double ai = roundsWithoutDecrease >= HAI_ROUNDS ? aiDatagrams * HAI_FACTOR : aiDatagrams;
                cwndBytes += ai * mss * acked / cwndBytes;
            }
            cwndBytes = Math.min(cwndBytes, MAX_WINDOW_BYTES);
        } else {
            slowStart = false;
            if (canDecrease(nowNs)) {
                final double factor = Math.max(1.0 - beta * (rttNs - targetDelayNs) / (double) rttNs, 1.0 - maxMdf);
                decrease(nowNs, factor);
            }
        }
    }

    @Override
    public void onLoss(final long nowNs, final LossSample loss) {
        slowStart = false;
        if (canDecrease(nowNs)) {
            decrease(nowNs, 1.0 - maxMdf);
        }
        if (loss.persistentCongestion()) {
            cwndBytes = minimumWindowBytes;
            decreased = true;
            lastDecreaseNs = nowNs;
            decreasedInRound = true;
        }
    }

    private boolean canDecrease(final long nowNs) {
        return !decreased || nowNs - lastDecreaseNs >= Math.max(smoothedRttNs, 0);
    }

    private void decrease(final long nowNs, final double factor) {
        cwndBytes = Math.max(cwndBytes * factor, minimumWindowBytes);
        decreased = true;
        lastDecreaseNs = nowNs;
        decreasedInRound = true;
        roundsWithoutDecrease = 0;
    }

    /** @return the tolerated queueing delay above the base RTT, in nanoseconds. */
    public long targetNs() {
        if (configuredTargetNs > 0) {
            return configuredTargetNs;
        }
        if (minRttNs == Long.MAX_VALUE) {
            return DEFAULT_MIN_TARGET_NS;
        }
        return Math.max(DEFAULT_MIN_TARGET_NS, (long) (minRttNs * DEFAULT_TARGET_RTT_FRACTION));
    }

    /** @return whether the controller is still in its initial slow start. */
    public boolean inSlowStart() {
        return slowStart;
    }

    @Override
    public long congestionWindowBytes() {
        return Math.max((long) cwndBytes, (long) minimumWindowBytes);
    }

    @Override
    public long pacingRateBytesPerSecond() {
        return Pacing.windowRate(Pacing.WINDOW_PACING_GAIN, cwndBytes, smoothedRttNs);
    }

    @Override
    public String toString() {
        return "Delay{cwnd=" + (long) cwndBytes + ", targetNs=" + targetNs() + ", minRttNs=" + minRttNs
            + ", slowStart=" + slowStart + '}';
    }
}
