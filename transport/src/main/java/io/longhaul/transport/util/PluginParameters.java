package io.longhaul.transport.util;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks and parses the {@code key=value} parameters of a plug-in spec (a congestion controller's
 * {@code bbr:loss_thresh=0.05}, a path scheduler's {@code plb:rounds=3}). Every error names the
 * plug-in, the parameter and the accepted values.
 */
public final class PluginParameters {
    private final String plugin;
    private final Map<String, String> parameters;

    private PluginParameters(final String plugin, final Map<String, String> parameters) {
        this.plugin = plugin;
        this.parameters = parameters;
    }

    /**
     * @param plugin     the plug-in's name, for messages.
     * @param parameters the parameters given.
     * @param accepted   the parameter names the plug-in understands.
     * @throws IllegalArgumentException if {@code parameters} holds a name not in {@code accepted}.
     */
    public static PluginParameters of(final String plugin, final Map<String, String> parameters, final String... accepted) {
        final List<String> acceptedList = Arrays.asList(accepted);
        final List<String> unknown = new ArrayList<>();
        for (final String key : parameters.keySet()) {
            if (!acceptedList.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            unknown.sort(null);
            throw new IllegalArgumentException(plugin + ": unknown parameter" + (unknown.size() > 1 ? "s " : " ")
                + String.join(", ", unknown) + "; accepted: " + (accepted.length == 0 ? "none" : String.join(", ", accepted)));
        }
        return new PluginParameters(plugin, parameters);
    }

    public boolean has(final String key) {
        return parameters.containsKey(key);
    }

    /** A duration in nanoseconds within [minNs, maxNs], or {@code defaultNs} when absent. */
    public long durationNs(final String key, final long defaultNs, final long minNs, final long maxNs) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultNs;
        }
        final long value = Units.parseDurationNs(plugin + " parameter " + key, text);
        if (value < minNs || value > maxNs) {
            throw new IllegalArgumentException(plugin + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + Units.formatDuration(minNs) + " to " + Units.formatDuration(maxNs));
        }
        return value;
    }

    /** A rate in bits per second within [min, max], or {@code defaultBits} when absent. */
    public long rateBitsPerSecond(final String key, final long defaultBits, final long minBits, final long maxBits) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultBits;
        }
        final long value = Units.parseRateBitsPerSecond(plugin + " parameter " + key, text);
        if (value < minBits || value > maxBits) {
            throw new IllegalArgumentException(plugin + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + Units.formatRate(minBits) + " to " + Units.formatRate(maxBits));
        }
        return value;
    }

    /** A size in bytes within [min, max], or {@code defaultBytes} when absent. */
    public long sizeBytes(final String key, final long defaultBytes, final long minBytes, final long maxBytes) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultBytes;
        }
        final long value = Units.parseSizeBytes(plugin + " parameter " + key, text);
        if (value < minBytes || value > maxBytes) {
            throw new IllegalArgumentException(plugin + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + minBytes + " B to " + maxBytes + " B");
        }
        return value;
    }

    /** A plain number within [min, max], or {@code defaultValue} when absent. */
    public double number(final String key, final double defaultValue, final double min, final double max) {
        final String text = parameters.get(key);
        if (text == null) {
            return defaultValue;
        }
        final double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(plugin + " parameter " + key + ": '" + text + "' is not a number; accepted: "
                + min + " to " + max);
        }
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(plugin + " parameter " + key + ": '" + text + "' is out of range; accepted: "
                + min + " to " + max);
        }
        return value;
    }
}
