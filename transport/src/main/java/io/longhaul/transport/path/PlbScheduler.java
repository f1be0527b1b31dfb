package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Protective Load Balancing (Qureshi et al., "PLB: Congestion Signals are Simple and Effective for
 * Network Load Balancing", SIGCOMM 2022; Linux {@code tcp_plb}): a path whose rounds stay
 * congested is moved to a fresh UDP source port, hence a new ECMP hash and most likely another
 * link. Packets are sprayed over the paths as {@link SprayScheduler} does.
 *
 * <p>PLB counts a round congested when at least half its packets carry ECN marks; these paths have
 * no ECN, so a round (one smoothed RTT of a path) counts as congested when its loss rate reaches
 * {@code loss} (default 2%) or its smallest RTT sample exceeds the path's minimum RTT by
 * {@code rtt} (default 0.25, i.e. 25%) plus 1 ms: a queue that did not drain all round.
 *
 * <p>Where PLB re-paths after K consecutive congested rounds, this one re-paths when a share of the
 * last {@code rounds} rounds (default 32) were congested: the share is drawn per path, after each
 * re-path, from {@code share} to 1.5 x {@code share} (default 50% to 75%) with the connection's
 * seed. The reasons: a BBRv3 flow alone on its link queues for a dozen rounds in each ProbeBW_UP
 * (it raises {@code inflight_hi} until loss), and a newcomer's startup queues the incumbent's
 * rounds too, so consecutive rounds mistake a probing loner for a collision; a flow that shares
 * its link queues in most rounds. And two flows on one link see the same congestion: with one
 * fixed threshold both would move at once, often both onto links already taken; a drawn one lets
 * one leave first and the other see the congestion end; so a path also moves only while its last
 * two rounds were congested. A path is judged only once it has {@code rounds} rounds of history
 * since it started or last moved. As Linux re-hashes a flow
 * after each retransmission timeout, a path the connection declares failed is re-pathed at once
 * and again after every unanswered background probe, so a blackholed link is left within a few
 * probes rather than when it comes back. A connection with a single path never declares it failed
 * (there is nowhere to repair its data), so there a path is re-pathed after
 * {@value #SOLE_PATH_REPATH_PTOS} probe timeouts in a row without an ACK, and again after every
 * further one, as a single TCP flow re-hashes on its retransmission timeouts.
 */
public final class PlbScheduler implements PathScheduler {
    public static final String NAME = "plb";
    private static final long RTT_SLACK_NS = 1_000_000;
    /** Probe timeouts in a row after which the only path of a connection moves (the default pathFailurePtos). */
    static final int SOLE_PATH_REPATH_PTOS = 3;

    private final SprayScheduler spray;
    private final double lossThreshold;
    private final double rttInflation;
    private final int window;
    private final double share;
    private final SplittableRandom random;
    private final long[] roundStartNs;
    private final long[] roundSentBase;
    private final long[] roundLostBase;
    private final long[] roundMinRttNs;
    /** The last rounds of each path, newest in bit 0: 1 = congested. */
    private final long[] history;
    /** Rounds recorded in {@link #history} since the path started or last moved. */
    private final int[] judged;
    /** Congested rounds (of the last {@code window}) that move each path, drawn after every re-path. */
    private final int[] threshold;
    /** Probe timeouts since the path's last ACK. */
    private final int[] silentPtos;
    private long repathRequests;

    public PlbScheduler(final PathSchedulerConfig config) {
        final PluginParameters p = PluginParameters.of(NAME, config.parameters(), "loss", "rtt", "rounds", "share");
        lossThreshold = p.number("loss", 0.02, 1e-6, 1);
        rttInflation = p.number("rtt", 0.25, 0, 100);
        window = (int) p.number("rounds", 32, 1, 64);
        share = p.number("share", 0.5, 0.01, 1);
        spray = new SprayScheduler(config.withParameters(Map.of()));
        random = new SplittableRandom(config.seed());
        final int n = config.pathCount();
        roundStartNs = new long[n];
        roundSentBase = new long[n];
        roundLostBase = new long[n];
        roundMinRttNs = new long[n];
        history = new long[n];
        judged = new int[n];
        threshold = new int[n];
        silentPtos = new int[n];
        Arrays.fill(roundStartNs, Long.MIN_VALUE);
        Arrays.fill(roundMinRttNs, Long.MAX_VALUE);
        for (int i = 0; i < n; i++) {
            threshold[i] = drawThreshold();
        }
    }

    private int drawThreshold() {
        final int low = Math.max(1, (int) Math.ceil(share * window));
        final int high = Math.max(low, Math.min(window, (int) Math.ceil(1.5 * share * window)));
        return low + random.nextInt(high - low + 1);
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        return spray.pick(nowNs, paths);
    }

    @Override
    public void onAck(final long nowNs, final int path, final long ackedBytes, final long rttSampleNs, final PathSet paths) {
        silentPtos[path] = 0;
        if (rttSampleNs >= 0) {
            roundMinRttNs[path] = Math.min(roundMinRttNs[path], rttSampleNs);
        }
        if (roundStartNs[path] == Long.MIN_VALUE) {
            startRound(nowNs, path, paths);
            return;
        }
        if (nowNs - roundStartNs[path] < paths.smoothedRttNs(path)) {
            return;
        }
        final long sent = paths.packetsSent(path) - roundSentBase[path];
        if (sent > 0) {
            final long lost = paths.lostPackets(path) - roundLostBase[path];
            final long minRtt = paths.minRttNs(path);
            final boolean lossy = lost >= lossThreshold * sent;
            final boolean queued = minRtt > 0 && roundMinRttNs[path] != Long.MAX_VALUE
                && roundMinRttNs[path] > minRtt + minRtt * rttInflation + RTT_SLACK_NS;
            history[path] = (history[path] << 1) | (lossy || queued ? 1 : 0);
            judged[path] = Math.min(window, judged[path] + 1);
            if (judged[path] >= window && (history[path] & 0b11) == 0b11 && congestedRounds(path) >= threshold[path]) {
                requestRepath(path, paths);
            }
        }
        startRound(nowNs, path, paths);
    }

    /** @return how many of the path's last {@code rounds} rounds were congested. */
    private int congestedRounds(final int path) {
        final long mask = window == 64 ? -1L : (1L << window) - 1;
        return Long.bitCount(history[path] & mask);
    }

    private void startRound(final long nowNs, final int path, final PathSet paths) {
        roundStartNs[path] = nowNs;
        roundSentBase[path] = paths.packetsSent(path);
        roundLostBase[path] = paths.lostPackets(path);
        roundMinRttNs[path] = Long.MAX_VALUE;
    }

    private void requestRepath(final int path, final PathSet paths) {
        paths.repath(path);
        repathRequests++;
        history[path] = 0;
        judged[path] = 0;
        threshold[path] = drawThreshold();
    }

    @Override
    public void onPathStateChanged(final long nowNs, final int path, final boolean usable, final PathSet paths) {
        history[path] = 0;
        judged[path] = 0;
        roundStartNs[path] = Long.MIN_VALUE;
        if (!usable) {
            requestRepath(path, paths);
        }
    }

    /**
     * A failed path's background probe went unanswered: try yet another port. So does the only path
     * of a connection once it has been silent for {@value #SOLE_PATH_REPATH_PTOS} probe timeouts.
     */
    @Override
    public void onProbeTimeout(final long nowNs, final int path, final boolean failed, final PathSet paths) {
        silentPtos[path]++;
        if (failed || paths.count() == 1 && silentPtos[path] >= SOLE_PATH_REPATH_PTOS) {
            requestRepath(path, paths);
        }
    }

    /** @return re-paths asked for so far. */
    public long repathRequests() {
        return repathRequests;
    }

    /** Registers {@code plb}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "spray, and move a path congested (loss or RTT) in most recent rounds to a new source port (PLB)";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new PlbScheduler(config);
        }
    }
}
