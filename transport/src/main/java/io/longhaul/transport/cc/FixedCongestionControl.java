package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginParameters;

/**
 * A constant rate and/or window for experiments: it ignores loss and delay entirely.
 *
 * <ul>
 *   <li>{@code rate=<rate>} (1 kbit/s to 10 Tbit/s, netem units such as {@code 900mbit}): pace at
 *       that rate. Unless {@code window} is also given, the window is kept large enough never to
 *       be the limit: {@code max(initial window, 2 * rate * max(smoothed_rtt, 1 ms))}.</li>
 *   <li>{@code window=<size>} (minimum window to 1 TiB, sizes such as {@code 4M}): a fixed
 *       congestion window; alone, packets are not paced.</li>
 *   <li>No parameter: {@code rate=1gbit}.</li>
 * </ul>
 */
public final class FixedCongestionControl implements CongestionControl {
    /** Name this algorithm is registered under. */
    public static final String NAME = "fixed";
    /** Rate used when neither {@code rate} nor {@code window} is given. */
    public static final long DEFAULT_RATE_BITS_PER_SECOND = 1_000_000_000L;
    /** Smallest accepted {@code rate}. */
    public static final long MIN_RATE_BITS_PER_SECOND = 1_000L;
    /** Largest accepted {@code rate}. */
    public static final long MAX_RATE_BITS_PER_SECOND = 10_000_000_000_000L;
    /** Largest accepted {@code window}. */
    public static final long MAX_WINDOW_BYTES = 1L << 40;
    /** RTT floor when sizing the window of a rate-only configuration. */
    private static final long MIN_WINDOW_RTT_NS = 1_000_000L;

    private final long rateBytesPerSecond;
    private final boolean fixedWindow;
    private final long initialWindowBytes;
    private long cwndBytes;

    public FixedCongestionControl(final CongestionControlConfig config) {
        final PluginParameters p = PluginParameters.of(NAME, config.parameters(), "rate", "window");
        final boolean hasRate = p.has("rate");
        fixedWindow = p.has("window");
        initialWindowBytes = config.initialWindowBytes();
        if (fixedWindow) {
            cwndBytes = p.sizeBytes("window", 0, config.minimumWindowBytes(), MAX_WINDOW_BYTES);
        }
        if (hasRate || !fixedWindow) {
            final long bits = p.rateBitsPerSecond("rate", DEFAULT_RATE_BITS_PER_SECOND, MIN_RATE_BITS_PER_SECOND, MAX_RATE_BITS_PER_SECOND);
            rateBytesPerSecond = Math.max(1, bits / 8);
        } else {
            rateBytesPerSecond = UNPACED;
        }
        if (!fixedWindow) {
            cwndBytes = rateWindow(-1);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void onPacketSent(final long nowNs, final int bytes, final long bytesInFlight) {
        // Constant: nothing to track.
    }

    @Override
    public void onRttSample(final long nowNs, final long latestRttNs, final long minRttNs, final long smoothedRttNs) {
        if (!fixedWindow) {
            cwndBytes = rateWindow(smoothedRttNs);
        }
    }

    @Override
    public void onAck(final long nowNs, final AckSample ack) {
        // Constant: acknowledgements change nothing.
    }

    @Override
    public void onLoss(final long nowNs, final LossSample loss) {
        // Constant by design: loss is ignored.
    }

    @Override
    public long congestionWindowBytes() {
        return cwndBytes;
    }

    @Override
    public long pacingRateBytesPerSecond() {
        return rateBytesPerSecond;
    }

    private long rateWindow(final long smoothedRttNs) {
        final long rttNs = Math.max(smoothedRttNs, MIN_WINDOW_RTT_NS);
        final double window = 2.0 * rateBytesPerSecond * (rttNs * 1e-9);
        return Math.max(initialWindowBytes, window >= MAX_WINDOW_BYTES ? MAX_WINDOW_BYTES : (long) window);
    }

    @Override
    public String toString() {
        return "Fixed{rate=" + (rateBytesPerSecond == UNPACED ? "unpaced" : rateBytesPerSecond + " B/s") + ", cwnd=" + cwndBytes + '}';
    }
}
