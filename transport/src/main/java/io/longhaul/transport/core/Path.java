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
    static final int INITIAL_TRACKED_PACKETS = 64;
    final ReceivedPacketTracker received = new ReceivedPacketTracker(4 * AckFlyweight.MAX_RANGES);
    final RttEstimator rtt;
    /** Replaced by a fresh controller when a failed path is reinstated (its old state describes a dead link). */
    CongestionControl cc;
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
    /** Declared failed: carries no data, only background probes, until one is acknowledged. */
    boolean failed;
    /** A re-path the scheduler asked for, done on the next poll. */
    boolean repathRequested;
    /**
     * After a re-path, the new address; until a packet arrives from it, packets arriving through the
     * old one (stragglers) do not move the path back.
     */
    Object pinnedAddress;
    /**
     * A new address the peer's newest packets came from, challenged ({@link #challengeData}) and
     * taken only once it answers; null if none. Until then the path keeps its address.
     */
    Object candidateAddress;
    long challengeData;
    int challengesSent;
    long challengeDueNs;
    /** Where to send the answer to the peer's last PATH_CHALLENGE on this path (null: none owed), and its bytes. */
    Object responseTo;
    long responseData;
    /** Largest DATA/PING and ACK numbers received: only a packet newer than these moves the path's address. */
    long largestDataNumber = -1;
    long largestAckNumber = -1;
    long lastActivityNs;
    long failedAtNs;

    long packetsSent;
    long bytesSent;
    long packetsReceived;
    long bytesReceived;
    long retransmittedPackets;
    long acksSent;
    long acksReceived;
    long ptoTotal;
    long failures;
    long repaths;

    Path(final int id, final Object remoteAddress, final CongestionControl cc, final long initialRttNs,
         final int maxPacketsInFlight, final int packetThreshold) {
        this.id = id;
        this.packetThreshold = packetThreshold;
        this.remoteAddress = remoteAddress;
        this.cc = cc;
        this.rtt = new RttEstimator(initialRttNs);
        // Sized by use: 64 entries (a few KB) to start, doubling as the window grows, so a session
        // that never sends (a flood of INITs, an idle path) costs little.
        this.sent = new SentPacketTracker<>(Math.min(INITIAL_TRACKED_PACKETS, maxPacketsInFlight), maxPacketsInFlight);
    }

    /** @return whether the path has a peer address (it may still be failed). */
    boolean addressed() {
        return remoteAddress != null;
    }

    /** @return whether the path may carry data: addressed and not failed. */
    boolean usable() {
        return remoteAddress != null && !failed;
    }

    /** @return whether the path may carry one more full datagram of data now, pacing aside. */
    boolean hasWindow(final int datagramBytes) {
        return usable() && sent.hasCapacity() && sent.bytesInFlight() + datagramBytes <= cc.congestionWindowBytes();
    }

    /**
     * Looks at the source of a packet that passed every check. The first packet of a path gives it
     * its address. After that only the newest packet of its kind counts (a reordered straggler from
     * an old address does not), and not while a re-path of this end waits for the peer to follow; a
     * source other than the path's address becomes the candidate, to be challenged.
     *
     * @return whether {@code from} became the candidate: a challenge to it is due.
     */
    boolean observeSource(final Object from, final boolean ack, final long number) {
        if (ack) {
            if (number <= largestAckNumber) {
                return false;
            }
            largestAckNumber = number;
        } else {
            if (number <= largestDataNumber) {
                return false;
            }
            largestDataNumber = number;
        }
        if (pinnedAddress != null) {
            if (!pinnedAddress.equals(from)) {
                return false;
            }
            pinnedAddress = null;
        }
        if (remoteAddress == null) {
            remoteAddress = from;
            return false;
        }
        if (from.equals(remoteAddress) || from.equals(candidateAddress)) {
            return false;
        }
        candidateAddress = from;
        return true;
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
            cc.pacingRateBytesPerSecond(), sent.bytesInFlight(), ptoTotal, pacer.lostNs(), pacer.hostLimitedSends(),
            remoteAddress == null ? "unknown" : failed ? "failed" : "active", failures, repaths);
    }
}
