package io.longhaul.transport.core;

/**
 * A change of one path's state, as {@link ConnectionStats#pathEvents()} lists them.
 *
 * @param atNs   when it happened, nanoseconds since the connection was created.
 * @param pathId the path.
 * @param kind   what happened.
 * @param detail a human-readable cause, e.g. {@code "3 probe timeouts, 412 packets declared lost"}.
 */
public record PathEvent(long atNs, int pathId, Kind kind, String detail) {
    /** What happened to the path. */
    public enum Kind {
        /** Silent for the configured number of probe timeouts: its data was repaired on the others. */
        FAILED,
        /** A failed path answered a background probe and carries data again. */
        REINSTATED,
        /** Moved to a fresh local source port (a new ECMP hash). */
        REPATHED,
        /** The peer's packets came from a new address, which answered a challenge: sent there from now on. */
        MIGRATED
    }

    @Override
    public String toString() {
        return String.format("%.3fs path %d %s%s", atNs / 1e9, pathId, kind.name().toLowerCase(java.util.Locale.ROOT),
            detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
