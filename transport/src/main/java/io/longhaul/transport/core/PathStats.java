package io.longhaul.transport.core;

/**
 * A snapshot of one path's counters and estimates.
 *
 * @param pathId                   the path's number.
 * @param congestionControl        name of the path's controller.
 * @param packetsSent              DATA and probe packets sent (first transmissions and repairs).
 * @param bytesSent                bytes of those packets.
 * @param packetsReceived          packets received on the path (all types).
 * @param bytesReceived            bytes of those packets.
 * @param retransmittedPackets     DATA packets that carried a chunk sent before.
 * @param lostPackets              packets declared lost.
 * @param spuriousRetransmissions  packets declared lost that the peer had received after all.
 * @param acksSent                 ACK packets sent on the path.
 * @param acksReceived             ACK blocks received for the path.
 * @param minRttNs                 minimum RTT, or -1 before the first sample.
 * @param smoothedRttNs            smoothed RTT (the initial RTT before the first sample).
 * @param rttVarNs                 RTT variation.
 * @param congestionWindowBytes    current congestion window.
 * @param pacingRateBytesPerSecond current pacing rate (Long.MAX_VALUE when unpaced).
 * @param bytesInFlight            bytes sent and neither acknowledged nor declared lost.
 * @param ptoCount                 probe timeouts fired.
 * @param pacerLostNs              pacing time lost because the host woke the sender later than the
 *                                 pacer's bucket could cover (see {@link io.longhaul.transport.path.Pacer}).
 * @param hostLimitedSends         sends after such a loss (their rate samples are application-limited).
 * @param state                    {@code active}, {@code failed}, or {@code unknown} (peer address not learned yet).
 * @param failures                 times the path was declared failed.
 * @param repaths                  times the path moved to a fresh source port.
 */
public record PathStats(
    int pathId,
    String congestionControl,
    long packetsSent,
    long bytesSent,
    long packetsReceived,
    long bytesReceived,
    long retransmittedPackets,
    long lostPackets,
    long spuriousRetransmissions,
    long acksSent,
    long acksReceived,
    long minRttNs,
    long smoothedRttNs,
    long rttVarNs,
    long congestionWindowBytes,
    long pacingRateBytesPerSecond,
    long bytesInFlight,
    long ptoCount,
    long pacerLostNs,
    long hostLimitedSends,
    String state,
    long failures,
    long repaths) {
}
