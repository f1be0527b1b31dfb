package io.longhaul.transport.core;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.LossSample;
import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.recovery.ReceivedPacketTracker;
import io.longhaul.transport.recovery.RttEstimator;
import io.longhaul.transport.recovery.SentPacketTracker;

/**
 * One path of a connection: its own packet-number space, sent-packet tracker, RTT estimator,
 * congestion controller and pacer, plus the receive-side record used to build its ACKs.
 */
final class Path {
    final int id;
    Object remoteAddress;
    final SentPacketTracker<SendMessage> sent;
    final ReceivedPacketTracker received = new ReceivedPacketTracker(4 * AckFlyweight.MAX_RANGES);
    final RttEstimator rtt;
    final CongestionControl cc;
    final AckSample ackSample = new AckSample();
    final LossSample lossSample = new LossSample();

    long nextSendTimeNs;
    int ptoCount;
    int probesPending;

    long packetsSent;
    long bytesSent;
    long packetsReceived;
    long bytesReceived;
    long retransmittedPackets;
    long acksSent;
    long acksReceived;
    long ptoTotal;

    Path(final int id, final Object remoteAddress, final CongestionControl cc, final long initialRttNs, final int maxPacketsInFlight) {
        this.id = id;
        this.remoteAddress = remoteAddress;
        this.cc = cc;
        this.rtt = new RttEstimator(initialRttNs);
        this.sent = new SentPacketTracker<>(Math.min(1 << 12, maxPacketsInFlight), maxPacketsInFlight);
    }

    boolean usable() {
        return remoteAddress != null;
    }

    long congestionWindow() {
        return cc.congestionWindowBytes();
    }

    /** @return whether the pacer lets a packet go at {@code nowNs}. */
    boolean pacerReady(final long nowNs) {
        return nextSendTimeNs - nowNs <= 0;
    }

    void onPaced(final long nowNs, final int bytes, final long burstNs) {
        final long rate = cc.pacingRateBytesPerSecond();
        if (rate == CongestionControl.UNPACED || rate <= 0) {
            nextSendTimeNs = nowNs;
            return;
        }
        final long start = Math.max(nextSendTimeNs, nowNs - burstNs);
        nextSendTimeNs = start + (long) (bytes * 1e9 / rate);
    }

    long ptoDeadlineNs(final long granularityNs, final long peerMaxAckDelayNs) {
        if (sent.packetsInFlight() == 0) {
            return Long.MAX_VALUE;
        }
        final long pto = rtt.ptoNs(granularityNs, peerMaxAckDelayNs) << Math.min(ptoCount, 16);
        return sent.lastSentTimeNs() + pto;
    }

    PathStats stats() {
        return new PathStats(id, cc.name(), packetsSent, bytesSent, packetsReceived, bytesReceived,
            retransmittedPackets, sent.totalLostPackets(), sent.spuriousRetransmissions(), acksSent, acksReceived,
            rtt.minRttNs(), rtt.smoothedRttNs(), rtt.rttVarNs(), cc.congestionWindowBytes(),
            cc.pacingRateBytesPerSecond(), sent.bytesInFlight(), ptoTotal);
    }
}
