package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginParameters;

/**
 * A model-based controller in the spirit of BBRv3, following draft-ietf-ccwg-bbr (successor of
 * draft-cardwell-iccrg-bbr-congestion-control) and Cardwell et al., "BBR: Congestion-Based
 * Congestion Control", ACM Queue 14(5), 2016.
 *
 * <p>The model is a bottleneck bandwidth {@code max_bw} (windowed maximum of delivery-rate samples
 * over the last two ProbeBW cycles; application-limited samples only count when they raise the
 * estimate) and a minimum RTT {@code min_rtt} (10 s window, refreshed by ProbeRTT every 5 s). Their
 * product is the BDP. Loss bounds the model: {@code inflight_hi} (the inflight at which a probe
 * saw more than 2% loss) and, within a cycle, the short-term lower bounds {@code bw_lo} and
 * {@code inflight_lo}.
 *
 * <p>States and gains (pacing gain / cwnd gain):
 * <ul>
 *   <li>Startup 2.77 (4 ln 2) / 2.0, until the bandwidth estimate grew less than 25% in 3
 *       non-application-limited rounds, or a round saw at least 6 loss events and a loss rate
 *       significantly above 2% (then {@code inflight_hi = max(BDP, inflight delivered in the round)});</li>
 *   <li>Drain 0.35 / 2.0, until inflight is at most the BDP;</li>
 *   <li>ProbeBW, a cycle of DOWN 0.90 / 2.0 (until inflight is at most the BDP and at most
 *       {@code inflight_hi} less 15% headroom), CRUISE 1.0 / 2.0 (cwnd capped at
 *       {@code 0.85 * inflight_hi}), REFILL 1.0 / 2.0 (one round; lower bounds reset), UP 1.25 /
 *       2.25 ({@code inflight_hi} raised by 1, 2, 4, ... datagrams per round; left once the
 *       bandwidth estimate stops growing 25% per round for 3 rounds, as BBRv3's
 *       {@code BBRCheckTimeToGoDown} with {@code full_bw_now}, or at once when the probe's loss rate
 *       is significantly above 2%). The next probe starts after a random 2-3 s or after
 *       min(BDP in datagrams, 63) rounds (Reno coexistence), whichever comes first; the random
 *       source is seeded with a constant so that runs are reproducible;</li>
 *   <li>ProbeRTT 1.0 / 0.5 (cwnd 0.5 BDP) for max(200 ms, 1 round), entered when min_rtt has not
 *       been refreshed for 5 s.</li>
 * </ul>
 *
 * <p>{@code bw = min(max_bw, bw_lo)}; pacing rate {@code = pacing_gain * bw * (1 - 1%)}, and in
 * Startup never lowered. Before the first sample the pacing rate is
 * {@code 2.77 * initial_window / max(smoothed_rtt, 1 ms)}. The congestion window is
 * {@code max(4 datagrams, minimum window, cwnd_gain * BDP + 3 send quanta (+2 datagrams in UP))},
 * with a send quantum of {@code pacing_rate * 1 ms} clamped to [2 datagrams, 64 KiB], grown by
 * acknowledged bytes toward that target and bounded by {@code inflight_hi} / {@code inflight_lo}
 * as in the draft.
 *
 * <p>Deliberate differences from draft-ietf-ccwg-bbr (BBRv3), each made so that random,
 * non-congestive loss and a late host clock do not pin the window far below the BDP:
 * <ul>
 *   <li><b>Loss rates are tested for significance.</b> The draft's {@code IsInflightTooHigh}
 *       compares the bytes lost with {@code BBRLossThresh * tx_in_flight} for each lost packet, and
 *       {@code BBRCheckStartupHighLoss} the round's loss rate with the threshold. At a window of
 *       a few dozen packets one random loss is already "more than 2%", so 1% random loss on a
 *       small window ratchets {@code inflight_hi} down again and again. Here every such decision
 *       ({@code lossExceedsThreshold}) asks for a loss rate {@value #LOSS_SIGNIFICANCE_SIGMAS}
 *       binomial standard deviations plus one packet above the threshold, measured over the
 *       whole probe (REFILL and UP) for {@code inflight_hi}, over the round for Startup.</li>
 *   <li>The lower bounds ({@code bw_lo = max(bw_latest, 0.7 bw_lo)},
 *       {@code inflight_lo = max(inflight_latest, 0.7 inflight_lo)}) are cut only after an epoch of
 *       at least {@value #LOSS_EPOCH_MIN_PACKETS} packets whose loss rate is significantly above
 *       the threshold, not after every round with any loss.</li>
 *   <li>Rate samples taken while the pacer lost credit because the host woke the sender late
 *       arrive marked application-limited (the transport marks them, see
 *       {@link io.longhaul.transport.path.Pacer}), so neither the Startup plateau test nor the
 *       ProbeBW_UP one counts a round the host, not the path, slowed.</li>
 *   <li>No ACK-aggregation ({@code extra_acked}) term and no idle-restart handling.</li>
 *   <li>Persistent congestion collapses cwnd to its floor; the model-driven growth then restores
 *       it within a round.</li>
 * </ul>
 *
 * <p>Parameters: {@code loss_thresh} (default 0.02, accepted 0.001 to 0.5), e.g. {@code bbr:loss_thresh=0.2}.
 */
