package io.longhaul.transport.core;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.LossSample;
import io.longhaul.transport.path.Pacer;
import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.recovery.ReceivedPacketTracker;
import io.longhaul.transport.recovery.RttEstimator;
import io.longhaul.transport.recovery.SentPacketTracker;

/**
 * One path of a connection: its own packet-number space, sent-packet tracker, RTT estimator,
 * congestion controller and pacer, plus the receive-side record used to build its ACKs.
 */
final class Path {
    /**
     * Probe timeouts double up to 2^6 times the PTO: a path that has lost its ACKs for a while keeps
     * probing often enough to notice when it comes back.
     */
    static final int MAX_PTO_BACKOFF_EXPONENT = 6;
    final int id;
    Object remoteAddress;
    final SentPacketTracker<SendMessage> sent;
    final ReceivedPacketTracker received = new ReceivedPacketTracker(4 * AckFlyweight.MAX_RANGES);
    final RttEstimator rtt;
    final CongestionControl cc;
    final AckSample ackSample = new AckSample();
    final LossSample lossSample = new LossSample();
    final Pacer pacer = new Pacer();
    /** Packet reordering tolerated before loss; raised once reordering has caused a spurious repair. */
    int packetThreshold;
    /** Extra time added to the loss delay once reordering has been seen (RACK's reorder window). */
    long reorderWindowNs;
    long spuriousSeen;
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

    Path(final int id, final Object remoteAddress, final CongestionControl cc, final long initialRttNs,
         final int maxPacketsInFlight, final int packetThreshold) {
        this.id = id;
        this.packetThreshold = packetThreshold;
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

    /** @return whether the congestion controller paces (else the pacer always lets packets go). */
    private boolean paced(final long rate) {
        return rate != CongestionControl.UNPACED && rate > 0;
    }

    /** @return when the pacer next has a send quantum for this path. */
    long pacerWakeNs() {
        return paced(cc.pacingRateBytesPerSecond()) ? pacer.wakeTimeNs() : Long.MIN_VALUE;
    }

    /**
     * Charges a packet about to be sent to the pacer.
     *
     * @return whether the pacer lost credit while it held the sender back: the host, not the
     *         network, limited the sending rate.
     */
    boolean chargePacer(final long nowNs, final int bytes, final CoreConfig config, final long timerLatenessNs) {
        final long rate = cc.pacingRateBytesPerSecond();
        if (!paced(rate)) {
            return pacer.onSent(nowNs, bytes, CongestionControl.UNPACED, 0, 0);
        }
        final int datagram = config.maxDatagramBytes();
        final long lead = Pacer.leadNs(rate, Pacer.quantumBytes(rate, config.pacingQuantumNs(), datagram), datagram);
        final long depth = Pacer.depthNs(rate, lead, timerLatenessNs, config.pacingMaxBurstNs(),
            cc.congestionWindowBytes(), datagram);
        return pacer.onSent(nowNs, bytes, rate, lead, depth);
    }

    /**
     * Called after each ACK: when packets declared lost turn out to have arrived, the path reorders
     * more than the loss detector assumed. As RACK does (RFC 8985 section 6.2), stop trusting packet
     * counts and widen the time threshold by a quarter of the minimum RTT, up to one smoothed RTT.
     */
    void adaptToReordering(final long granularityNs) {
        final long spurious = sent.spuriousRetransmissions();
        if (spurious == spuriousSeen) {
            return;
        }
        spuriousSeen = spurious;
        packetThreshold = Integer.MAX_VALUE;
        final long step = Math.max(granularityNs, Math.max(0, rtt.minRttNs()) / 4);
        reorderWindowNs = Math.min(reorderWindowNs + step, rtt.smoothedRttNs());
    }

    long lossDelayNs(final long granularityNs) {
        return rtt.lossDelayNs(granularityNs) + reorderWindowNs;
    }

    long ptoDeadlineNs(final long granularityNs, final long peerMaxAckDelayNs) {
        if (sent.packetsInFlight() == 0) {
            return Long.MAX_VALUE;
        }
        final long pto = rtt.ptoNs(granularityNs, peerMaxAckDelayNs) << Math.min(ptoCount, MAX_PTO_BACKOFF_EXPONENT);
        return sent.lastSentTimeNs() + pto;
    }

    PathStats stats() {
        return new PathStats(id, cc.name(), packetsSent, bytesSent, packetsReceived, bytesReceived,
            retransmittedPackets, sent.totalLostPackets(), sent.spuriousRetransmissions(), acksSent, acksReceived,
            rtt.minRttNs(), rtt.smoothedRttNs(), rtt.rttVarNs(), cc.congestionWindowBytes(),
            cc.pacingRateBytesPerSecond(), sent.bytesInFlight(), ptoTotal, pacer.lostNs(), pacer.hostLimitedSends());
    }
}
