package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

import java.util.Arrays;
import java.util.Map;

/**
 * Protective Load Balancing (Qureshi et al., "PLB: Congestion Signals are Simple and Effective for
 * Network Load Balancing", SIGCOMM 2022; Linux {@code tcp_plb}): a path whose rounds stay
 * congested is moved to a fresh UDP source port, hence a new ECMP hash and most likely another
 * link. Packets are sprayed over the paths as {@link SprayScheduler} does.
 *
 * <p>PLB counts a round congested when at least half its packets carry ECN marks; this transport
 * runs over paths without ECN, so a round (one smoothed RTT of a path) counts as congested when its
 * loss rate reaches {@code loss} (default 2%) or its smallest RTT sample exceeds the path's minimum
 * RTT by {@code rtt} (default 0.25, i.e. 25%) plus 1 ms: a standing queue that did not drain all
 * round. After {@code rounds} consecutive congested rounds (default 3) the path is re-pathed, then
 * left alone for {@code pause} rounds (default 10) so it can settle on its new link. As Linux
 * re-hashes a flow after a retransmission timeout, a path the connection declares failed is
 * re-pathed at once, so a blackholed link is left in a few RTTs instead of when it comes back.
 */
public final class PlbScheduler implements PathScheduler {
    public static final String NAME = "plb";
    private static final long RTT_SLACK_NS = 1_000_000;

    private final SprayScheduler spray;
    private final double lossThreshold;
    private final double rttInflation;
    private final int rounds;
    private final int pauseRounds;
    private final long[] roundStartNs;
    private final long[] roundSentBase;
    private final long[] roundLostBase;
    private final long[] roundMinRttNs;
    private final int[] congestedRounds;
    private final long[] pausedUntilNs;
    private final boolean[] paused;
    private long repathRequests;

    public PlbScheduler(final PathSchedulerConfig config) {
        final PluginParameters p = PluginParameters.of(NAME, config.parameters(), "loss", "rtt", "rounds", "pause");
        lossThreshold = p.number("loss", 0.02, 1e-6, 1);
        rttInflation = p.number("rtt", 0.25, 0, 100);
        rounds = (int) p.number("rounds", 3, 1, 1_000);
        pauseRounds = (int) p.number("pause", 10, 0, 100_000);
        spray = new SprayScheduler(config.withParameters(Map.of()));
        final int n = config.pathCount();
        roundStartNs = new long[n];
        roundSentBase = new long[n];
        roundLostBase = new long[n];
        roundMinRttNs = new long[n];
        congestedRounds = new int[n];
        pausedUntilNs = new long[n];
        paused = new boolean[n];
        Arrays.fill(roundStartNs, Long.MIN_VALUE);
        Arrays.fill(roundMinRttNs, Long.MAX_VALUE);
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        return spray.pick(nowNs, paths);
    }

    @Override
    public void onAck(final long nowNs, final int path, final long ackedBytes, final long rttSampleNs, final PathSet paths) {
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
        final long lost = paths.lostPackets(path) - roundLostBase[path];
        final long minRtt = paths.minRttNs(path);
        final boolean lossy = sent > 0 && lost >= lossThreshold * sent;
        final boolean queued = minRtt > 0 && roundMinRttNs[path] != Long.MAX_VALUE
            && roundMinRttNs[path] > minRtt + minRtt * rttInflation + RTT_SLACK_NS;
        if (sent > 0 && (lossy || queued)) {
            congestedRounds[path]++;
        } else if (sent > 0) {
            congestedRounds[path] = 0;
        }
        if (congestedRounds[path] >= rounds && !(paused[path] && pausedUntilNs[path] - nowNs > 0)) {
            requestRepath(nowNs, path, paths);
        }
        startRound(nowNs, path, paths);
    }

    private void startRound(final long nowNs, final int path, final PathSet paths) {
        roundStartNs[path] = nowNs;
        roundSentBase[path] = paths.packetsSent(path);
        roundLostBase[path] = paths.lostPackets(path);
        roundMinRttNs[path] = Long.MAX_VALUE;
    }

    private void requestRepath(final long nowNs, final int path, final PathSet paths) {
        paths.repath(path);
        repathRequests++;
        congestedRounds[path] = 0;
        paused[path] = true;
        pausedUntilNs[path] = nowNs + pauseRounds * Math.max(1, paths.smoothedRttNs(path));
    }

    @Override
    public void onPathStateChanged(final long nowNs, final int path, final boolean usable, final PathSet paths) {
        congestedRounds[path] = 0;
        roundStartNs[path] = Long.MIN_VALUE;
        if (!usable) {
            requestRepath(nowNs, path, paths);
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
            return "spray, and move a path whose rounds stay congested (loss or RTT) to a new source port (PLB)";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new PlbScheduler(config);
        }
    }
}
