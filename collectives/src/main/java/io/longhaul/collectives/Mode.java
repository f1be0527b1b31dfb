package io.longhaul.collectives;

import java.util.Locale;

/**
 * How a collective treats the network.
 *
 * <ul>
 *   <li>{@link #RELIABLE}: every byte arrives (repaired as long as it takes, up to the
 *       collective's timeout); the result is exact.</li>
 *   <li>{@link #BOUNDED}: every step has a time budget; whatever has not arrived when it runs out
 *       is missing and is never waited for. Each reduced element counts the ranks whose
 *       contribution reached it, and sum and avg are rescaled by those counts so that the result
 *       stays an unbiased estimate (see {@link Communicator} for the exact semantics per op). In
 *       the spirit of OptiReduce (Warraich et al., NSDI '25) and MLT (Wang et al., NSDI '24).
 *       Applies to all-reduce, reduce-scatter and all-gather; broadcast and barrier stay reliable.</li>
 * </ul>
 */
public enum Mode {
    RELIABLE("reliable"),
    BOUNDED("bounded");

    private final String modeName;

    Mode(final String modeName) {
        this.modeName = modeName;
    }

    public String modeName() {
        return modeName;
    }

    public static Mode parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final Mode m : values()) {
            if (m.modeName.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name + "'; accepted: reliable, bounded");
    }
}
