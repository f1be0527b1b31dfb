package io.longhaul.harness.report;

/**
 * One {@code longhaul perf --json} result: goodput over a link with a congestion control, and the
 * RTT percentiles the transport saw (microseconds; null when not measured), and whether the session
 * was authenticated (null for a file from before perf said).
 */
public record PerfResult(String label, String cc, String link, double lossPercent, double goodputBps, long bytes, double seconds,
                         long retransmittedPackets, long lostPackets, Long rttMinUs, Long rttP50Us, Long rttP99Us, Long rttMaxUs,
                         Boolean authenticated) {
    /** A result from a file that does not say whether the session was authenticated. */
    public PerfResult(final String label, final String cc, final String link, final double lossPercent, final double goodputBps,
                      final long bytes, final double seconds, final long retransmittedPackets, final long lostPackets, final Long rttMinUs,
                      final Long rttP50Us, final Long rttP99Us, final Long rttMaxUs) {
        this(label, cc, link, lossPercent, goodputBps, bytes, seconds, retransmittedPackets, lostPackets, rttMinUs, rttP50Us, rttP99Us,
            rttMaxUs, null);
    }

    /** @return "sealed", "NOT authenticated" or "?" for the report. */
    public String sessions() {
        return authenticated == null ? "?" : authenticated ? "sealed" : "NOT authenticated";
    }
}
