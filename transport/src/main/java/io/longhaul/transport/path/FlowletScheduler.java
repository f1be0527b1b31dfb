package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

/**
 * Flowlet switching, as LetFlow (Vanini et al., NSDI 2017) and CONGA (Alizadeh et al., SIGCOMM
 * 2014) do in switches: packets stay on the current path while they follow each other closely;
 * after an idle gap longer than the paths' RTT difference (and at least {@code gap}, default
 * 500 us) the next burst, a new flowlet, may take another path without arriving before the packets
 * ahead of it. The new flowlet goes to the ready path with the largest share of its window free
 * (CONGA's least-congested choice, with the window as the congestion signal); every {@code probe}
 * flowlets (default 64) to the path used longest ago instead, so each path stays measured.
 *
 * <p>While a flowlet lasts and its path has no window, nothing is sent: moving then would reorder.
 */
public final class FlowletScheduler implements PathScheduler {
    public static final String NAME = "flowlet";

    private final long minGapNs;
    private final int probeEvery;
    private final long[] lastPicked;
    private int current = -1;
    private long lastSentNs;
    private long flowlets;
    private long switches;

    public FlowletScheduler(final PathSchedulerConfig config) {
        final PluginParameters p = PluginParameters.of(NAME, config.parameters(), "gap", "probe");
        minGapNs = p.durationNs("gap", 500_000, 1_000, 10_000_000_000L);
        probeEvery = (int) p.number("probe", 64, 2, 1 << 20);
        lastPicked = new long[config.pathCount()];
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        if (current >= 0 && paths.usable(current) && nowNs - lastSentNs < gapNs(paths)) {
            return paths.hasWindow(current) ? current : -1;
        }
        flowlets++;
        int chosen = flowlets % probeEvery == 0 ? Paths.leastRecent(paths, lastPicked) : -1;
        if (chosen < 0) {
            double bestFree = -1;
            for (int i = 0; i < paths.count(); i++) {
                if (!paths.hasWindow(i) || paths.readyAtNs(i) - nowNs > 0) {
                    continue;
                }
                final long cwnd = Math.max(1, paths.congestionWindowBytes(i));
                final double free = (double) (cwnd - paths.bytesInFlight(i)) / cwnd;
                if (free > bestFree) {
                    chosen = i;
                    bestFree = free;
                }
            }
        }
        if (chosen < 0) {
            chosen = Paths.firstReady(nowNs, paths, 0);
        }
        if (chosen >= 0) {
            if (current >= 0 && chosen != current) {
                switches++;
            }
            current = chosen;
            lastPicked[chosen] = flowlets;
        }
        return chosen;
    }

    private long gapNs(final PathSet paths) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < paths.count(); i++) {
            if (paths.usable(i)) {
                min = Math.min(min, paths.smoothedRttNs(i));
                max = Math.max(max, paths.smoothedRttNs(i));
            }
        }
        return Math.max(minGapNs, max - min);
    }

    @Override
    public void onSent(final long nowNs, final int path, final int bytes) {
        if (path == current) {
            lastSentNs = nowNs;
        }
    }

    /** @return how often a new flowlet went to another path than the one before. */
    public long switches() {
        return switches;
    }

    /** Registers {@code flowlet}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "switch paths only after an idle gap longer than the RTT difference (LetFlow/CONGA); gap=500us";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new FlowletScheduler(config);
        }
    }
}
