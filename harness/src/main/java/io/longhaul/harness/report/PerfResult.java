package io.longhaul.harness.report;

/**
 * One {@code longhaul perf --json} result: goodput over a link with a congestion control, and the
 * RTT percentiles the transport saw (microseconds; null when not measured).
 */
public record PerfResult(String label, String cc, String link, double lossPercent, double goodputBps, long bytes, double seconds,
                         long retransmittedPackets, long lostPackets, Long rttMinUs, Long rttP50Us, Long rttP99Us, Long rttMaxUs) {
}