public final class BbrCongestionControl implements CongestionControl {
    /** Name this algorithm is registered under. */
    public static final String NAME = "bbr";

    /** Startup pacing gain, 4 ln 2. */
    public static final double STARTUP_PACING_GAIN = 2.77;
    /** Startup (and Drain, ProbeBW) cwnd gain. */
    public static final double DEFAULT_CWND_GAIN = 2.0;
    /** Drain pacing gain. */
    public static final double DRAIN_PACING_GAIN = 0.35;
    /** ProbeBW_DOWN pacing gain. */
    public static final double PROBE_DOWN_PACING_GAIN = 0.90;
    /** ProbeBW_UP pacing gain. */
    public static final double PROBE_UP_PACING_GAIN = 1.25;
    /** ProbeBW_UP cwnd gain. */
    public static final double PROBE_UP_CWND_GAIN = 2.25;
    /** ProbeRTT cwnd gain. */
    public static final double PROBE_RTT_CWND_GAIN = 0.5;
    /** Default loss rate per round above which inflight is "too high" (parameter {@code loss_thresh}). */
    public static final double LOSS_THRESHOLD = 0.02;
    /**
     * Fewest packets a loss-rate measurement spans before it may cut the lower bounds. With small
     * pipes one round holds too few packets for 2% to mean anything (at 1 ms and 1 Gbit/s a round
     * is ~85 packets, and two random losses in one round happen in a fifth of them), so rounds are
     * pooled until the measurement is statistically meaningful.
     */
    public static final int LOSS_EPOCH_MIN_PACKETS = 500;
    /**
     * Standard deviations above the loss threshold a measured loss rate must lie before it counts as
     * congestion ({@code lossExceedsThreshold}). Random loss at half the threshold then passes for
     * congestion with a probability below 1e-4 per measurement even over 100 packets, while a
     * queue overflow (tens of percent of a round) is recognised at once.
     */
    public static final double LOSS_SIGNIFICANCE_SIGMAS = 3.0;
    /** Multiplicative decrease of the loss-based bounds. */
    public static final double BETA = 0.7;
    /** Headroom kept below inflight_hi while cruising. */
    public static final double HEADROOM = 0.15;
    /** Pacing margin: pace 1% below the estimated bandwidth. */
    public static final double PACING_MARGIN = 0.01;
    /** Bandwidth growth per round below which Startup counts a plateau round. */
    public static final double FULL_BW_GROWTH = 1.25;
    /** Plateau rounds that end Startup. */
    public static final int FULL_BW_ROUNDS = 3;
    /** Loss events in one round that, above the loss threshold, end Startup. */
    public static final int STARTUP_FULL_LOSS_COUNT = 6;
    /** Window of the min_rtt filter. */
    public static final long MIN_RTT_FILTER_NS = 10_000_000_000L;
    /** Interval between ProbeRTT episodes. */
    public static final long PROBE_RTT_INTERVAL_NS = 5_000_000_000L;
    /** Minimum time spent at the ProbeRTT window. */
    public static final long PROBE_RTT_DURATION_NS = 200_000_000L;
    /** Base wait between bandwidth probes; a random 0-1 s is added. */
    public static final long PROBE_BW_BASE_WAIT_NS = 2_000_000_000L;
    /** Upper bound on rounds between bandwidth probes (Reno coexistence). */
    public static final int MAX_RENO_ROUNDS = 63;

