package io.longhaul.transport.cc;

import java.util.Map;
import java.util.Objects;

/**
 * What a congestion controller is created with: the path's maximum datagram size, the windows the
 * core requires, and algorithm-specific parameters parsed from a spec such as
 * {@code fixed:rate=1gbit}.
 *
 * @param maxDatagramBytes   largest datagram the path sends, in bytes.
 * @param initialWindowBytes initial congestion window (RFC 9002: 10 datagrams).
 * @param minimumWindowBytes the window never goes below this (RFC 9002: 2 datagrams).
 * @param parameters         algorithm parameters from the spec, never null.
 */
public record CongestionControlConfig(
    int maxDatagramBytes,
    long initialWindowBytes,
    long minimumWindowBytes,
    Map<String, String> parameters) {

    public CongestionControlConfig {
        if (maxDatagramBytes < 64) {
            throw new IllegalArgumentException("maxDatagramBytes must be >= 64, got " + maxDatagramBytes);
        }
        if (minimumWindowBytes < maxDatagramBytes) {
            throw new IllegalArgumentException(
                "minimumWindowBytes must be >= maxDatagramBytes (" + maxDatagramBytes + "), got " + minimumWindowBytes);
        }
        if (initialWindowBytes < minimumWindowBytes) {
            throw new IllegalArgumentException(
                "initialWindowBytes must be >= minimumWindowBytes (" + minimumWindowBytes + "), got " + initialWindowBytes);
        }
        parameters = Map.copyOf(Objects.requireNonNull(parameters, "parameters"));
    }

    /** RFC 9002 defaults: initial window 10 datagrams, minimum window 2 datagrams, no parameters. */
    public static CongestionControlConfig defaults(final int maxDatagramBytes) {
        return new CongestionControlConfig(maxDatagramBytes, 10L * maxDatagramBytes, 2L * maxDatagramBytes, Map.of());
    }

    /** @return a copy with the given algorithm parameters. */
    public CongestionControlConfig withParameters(final Map<String, String> newParameters) {
        return new CongestionControlConfig(maxDatagramBytes, initialWindowBytes, minimumWindowBytes, newParameters);
    }
}
