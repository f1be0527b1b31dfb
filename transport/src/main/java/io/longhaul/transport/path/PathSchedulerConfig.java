package io.longhaul.transport.path;

import java.util.Map;
import java.util.Objects;

/**
 * What a path scheduler is created with.
 *
 * @param pathCount        paths of the connection, 1 to 16.
 * @param maxDatagramBytes largest datagram a path sends.
 * @param seed             seed for any randomness (the connection's id), so runs replay.
 * @param parameters       scheduler parameters from the spec, never null.
 */
public record PathSchedulerConfig(int pathCount, int maxDatagramBytes, long seed, Map<String, String> parameters) {
    public PathSchedulerConfig {
        if (pathCount < 1 || pathCount > 16) {
            throw new IllegalArgumentException("pathCount = " + pathCount + " is out of range; accepted: [1, 16]");
        }
        if (maxDatagramBytes < 64) {
            throw new IllegalArgumentException("maxDatagramBytes must be >= 64, got " + maxDatagramBytes);
        }
        parameters = Map.copyOf(Objects.requireNonNull(parameters, "parameters"));
    }

    /** @return a copy with the given scheduler parameters. */
    public PathSchedulerConfig withParameters(final Map<String, String> newParameters) {
        return new PathSchedulerConfig(pathCount, maxDatagramBytes, seed, newParameters);
    }
}
