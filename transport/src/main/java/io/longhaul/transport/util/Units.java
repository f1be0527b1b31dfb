package io.longhaul.transport.util;

import java.util.Locale;

/**
 * Parsing and printing of the quantities users type: durations ({@code 5ms}), rates in netem's
 * vocabulary ({@code 1gbit}, {@code 100mbps}), sizes ({@code 64M}, {@code 1KiB}) and percentages
 * ({@code 0.1%}). Parse errors name the field, the value and what is accepted.
 */
public final class Units {
    private Units() {
    }

    /** Accepted duration units, for error messages. */
    public static final String DURATION_UNITS = "ns, us, ms, s, m";
    /** Accepted rate units, for error messages. */
    public static final String RATE_UNITS = "bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s)";
    /** Accepted size units, for error messages. */
    public static final String SIZE_UNITS = "B, K/KB/KiB, M/MB/MiB, G/GB/GiB (powers of 1024)";

    /**
     * Parses a duration such as {@code 5ms}, {@code 50us}, {@code 1.5s}, {@code 10m}.
     *
     * @param field name shown in errors.
     * @return the duration in nanoseconds.
     */
    public static long parseDurationNs(final String field, final String text) {
        final String s = trimmed(field, text);
        final int split = numberEnd(s);
        final double value = number(field, s, split, DURATION_UNITS);
        final String unit = s.substring(split).toLowerCase(Locale.ROOT);
        final double scale;
        switch (unit) {
            case "ns":
                scale = 1;
                break;
            case "us":
            case "µs":
                scale = 1e3;
                break;
            case "ms":
                scale = 1e6;
                break;
            case "s":
                scale = 1e9;
                break;
            case "m":
            case "min":
                scale = 60e9;
                break;
            default:
                throw new IllegalArgumentException(field + ": '" + text + "' has " + (unit.isEmpty() ? "no unit" : "unknown unit '" + unit + "'")
                    + "; accepted: " + DURATION_UNITS);
        }
        return checkedLong(field, text, value * scale);
    }

    /**
     * Parses a rate in tc/netem's vocabulary: {@code bit, kbit, mbit, gbit, tbit} are bits per
     * second, {@code bps, kbps, mbps, gbps} bytes per second (as in tc). Decimal multipliers.
     *
     * @return the rate in bits per second.
     */
    public static long parseRateBitsPerSecond(final String field, final String text) {
        final String s = trimmed(field, text);
        final int split = numberEnd(s);
        final double value = number(field, s, split, RATE_UNITS);
        final String unit = s.substring(split).toLowerCase(Locale.ROOT);
        final double scale;
        switch (unit) {
            case "bit":
                scale = 1;
                break;
            case "kbit":
                scale = 1e3;
                break;
            case "mbit":
                scale = 1e6;
                break;
            case "gbit":
                scale = 1e9;
                break;
            case "tbit":
                scale = 1e12;
                break;
            case "bps":
                scale = 8;
                break;
            case "kbps":
                scale = 8e3;
                break;
            case "mbps":
                scale = 8e6;
                break;
            case "gbps":
                scale = 8e9;
                break;
            case "tbps":
                scale = 8e12;
                break;
            default:
                throw new IllegalArgumentException(field + ": '" + text + "' has " + (unit.isEmpty() ? "no unit" : "unknown unit '" + unit + "'")
                    + "; accepted: " + RATE_UNITS);
        }
        final long bits = checkedLong(field, text, value * scale);
        if (bits <= 0) {
            throw new IllegalArgumentException(field + ": '" + text + "' must be positive");
        }
        return bits;
    }

    /**
     * Parses a size such as {@code 64M}, {@code 1KiB}, {@code 1500}, {@code 2G}; multipliers are
     * powers of 1024, as in nccl-tests' {@code -b}/{@code -e}.
     *
     * @return the size in bytes.
     */
    public static long parseSizeBytes(final String field, final String text) {
        final String s = trimmed(field, text);
        final int split = numberEnd(s);
        final double value = number(field, s, split, SIZE_UNITS);
        final String unit = s.substring(split).toLowerCase(Locale.ROOT);
        final double scale;
        switch (unit) {
            case "":
            case "b":
                scale = 1;
                break;
            case "k":
            case "kb":
            case "kib":
                scale = 1024;
                break;
            case "m":
            case "mb":
            case "mib":
                scale = 1024.0 * 1024;
                break;
            case "g":
            case "gb":
            case "gib":
                scale = 1024.0 * 1024 * 1024;
                break;
            default:
                throw new IllegalArgumentException(field + ": '" + text + "' has unknown unit '" + unit + "'; accepted: " + SIZE_UNITS);
        }
        return checkedLong(field, text, value * scale);
    }

    /**
     * Parses a percentage such as {@code 0.1%} (the {@code %} is optional) into a probability.
     *
     * @return a probability in [0, 1].
     */
    public static double parsePercent(final String field, final String text) {
        String s = trimmed(field, text);
        if (s.endsWith("%")) {
            s = s.substring(0, s.length() - 1);
        }
        final double value;
        try {
            value = Double.parseDouble(s);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not a percentage; expected for example 0.1%");
        }
        if (!(value >= 0 && value <= 100)) {
            throw new IllegalArgumentException(field + ": '" + text + "' is out of range; accepted: 0% to 100%");
        }
        return value / 100.0;
    }

    /** Formats a rate in bits per second as a short human string, for example {@code 941.2 Mbit/s}. */
    public static String formatRate(final double bitsPerSecond) {
        if (bitsPerSecond >= 1e9) {
            return String.format(Locale.ROOT, "%.2f Gbit/s", bitsPerSecond / 1e9);
        }
        if (bitsPerSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.1f Mbit/s", bitsPerSecond / 1e6);
        }
        if (bitsPerSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1f kbit/s", bitsPerSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f bit/s", bitsPerSecond);
    }

    /** Formats a duration in nanoseconds as a short human string, for example {@code 10.2 ms}. */
    public static String formatDuration(final long ns) {
        if (ns >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2f s", ns / 1e9);
        }
        if (ns >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        if (ns >= 1_000L) {
            return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        }
        return ns + " ns";
    }

    /** Formats a size in bytes with binary multipliers, for example {@code 64 MiB}. */
    public static String formatSize(final long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= (1L << 20) && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= (1L << 10) && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " B";
    }

    private static String trimmed(final String field, final String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + ": value is empty");
        }
        return text.trim();
    }

    private static int numberEnd(final String s) {
        int i = 0;
        while (i < s.length()) {
            final char c = s.charAt(i);
            if ((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || ((c == 'e' || c == 'E') && i > 0 && i + 1 < s.length() && (Character.isDigit(s.charAt(i + 1)) || s.charAt(i + 1) == '-'))) {
                i++;
            } else {
                break;
            }
        }
        return i;
    }

    private static double number(final String field, final String s, final int split, final String accepted) {
        if (split == 0) {
            throw new IllegalArgumentException(field + ": '" + s + "' does not start with a number; accepted units: " + accepted);
        }
        final double value;
        try {
            value = Double.parseDouble(s.substring(0, split));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + s + "' is not a number; accepted units: " + accepted);
        }
        if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + ": '" + s + "' must not be negative");
        }
        return value;
    }

    private static long checkedLong(final String field, final String text, final double value) {
        if (value > Long.MAX_VALUE / 2.0) {
            throw new IllegalArgumentException(field + ": '" + text + "' is too large");
        }
        return Math.round(value);
    }
}