    private static final long INFINITE = Long.MAX_VALUE;
    private static final long MAX_WINDOW_BYTES = Long.MAX_VALUE / 4;
    private static final long MAX_SEND_QUANTUM_BYTES = 64 * 1024;
    private static final long RANDOM_SEED = 0x9E3779B97F4A7C15L;

    /** The state machine of the draft, with ProbeBW's phases as states of their own. */
    public enum Mode {
        STARTUP, DRAIN, PROBE_BW_DOWN, PROBE_BW_CRUISE, PROBE_BW_REFILL, PROBE_BW_UP, PROBE_RTT;

        /** @return whether this is one of the ProbeBW phases. */
        public boolean isProbeBw() {
            return this == PROBE_BW_DOWN || this == PROBE_BW_CRUISE || this == PROBE_BW_REFILL || this == PROBE_BW_UP;
        }
    }

    private enum AckPhase { INIT, PROBE_STOPPING, REFILLING, PROBE_STARTING, PROBE_FEEDBACK }

    private final long mss;
    private final long minPipeCwndBytes;
    private final long initialWindowBytes;

    private Mode mode = Mode.STARTUP;
    private AckPhase ackPhase = AckPhase.INIT;
    private double pacingGain = STARTUP_PACING_GAIN;
    private double cwndGain = DEFAULT_CWND_GAIN;
    private long cwndBytes;
    private long pacingRateBytesPerSecond;
    private long smoothedRttNs = -1;
    private long pendingRttNs = -1;
    private long randomState = RANDOM_SEED;

    // Rounds.
    private long deliveredBytes;
    private long nextRoundDeliveredBytes;
    private long roundCount;
    private boolean roundStart;
    private long roundsSinceBwProbe;

    // Bandwidth model: two-cycle windowed max, and the lower bound.
    private long maxBwCurrentCycle;
    private long maxBwPreviousCycle;
    private long bwLo = INFINITE;
    private long bw;

    // Per-round congestion signals.
    private long roundLatestBw;
    private long roundDeliveredBytes;
    private long roundLostBytes;
    private int roundLossEvents;
    private final double lossThreshold;
    private long epochDeliveredBytes;
    private long epochLostBytes;
    private long epochLatestBw;
    private boolean cwndLimitedInRound;
    /** Bytes delivered and lost since the current bandwidth probe began (REFILL), for inflight_hi. */
    private long probeDeliveredBytes;
    private long probeLostBytes;

    // Loss bounds on inflight.
    private long inflightHi = INFINITE;
    private long inflightLo = INFINITE;
    private boolean bwProbeSamples;
    private int bwProbeUpRounds;
    private long bwProbeUpAcks;
    private long probeUpCntBytes = INFINITE;

    // Startup.
    private boolean filledPipe;
    private long fullBw;
    private int fullBwCount;

    // ProbeBW_UP's own plateau detector (draft-ietf-ccwg-bbr: full_bw_now, reset on entering UP).
    private long upFullBw;
    private int upFullBwCount;
    private boolean upFullBwNow;

    // ProbeBW timing.
    private long cycleStampNs;
    private long bwProbeWaitNs;

    // Min RTT filter and ProbeRTT.
    private long minRttNs = INFINITE;
    private long minRttStampNs;
    private long probeRttMinDelayNs = INFINITE;
    private long probeRttMinStampNs;
    private boolean probeRttMinStampSet;
    private boolean probeRttExpired;
    private boolean probeRttDoneStampSet;
    private long probeRttDoneStampNs;
    private boolean probeRttRoundDone;
    private long priorCwndBytes;

