package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

import java.util.Arrays;

/**
 * Weighted spraying: stride scheduling (Waldspurger and Weihl, 1995) over the paths, each path's
 * share proportional to its delivery rate ({@code by=rate}, the default) or its congestion window
 * ({@code by=cwnd}, striping in proportion to the window as pTCP does: Hsieh and Sivakumar,
 * MobiCom 2002). Each path keeps a pass value advanced by {@code bytes / weight} per packet; the
 * ready path with window and the lowest pass goes next. A path that was idle (no window, failed)
 * rejoins at the current pass, so it does not get a burst to catch up.
 */
public final class WeightedScheduler implements PathScheduler {
    public static final String NAME = "weighted";

    private final boolean byRate;
    private final double[] pass;
    private final double[] weight;
    private double globalPass;

    public WeightedScheduler(final PathSchedulerConfig config) {
        PluginParameters.of(NAME, config.parameters(), "by");
        final String by = config.parameters().getOrDefault("by", "rate");
        if (!by.equals("rate") && !by.equals("cwnd")) {
            throw new IllegalArgumentException(NAME + " parameter by: '" + by + "' is not accepted; accepted: rate, cwnd");
        }
        this.byRate = by.equals("rate");
        this.pass = new double[config.pathCount()];
        this.weight = new double[config.pathCount()];
        Arrays.fill(weight, 1);
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        int best = -1;
        double bestPass = Double.MAX_VALUE;
        for (int i = 0; i < paths.count(); i++) {
            if (!paths.hasWindow(i) || paths.readyAtNs(i) - nowNs > 0) {
                continue;
            }
            weight[i] = Math.max(1, byRate ? paths.deliveryRateBytesPerSecond(i) : paths.congestionWindowBytes(i));
            final double p = Math.max(pass[i], globalPass);
            if (p < bestPass) {
                best = i;
                bestPass = p;
            }
        }
        if (best < 0) {
            return Paths.firstReady(nowNs, paths, 0);
        }
        pass[best] = bestPass;
        globalPass = bestPass;
        return best;
    }

    @Override
    public void onSent(final long nowNs, final int path, final int bytes) {
        pass[path] = Math.max(pass[path], globalPass) + bytes / weight[path];
    }

    /** Registers {@code weighted}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "stride scheduling in proportion to each path's rate (by=rate) or window (by=cwnd)";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new WeightedScheduler(config);
        }
    }
}
