package io.longhaul.transport.cc;

/**
 * Pacing arithmetic shared by the window-based built-ins.
 */
final class Pacing {
    /** RFC 9002 section 7.7: pace at N * cwnd / smoothed_rtt, N = 1.25. */
    static final double WINDOW_PACING_GAIN = 1.25;

    private Pacing() {
    }

    /**
     * @return {@code gain * windowBytes / smoothedRttNs} in bytes per second, at least 1, or
     *         {@link CongestionControl#UNPACED} before the first RTT sample: RFC 9002 section 7.7
     *         lets the initial window go out as a burst, and until the first ACK nothing beyond
     *         the initial window can be in flight.
     */
    static long windowRate(final double gain, final double windowBytes, final long smoothedRttNs) {
        if (smoothedRttNs <= 0) {
            return CongestionControl.UNPACED;
        }
        return clampRate(gain * windowBytes * 1e9 / smoothedRttNs);
    }

    /** @return the rate rounded to a long in [1, UNPACED]. */
    static long clampRate(final double bytesPerSecond) {
        if (!(bytesPerSecond >= 1)) {
            return 1;
        }
        if (bytesPerSecond >= CongestionControl.UNPACED) {
            return CongestionControl.UNPACED;
        }
        return (long) bytesPerSecond;
    }
}
