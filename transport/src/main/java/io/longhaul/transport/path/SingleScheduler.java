package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginParameters;

/**
 * One path: everything on the lowest-numbered usable path, what a single TCP flow gets from an
 * ECMP fabric (one hash, one link). The other paths are used only when that one fails, so it is the
 * baseline the spreading schedulers are measured against.
 */
public final class SingleScheduler implements PathScheduler {
    public static final String NAME = "single";

    public SingleScheduler(final PathSchedulerConfig config) {
        PluginParameters.of(NAME, config.parameters());
    }

    @Override
    public int pick(final long nowNs, final PathSet paths) {
        for (int i = 0; i < paths.count(); i++) {
            if (paths.usable(i)) {
                return paths.hasWindow(i) ? i : -1;
            }
        }
        return -1;
    }

    /** Registers {@code single}. */
    public static final class Provider implements PathSchedulerProvider {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "one path only (the lowest usable), as a TCP flow is pinned to one ECMP link";
        }

        @Override
        public PathScheduler create(final PathSchedulerConfig config) {
            return new SingleScheduler(config);
        }
    }
}
