package io.longhaul.transport.cc;

import io.longhaul.transport.util.Units;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks and parses the algorithm parameters of a {@link CongestionControlConfig} for the built-in
 * controllers. Every error names the algorithm, the parameter and the accepted values.
 */
final class CongestionControlParameters {
    private final String algorithm;
    private final Map<String, String> parameters;

    private CongestionControlParameters(final String algorithm, final Map<String, String> parameters) {
        this.algorithm = algorithm;
        this.parameters = parameters;
    }

    /**
     * @param accepted the parameter names the algorithm understands.
     * @throws IllegalArgumentException if {@code config} holds a parameter not in {@code accepted}.
     */
    static CongestionControlParameters of(final String algorithm, final CongestionControlConfig config, final String... accepted) {
        final List<String> acceptedList = Arrays.asList(accepted);
        final List<String> unknown = new ArrayList<>();
        for (final String key : config.parameters().keySet()) {
            if (!acceptedList.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            unknown.sort(null);
            throw new IllegalArgumentException(algorithm + ": unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                + String.join(", ", unknown) + "; accepted: " + (accepted.length == 0 ? "none" : String.join(", ", accepted)));
        }
        return new CongestionControlParameters(algorithm, config.parameters());
    }

    boolean has(final String key) {
        return parameters.containsKey(key);
    }

    /** A duration in nanoseconds within [minNs, maxNs], or {@code defaultNs} when absent. */
    long durationNs(final String key, final long defaultNs, final long minNs, final long maxNs) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultNs;
        }
        final long value = Units.parseDurationNs(algorithm + " parameter " + key, text);
        if (value < minNs || value > maxNs) {
            throw new IllegalArgumentException(algorithm + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + Units.formatDuration(minNs) + " to " + Units.formatDuration(maxNs));
        }
        return value;
    }

    /** A rate in bits per second within [min, max], or {@code defaultBits} when absent. */
    long rateBitsPerSecond(final String key, final long defaultBits, final long minBits, final long maxBits) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultBits;
        }
        final long value = Units.parseRateBitsPerSecond(algorithm + " parameter " + key, text);
        if (value < minBits || value > maxBits) {
            throw new IllegalArgumentException(algorithm + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + Units.formatRate(minBits) + " to " + Units.formatRate(maxBits));
        }
        return value;
    }

    /** A size in bytes within [min, max], or {@code defaultBytes} when absent. */
    long sizeBytes(final String key, final long defaultBytes, final long minBytes, final long maxBytes) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultBytes;
        }
        final long value = Units.parseSizeBytes(algorithm + " parameter " + key, text);
        if (value < minBytes || value > maxBytes) {
            throw new IllegalArgumentException(algorithm + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + minBytes + " B to " + maxBytes + " B");
        }
        return value;
    }

    /** A plain number within [min, max], or {@code defaultValue} when absent. */
    double number(final String key, final double defaultValue, final double min, final double max) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultValue;
        }
        final double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(algorithm + " parameter " + key + ": '" + text + "' is not a number; accepted: "
                + min + " to " + max);
        }
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(algorithm + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + min + " to " + max);
        }
        return value;
    }
}
