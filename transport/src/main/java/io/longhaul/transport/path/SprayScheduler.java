package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

/**
 * Per-packet spraying: each packet goes to the next path, in round-robin order, that has window and
 * is ready, so every path carries what its own congestion controller and pacer allow. This is the
 * packet spraying of AWS SRD (Shalev et al., "A Cloud-Optimized Transport Protocol for Elastic and
 * Scalable HPC", IEEE Micro 2020) and of the Ultra Ethernet transport: many paths through the ECMP
 * fabric, each with its own congestion state, and reordering absorbed by the receiver (here, each
 * path has its own packet-number space, so packets overtaking each other across paths are never
 * taken for losses). When no path is ready, the one whose pacer frees soonest is returned.
 */
public final class SprayScheduler implements PathScheduler {
    public static final String NAME = "spray";

    private int next;

    public SprayScheduler(final PathSchedulerConfig config) {
        PluginParameters.of(NAME, config.parameters());
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        final int i = Paths.firstReady(nowNs, paths, next);
        if (i >= 0 && paths.readyAtNs(i) - nowNs <= 0) {
            next = (i + 1) % paths.count();
        }
        return i;
    }

    /** Registers {@code spray}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "per-packet round robin over every path with window (SRD/UEC spraying); the default";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new SprayScheduler(config);
        }
    }
}
