package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

/**
 * Lowest RTT first, MPTCP's default scheduler (Paasch et al., "Experimental Evaluation of
 * Multipath TCP Schedulers", CSWS 2014; RFC 8684 leaves the choice to implementations): each packet
 * goes to the ready path with window whose smoothed RTT is lowest, so slower paths carry data only
 * when the faster ones are window- or pacing-limited. Because a path that never carries data never
 * refreshes its RTT, every {@code probe} picks (default 256) the path picked longest ago is used
 * once.
 */
public final class MinRttScheduler implements PathScheduler {
    public static final String NAME = "minrtt";

    private final int probeEvery;
    private final long[] lastPicked;
    private long picks;

    public MinRttScheduler(final PathSchedulerConfig config) {
        probeEvery = (int) PluginParameters.of(NAME, config.parameters(), "probe").number("probe", 256, 2, 1 << 20);
        lastPicked = new long[config.pathCount()];
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        picks++;
        int chosen = -1;
        if (picks % probeEvery == 0) {
            chosen = Paths.leastRecent(paths, lastPicked);
        }
        if (chosen < 0) {
            long bestRtt = Long.MAX_VALUE;
            for (int i = 0; i < paths.count(); i++) {
                if (paths.hasWindow(i) && paths.readyAtNs(i) - nowNs <= 0 && paths.smoothedRttNs(i) < bestRtt) {
                    chosen = i;
                    bestRtt = paths.smoothedRttNs(i);
                }
            }
        }
        if (chosen < 0) {
            chosen = Paths.firstReady(nowNs, paths, 0);
        }
        if (chosen >= 0) {
            lastPicked[chosen] = picks;
        }
        return chosen;
    }

    /** Registers {@code minrtt}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "lowest smoothed RTT among paths that can send (MPTCP's default); probe=N refreshes the others";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new MinRttScheduler(config);
        }
    }
}