    public BbrCongestionControl(final CongestionControlConfig config) {
        lossThreshold = PluginParameters.of(NAME, config.parameters(), "loss_thresh")
            .number("loss_thresh", LOSS_THRESHOLD, 0.001, 0.5);
        mss = config.maxDatagramBytes();
        minPipeCwndBytes = Math.max(config.minimumWindowBytes(), 4L * mss);
        initialWindowBytes = config.initialWindowBytes();
        cwndBytes = Math.max(initialWindowBytes, minPipeCwndBytes);
        pacingRateBytesPerSecond = Pacing.clampRate(STARTUP_PACING_GAIN * initialWindowBytes * 1e9 / 1_000_000L);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void onPacketSent(final long nowNs, final int bytes, final long bytesInFlight) {
        if (bytesInFlight + mss > cwndBytes) {
            cwndLimitedInRound = true;
        }
    }

    @Override
    public void onRttSample(final long nowNs, final long latestRttNs, final long minRttNs, final long smoothedRttNs) {
        pendingRttNs = latestRttNs;
        if (smoothedRttNs > 0) {
            if (this.smoothedRttNs < 0 && deliveredBytes == 0) {
                // First RTT: BBRInitPacingRate's nominal bandwidth uses it.
                pacingRateBytesPerSecond = Pacing.clampRate(STARTUP_PACING_GAIN * initialWindowBytes * 1e9 / Math.max(smoothedRttNs, 1_000_000L));
            }
            this.smoothedRttNs = smoothedRttNs;
        }
    }

    @Override
    public void onAck(final long nowNs, final AckSample ack) {
        if (ack.smoothedRttNs() > 0) {
            smoothedRttNs = ack.smoothedRttNs();
        }
        final long rttNs = ack.latestRttNs() >= 0 ? ack.latestRttNs() : pendingRttNs;
        pendingRttNs = -1;
        final long acked = Math.max(0, ack.ackedBytes());
        final long inflight = Math.max(0, ack.bytesInFlight());
        deliveredBytes = Math.max(deliveredBytes, ack.deliveredBytes());

        updateRound(ack);
        updateMaxBw(ack);
        roundDeliveredBytes += acked;
        probeDeliveredBytes += acked;
        if (roundStart) {
            endOfRound(ack.appLimited());
        }
        updateModel();

        checkStartupDone();
        checkDrain(nowNs, inflight);
        updateProbeBwCyclePhase(nowNs, ack, acked, inflight);
        updateMinRtt(nowNs, rttNs);
        checkProbeRtt(nowNs, inflight);
        updateModel();

        setPacingRate();
        setCwnd(acked);
    }

    @Override
    public void onLoss(final long nowNs, final LossSample loss) {
        final long lost = Math.max(0, loss.lostBytes());
        roundLostBytes += lost;
        probeLostBytes += lost;
        roundLossEvents += Math.max(1, loss.lostPackets());
        if (bwProbeSamples && isInflightTooHigh()) {
            handleInflightTooHigh(nowNs, loss.inflightAtSendBytes());
        }
        if (loss.persistentCongestion()) {
            priorCwndBytes = Math.max(priorCwndBytes, cwndBytes);
            cwndBytes = minPipeCwndBytes;
        }
    }

    @Override
    public long congestionWindowBytes() {
        return cwndBytes;
    }

    @Override
    public long pacingRateBytesPerSecond() {
        return pacingRateBytesPerSecond;
    }

    /** @return the current state. */
    public Mode mode() {
        return mode;
    }

    /** @return the bandwidth the model uses, {@code min(max_bw, bw_lo)}, in bytes per second; 0 before a sample. */
    public long bandwidthBytesPerSecond() {
        return bw;
    }

    /** @return the windowed maximum of delivery-rate samples, in bytes per second. */
    public long maxBandwidthBytesPerSecond() {
        return Math.max(maxBwCurrentCycle, maxBwPreviousCycle);
    }

    /** @return the model's minimum RTT, or -1 before the first sample. */
    public long minRttNs() {
        return minRttNs == INFINITE ? -1 : minRttNs;
    }

    /** @return inflight_hi in bytes, or {@link Long#MAX_VALUE} when unbounded. */
    public long inflightHiBytes() {
        return inflightHi;
    }

    /** @return whether Startup has found the pipe full. */
    public boolean filledPipe() {
        return filledPipe;
    }

    /** @return the number of round trips counted so far. */
    public long roundCount() {
        return roundCount;
    }

    // ---------------------------------------------------------------------------------------
    // Model.

    private void updateRound(final AckSample ack) {
        roundStart = false;
        if (ack.ackedBytes() > 0 && ack.priorDeliveredBytes() >= nextRoundDeliveredBytes) {
            startRound();
            roundCount++;
            roundsSinceBwProbe++;
            roundStart = true;
        }
    }

    private void startRound() {
        nextRoundDeliveredBytes = deliveredBytes;
    }

    private void updateMaxBw(final AckSample ack) {
        final long rate = ack.deliveryRateBytesPerSecond();
        if (rate <= 0) {
            return;
        }
        if (rate > roundLatestBw) {
            roundLatestBw = rate;
        }
        if (!ack.appLimited() || rate >= maxBandwidthBytesPerSecond()) {
            if (rate > maxBwCurrentCycle) {
                maxBwCurrentCycle = rate;
            }
        }
    }

    private void advanceMaxBwFilter() {
        maxBwPreviousCycle = maxBwCurrentCycle;
        maxBwCurrentCycle = 0;
    }

    /** Once per round: Startup's plateau and loss checks, and the loss-driven lower bounds. */
    private void endOfRound(final boolean appLimited) {
        final boolean lossyRound = lossExceedsThreshold(roundLostBytes, roundDeliveredBytes + roundLostBytes);

        if (!filledPipe && !appLimited) {
            final long maxBw = maxBandwidthBytesPerSecond();
            if (maxBw >= fullBw * FULL_BW_GROWTH) {
                fullBw = maxBw;
                fullBwCount = 0;
            } else if (++fullBwCount >= FULL_BW_ROUNDS) {
                filledPipe = true;
            }
        }
        if (mode == Mode.PROBE_BW_UP && !appLimited && !upFullBwNow) {
            final long maxBw = maxBandwidthBytesPerSecond();
            if (cwndLimitedInRound && inflightHi != INFINITE && cwndBytes >= inflightHi) {
                // Bandwidth is bounded by inflight_hi, which is still being raised: not a plateau.
                upFullBw = maxBw;
                upFullBwCount = 0;
            } else if (maxBw >= upFullBw * FULL_BW_GROWTH) {
                upFullBw = maxBw;
                upFullBwCount = 0;
            } else if (++upFullBwCount >= FULL_BW_ROUNDS) {
                upFullBwNow = true;
            }
        }
        if (mode == Mode.STARTUP && !filledPipe && lossyRound && roundLossEvents >= STARTUP_FULL_LOSS_COUNT) {
            filledPipe = true;
            inflightHi = Math.max(bdpBytes(maxBandwidthBytesPerSecond(), 1.0), roundDeliveredBytes);
        }
        epochDeliveredBytes += roundDeliveredBytes;
        epochLostBytes += roundLostBytes;
        epochLatestBw = Math.max(epochLatestBw, roundLatestBw);
        final long epochTotal = epochDeliveredBytes + epochLostBytes;
        if (epochTotal >= (long) LOSS_EPOCH_MIN_PACKETS * mss) {
            final boolean lossyEpoch = lossExceedsThreshold(epochLostBytes, epochTotal);
            if (lossyEpoch && !isProbingBw()) {
                if (bwLo == INFINITE) {
                    bwLo = maxBandwidthBytesPerSecond();
                }
                if (inflightLo == INFINITE) {
                    inflightLo = cwndBytes;
                }
                bwLo = Math.max(epochLatestBw, (long) (BETA * bwLo));
                inflightLo = Math.max(roundDeliveredBytes, (long) (BETA * inflightLo));
            }
            epochDeliveredBytes = 0;
            epochLostBytes = 0;
            epochLatestBw = 0;
        }
        roundLatestBw = 0;
        roundDeliveredBytes = 0;
        roundLostBytes = 0;
        roundLossEvents = 0;
        cwndLimitedInRound = false;
    }

    private void updateModel() {
        bw = Math.min(maxBandwidthBytesPerSecond(), bwLo);
    }

    private boolean isProbingBw() {
        return mode == Mode.STARTUP || mode == Mode.PROBE_BW_REFILL || mode == Mode.PROBE_BW_UP;
    }

    /**
     * The draft's IsInflightTooHigh compares the bytes lost with {@code loss_thresh} times the
     * inflight at the lost packet's send, per packet; at a window of a few dozen packets one random
     * loss is already "too high". Here the loss rate over the whole probe so far must be
     * significantly above the threshold ({@code lossExceedsThreshold}).
     */
    private boolean isInflightTooHigh() {
        return lossExceedsThreshold(probeLostBytes, probeDeliveredBytes + probeLostBytes);
    }

    /**
     * Whether {@code lostBytes} of {@code totalBytes} is a loss rate above {@code loss_thresh} beyond
     * random variation: the lost packets exceed the threshold's expectation by more than
     * {@value #LOSS_SIGNIFICANCE_SIGMAS} binomial standard deviations plus one packet (the normal
     * approximation is too lenient over a handful of packets). Over a few packets this asks for
     * several losses; over thousands it converges to the plain rate comparison.
     */
    boolean lossExceedsThreshold(final long lostBytes, final long totalBytes) {
        if (lostBytes <= 0 || totalBytes <= 0) {
            return false;
        }
        final double packets = (double) totalBytes / mss;
        final double lost = (double) lostBytes / mss;
        final double expected = lossThreshold * packets;
        return lost > expected + LOSS_SIGNIFICANCE_SIGMAS * Math.sqrt(expected * (1 - lossThreshold)) + 1;
    }

    private void handleInflightTooHigh(final long nowNs, final long inflightAtSendBytes) {
        bwProbeSamples = false;
        inflightHi = Math.max(inflightAtSendBytes, (long) (targetInflightBytes() * BETA));
        inflightHi = Math.max(inflightHi, minPipeCwndBytes);
        if (mode == Mode.PROBE_BW_UP) {
            startProbeBwDown(nowNs);
        }
    }

    // ---------------------------------------------------------------------------------------
    // State machine.

    private void checkStartupDone() {
        if (mode == Mode.STARTUP && filledPipe) {
            mode = Mode.DRAIN;
            pacingGain = DRAIN_PACING_GAIN;
            cwndGain = DEFAULT_CWND_GAIN;
        }
    }

    private void checkDrain(final long nowNs, final long inflight) {
        if (mode == Mode.DRAIN && inflight <= inflightBytes(bw, 1.0)) {
            startProbeBwDown(nowNs);
        }
    }

    private void startProbeBwDown(final long nowNs) {
        roundLatestBw = 0;
        bwProbeSamples = false;
        probeUpCntBytes = INFINITE;
        roundsSinceBwProbe = nextRandom() & 1;
        bwProbeWaitNs = PROBE_BW_BASE_WAIT_NS + (nextRandom() >>> 1) % 1_000_000_000L;
        cycleStampNs = nowNs;
        ackPhase = AckPhase.PROBE_STOPPING;
        startRound();
        mode = Mode.PROBE_BW_DOWN;
        pacingGain = PROBE_DOWN_PACING_GAIN;
        cwndGain = DEFAULT_CWND_GAIN;
    }

    private void startProbeBwCruise() {
        mode = Mode.PROBE_BW_CRUISE;
        pacingGain = 1.0;
        cwndGain = DEFAULT_CWND_GAIN;
    }

    private void startProbeBwRefill() {
        bwLo = INFINITE;
        inflightLo = INFINITE;
        probeDeliveredBytes = 0;
        probeLostBytes = 0;
        bwProbeUpRounds = 0;
        bwProbeUpAcks = 0;
        ackPhase = AckPhase.REFILLING;
        startRound();
        mode = Mode.PROBE_BW_REFILL;
        pacingGain = 1.0;
        cwndGain = DEFAULT_CWND_GAIN;
    }

    private void startProbeBwUp(final long nowNs) {
        ackPhase = AckPhase.PROBE_STARTING;
        startRound();
        cycleStampNs = nowNs;
        mode = Mode.PROBE_BW_UP;
        pacingGain = PROBE_UP_PACING_GAIN;
        cwndGain = PROBE_UP_CWND_GAIN;
        upFullBw = maxBandwidthBytesPerSecond();
        upFullBwCount = 0;
        upFullBwNow = false;
        raiseInflightHiSlope();
    }

    private void updateProbeBwCyclePhase(final long nowNs, final AckSample ack, final long acked, final long inflight) {
        if (!filledPipe || !mode.isProbeBw()) {
            return;
        }
        adaptUpperBounds(ack, acked);
        switch (mode) {
            case PROBE_BW_DOWN:
                if (isTimeToProbeBw(nowNs)) {
                    return;
                }
                if (isTimeToCruise(inflight)) {
                    startProbeBwCruise();
                }
                break;
            case PROBE_BW_CRUISE:
                isTimeToProbeBw(nowNs);
                break;
            case PROBE_BW_REFILL:
                if (roundStart) {
                    bwProbeSamples = true;
                    startProbeBwUp(nowNs);
                }
                break;
            case PROBE_BW_UP:
                if (upFullBwNow) {
                    startProbeBwDown(nowNs);
                }
                break;
            default:
                break;
        }
    }

    private void adaptUpperBounds(final AckSample ack, final long acked) {
        if (ackPhase == AckPhase.PROBE_STARTING && roundStart) {
            ackPhase = AckPhase.PROBE_FEEDBACK;
        }
        if (ackPhase == AckPhase.PROBE_STOPPING && roundStart) {
            bwProbeSamples = false;
            ackPhase = AckPhase.INIT;
            if (!ack.appLimited()) {
                advanceMaxBwFilter();
            }
        }
        if (inflightHi != INFINITE && mode == Mode.PROBE_BW_UP) {
            probeInflightHiUpward(acked);
        }
    }

    private void probeInflightHiUpward(final long acked) {
        if (cwndLimitedInRound && cwndBytes >= inflightHi) {
            bwProbeUpAcks += acked;
            if (bwProbeUpAcks >= probeUpCntBytes) {
                final long delta = bwProbeUpAcks / probeUpCntBytes;
                bwProbeUpAcks -= delta * probeUpCntBytes;
                inflightHi = Math.min(inflightHi + delta * mss, MAX_WINDOW_BYTES);
            }
        }
        if (roundStart) {
            raiseInflightHiSlope();
        }
    }

    private void raiseInflightHiSlope() {
        probeUpCntBytes = Math.max(cwndBytes >> bwProbeUpRounds, 1);
        bwProbeUpRounds = Math.min(bwProbeUpRounds + 1, 30);
    }

    private boolean isTimeToProbeBw(final long nowNs) {
        if (nowNs - cycleStampNs > bwProbeWaitNs || isRenoCoexistenceProbeTime()) {
            startProbeBwRefill();
            return true;
        }
        return false;
    }

    private boolean isRenoCoexistenceProbeTime() {
        final long renoRounds = Math.min(targetInflightBytes() / mss, MAX_RENO_ROUNDS);
        return roundsSinceBwProbe >= renoRounds;
    }

    private boolean isTimeToCruise(final long inflight) {
        if (inflight > inflightWithHeadroom()) {
            return false;
        }
        return inflight <= inflightBytes(maxBandwidthBytesPerSecond(), 1.0);
    }

    private void updateMinRtt(final long nowNs, final long rttNs) {
        probeRttExpired = probeRttMinStampSet && nowNs - probeRttMinStampNs > PROBE_RTT_INTERVAL_NS;
        if (rttNs > 0 && (rttNs < probeRttMinDelayNs || probeRttExpired)) {
            probeRttMinDelayNs = rttNs;
            probeRttMinStampNs = nowNs;
            probeRttMinStampSet = true;
        }
        final boolean minRttExpired = minRttNs != INFINITE && nowNs - minRttStampNs > MIN_RTT_FILTER_NS;
        if (probeRttMinDelayNs < minRttNs || minRttExpired) {
            minRttNs = probeRttMinDelayNs;
            minRttStampNs = probeRttMinStampNs;
        }
    }

    private void checkProbeRtt(final long nowNs, final long inflight) {
        if (mode != Mode.PROBE_RTT && probeRttExpired) {
            priorCwndBytes = Math.max(priorCwndBytes, cwndBytes);
            probeRttDoneStampSet = false;
            ackPhase = AckPhase.PROBE_STOPPING;
            startRound();
            mode = Mode.PROBE_RTT;
            pacingGain = 1.0;
            cwndGain = PROBE_RTT_CWND_GAIN;
        }
        if (mode == Mode.PROBE_RTT) {
            if (!probeRttDoneStampSet && inflight <= probeRttCwndBytes()) {
                probeRttDoneStampNs = nowNs + PROBE_RTT_DURATION_NS;
                probeRttDoneStampSet = true;
                probeRttRoundDone = false;
                startRound();
            } else if (probeRttDoneStampSet) {
                if (roundStart) {
                    probeRttRoundDone = true;
                }
                if (probeRttRoundDone && nowNs - probeRttDoneStampNs >= 0) {
                    probeRttMinStampNs = nowNs;
                    cwndBytes = Math.max(cwndBytes, priorCwndBytes);
                    priorCwndBytes = 0;
                    bwLo = INFINITE;
                    inflightLo = INFINITE;
                    if (filledPipe) {
                        startProbeBwDown(nowNs);
                        startProbeBwCruise();
                    } else {
                        mode = Mode.STARTUP;
                        pacingGain = STARTUP_PACING_GAIN;
                        cwndGain = DEFAULT_CWND_GAIN;
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Control parameters.

    private void setPacingRate() {
        if (bw <= 0) {
            return;
        }
        final long rate = Pacing.clampRate(pacingGain * bw * (1.0 - PACING_MARGIN));
        if (filledPipe || rate > pacingRateBytesPerSecond) {
            pacingRateBytesPerSecond = rate;
        }
    }

    private void setCwnd(final long acked) {
        final long maxInflight = inflightBytes(bw, cwndGain);
        if (filledPipe) {
            cwndBytes = Math.min(cwndBytes + acked, maxInflight);
        } else if (cwndBytes < maxInflight || deliveredBytes < initialWindowBytes) {
            cwndBytes = Math.min(cwndBytes + acked, MAX_WINDOW_BYTES);
        }
        cwndBytes = Math.max(cwndBytes, minPipeCwndBytes);
        if (mode == Mode.PROBE_RTT) {
            cwndBytes = Math.min(cwndBytes, probeRttCwndBytes());
        }
        long cap = INFINITE;
        if (mode.isProbeBw() && mode != Mode.PROBE_BW_CRUISE) {
            cap = inflightHi;
        } else if (mode == Mode.PROBE_RTT || mode == Mode.PROBE_BW_CRUISE) {
            cap = inflightWithHeadroom();
        }
        cap = Math.max(Math.min(cap, inflightLo), minPipeCwndBytes);
        cwndBytes = Math.min(cwndBytes, cap);
    }

    /** @return {@code gain * BDP}, or the initial window while the model has no bandwidth or RTT yet. */
    private long bdpBytes(final long bandwidth, final double gain) {
        if (minRttNs == INFINITE || bandwidth <= 0) {
            return initialWindowBytes;
        }
        final double bdp = gain * bandwidth * (minRttNs * 1e-9);
        return bdp >= MAX_WINDOW_BYTES ? MAX_WINDOW_BYTES : (long) bdp;
    }

    /** BBRInflight: {@code gain * BDP} plus the quantization budget. */
    private long inflightBytes(final long bandwidth, final double gain) {
        long inflight = bdpBytes(bandwidth, gain);
        inflight += 3 * sendQuantumBytes();
        if (mode == Mode.PROBE_BW_UP) {
            inflight += 2 * mss;
        }
        return Math.min(inflight, MAX_WINDOW_BYTES);
    }

    private long sendQuantumBytes() {
        final long perMs = pacingRateBytesPerSecond / 1000;
        return Math.min(Math.max(perMs, 2 * mss), Math.max(MAX_SEND_QUANTUM_BYTES, 2 * mss));
    }

    private long targetInflightBytes() {
        return Math.min(bdpBytes(bw, 1.0), cwndBytes);
    }

    private long inflightWithHeadroom() {
        if (inflightHi == INFINITE) {
            return INFINITE;
        }
        final long headroom = Math.max(1, (long) (HEADROOM * inflightHi));
        return Math.max(inflightHi - headroom, minPipeCwndBytes);
    }

    private long probeRttCwndBytes() {
        return Math.max(bdpBytes(bw, PROBE_RTT_CWND_GAIN), minPipeCwndBytes);
    }

    private long nextRandom() {
        // xorshift64*: deterministic, allocation-free.
        long x = randomState;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        randomState = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    @Override
    public String toString() {
        return "Bbr{mode=" + mode + ", bw=" + bw + ", minRttNs=" + minRttNs() + ", cwnd=" + cwndBytes
            + ", pacing=" + pacingRateBytesPerSecond + ", inflightHi=" + (inflightHi == INFINITE ? "inf" : inflightHi)
            + ", inflightLo=" + (inflightLo == INFINITE ? "inf" : inflightLo) + ", rounds=" + roundCount + '}';
    }
}
