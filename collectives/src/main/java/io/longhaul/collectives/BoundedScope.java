package io.longhaul.collectives;

import java.util.Locale;

/**
 * Which steps of a {@link Mode#BOUNDED} collective are bounded in time; the others stay reliable.
 *
 * <ul>
 *   <li>{@link #AUTO}: {@link #INTER} for the hierarchical algorithm (its intra-DC steps rarely
 *       lose anything and are cheap to repair), {@link #ALL} for the others;</li>
 *   <li>{@link #INTER}: only messages between ranks of different DCs (none with a single DC);</li>
 *   <li>{@link #ALL}: every message.</li>
 * </ul>
 */
public enum BoundedScope {
    AUTO("auto"),
    INTER("inter"),
    ALL("all");

    private final String scopeName;

    BoundedScope(final String scopeName) {
        this.scopeName = scopeName;
    }

    public String scopeName() {
        return scopeName;
    }

    /** @return {@link #INTER} or {@link #ALL} for {@code algorithm}. */
    public BoundedScope resolve(final Algorithm algorithm) {
        if (this != AUTO) {
            return this;
        }
        return algorithm == Algorithm.HIER ? INTER : ALL;
    }

    public static BoundedScope parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final BoundedScope s : values()) {
            if (s.scopeName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown bounded scope '" + name + "'; accepted: auto, inter, all");
    }
}
