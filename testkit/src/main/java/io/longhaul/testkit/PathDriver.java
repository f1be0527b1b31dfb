package io.longhaul.testkit;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.LossSample;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * A small, deterministic model of one path for driving a {@link CongestionControl} in virtual
 * time: a backlogged sender, a FIFO bottleneck of a given rate with a finite drop-tail buffer, a
 * fixed base RTT and Bernoulli random loss. It does what the transport core does around the
 * controller: it sends while {@code bytesInFlight < cwnd} at the controller's pacing rate, takes
 * RTT samples (RFC 9002 section 5), computes delivery-rate samples as in
 * draft-cheng-iccrg-delivery-rate-estimation (so that model-based controllers see realistic
 * bandwidth samples), and declares a packet lost a quarter of a base RTT after its
 * acknowledgement would have arrived, grouping the losses that fall due together into one
 * {@link LossSample}.
 *
 * <p>Every packet is acknowledged individually; the sender is never application-limited. All
 * propagation delay sits after the bottleneck. Randomly lost packets still use the bottleneck
 * (loss on the wire); packets that find the buffer full are dropped before it.
 */
public final class PathDriver {
    /** Called after every event the driver feeds to the controller. */
    @FunctionalInterface
    public interface Observer {
        /**
         * @param nowNs the virtual time of the event.
         * @param cc    the controller, after the event.
         */
        void onEvent(long nowNs, CongestionControl cc);
    }

    private static final Observer NO_OBSERVER = (nowNs, cc) -> {
    };

    private final CongestionControl cc;
    private final double bottleneckBytesPerSecond;
    private final long baseRttNs;
    private final long bufferBytes;
    private final int datagramBytes;
    private final long lossDetectionDelayNs;
    private final SplittableRandom random;
    private double lossProbability;

    private final ArrayDeque<Packet> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Packet> pool = new ArrayDeque<>();
    private final AckSample ackSample = new AckSample();
    private final LossSample lossSample = new LossSample();

    private long nowNs;
    private long nextSendNs;
    private long linkFreeNs;
    private long seq;

    private long bytesInFlight;
    private long delivered;
    private long deliveredTimeNs;
    private long firstSentTimeNs;
    private long minRttNs = -1;
    private long smoothedRttNs = -1;
    private long rttVarNs;

    private long sentBytes;
    private long ackedBytes;
    private long lostBytes;
    private long queueDropBytes;
    private long lossEvents;

    /**
     * @param cc                      the controller under test.
     * @param bottleneckBitsPerSecond rate of the bottleneck link.
     * @param baseRttNs               round-trip propagation delay, without queueing.
     * @param bufferBytes             bottleneck buffer; packets that would queue beyond it are dropped.
     * @param lossProbability         probability that a packet is lost on the wire, in [0, 1).
     * @param datagramBytes           size of every packet.
     * @param seed                    seed of the random loss.
     * @param startTimeNs             virtual time at which the run starts (any value, even negative).
     */
    public PathDriver(final CongestionControl cc, final long bottleneckBitsPerSecond, final long baseRttNs, final long bufferBytes,
        final double lossProbability, final int datagramBytes, final long seed, final long startTimeNs) {
        if (bottleneckBitsPerSecond <= 0 || baseRttNs <= 0 || bufferBytes < datagramBytes || datagramBytes <= 0) {
            throw new IllegalArgumentException("rate, RTT and datagram size must be positive and the buffer hold one datagram");
        }
        this.cc = cc;
        this.bottleneckBytesPerSecond = bottleneckBitsPerSecond / 8.0;
        this.baseRttNs = baseRttNs;
        this.bufferBytes = bufferBytes;
        this.datagramBytes = datagramBytes;
        this.lossDetectionDelayNs = Math.max(1, baseRttNs / 4);
        this.random = new SplittableRandom(seed);
        this.nowNs = startTimeNs;
        this.nextSendNs = startTimeNs;
        this.linkFreeNs = startTimeNs;
        lossProbability(lossProbability);
    }

    /** Changes the random loss probability from now on. */
    public void lossProbability(final double probability) {
        if (!(probability >= 0 && probability < 1)) {
            throw new IllegalArgumentException("loss probability must be in [0, 1), got " + probability);
        }
        this.lossProbability = probability;
    }

    /** Runs for {@code durationNs} of virtual time. */
    public void runFor(final long durationNs) {
        runFor(durationNs, NO_OBSERVER);
    }

    /** Runs for {@code durationNs} of virtual time, calling {@code observer} after each event. */
    public void runFor(final long durationNs, final Observer observer) {
        final long endNs = nowNs + durationNs;
        while (true) {
            final Packet head = inFlight.peekFirst();
            final long nextEventNs = head == null ? Long.MAX_VALUE : head.dueNs;
            final boolean canSend = bytesInFlight < cc.congestionWindowBytes();
            final long sendNs = canSend ? (nextSendNs - nowNs > 0 ? nextSendNs : nowNs) : Long.MAX_VALUE;
            final boolean eventFirst = head != null && (!canSend || nextEventNs - sendNs <= 0);
            final long t = eventFirst ? nextEventNs : sendNs;
            if ((!canSend && head == null) || t - endNs > 0) {
                nowNs = endNs;
                return;
            }
            nowNs = t;
            if (eventFirst) {
                if (head.lost) {
                    declareLosses();
                } else {
                    acknowledge(inFlight.pollFirst());
                }
            } else {
                send();
            }
            observer.onEvent(nowNs, cc);
        }
    }

    private void send() {
        final Packet p = pool.isEmpty() ? new Packet() : pool.pollFirst();
        if (bytesInFlight == 0) {
            firstSentTimeNs = nowNs;
            deliveredTimeNs = nowNs;
        }
        bytesInFlight += datagramBytes;
        sentBytes += datagramBytes;
        p.seq = seq++;
        p.sentTimeNs = nowNs;
        p.deliveredAtSend = delivered;
        p.deliveredTimeAtSendNs = deliveredTimeNs;
        p.firstSentTimeAtSendNs = firstSentTimeNs;
        p.inflightAtSend = bytesInFlight;

        final long serializationNs = (long) Math.ceil(datagramBytes * 1e9 / bottleneckBytesPerSecond);
        final long backlogNs = Math.max(0, linkFreeNs - nowNs);
        final double queuedBytes = backlogNs * 1e-9 * bottleneckBytesPerSecond;
        if (queuedBytes + datagramBytes > bufferBytes) {
            p.lost = true;
            queueDropBytes += datagramBytes;
            p.dueNs = Math.max(linkFreeNs, nowNs) + baseRttNs + lossDetectionDelayNs;
        } else {
            final long departNs = Math.max(linkFreeNs, nowNs) + serializationNs;
            linkFreeNs = departNs;
            p.lost = lossProbability > 0 && random.nextDouble() < lossProbability;
            p.dueNs = departNs + baseRttNs + (p.lost ? lossDetectionDelayNs : 0);
        }
        insertInDueOrder(p);

        cc.onPacketSent(nowNs, datagramBytes, bytesInFlight);
        final long rate = cc.pacingRateBytesPerSecond();
        if (rate == CongestionControl.UNPACED || rate <= 0) {
            nextSendNs = nowNs;
        } else {
            final long base = nextSendNs - nowNs > 0 ? nextSendNs : nowNs;
            nextSendNs = base + Math.max(1, (long) (datagramBytes * 1e9 / rate));
        }
    }

    private void insertInDueOrder(final Packet p) {
        // Due times are almost always non-decreasing in send order; fix the rare exception.
        final Packet last = inFlight.peekLast();
        if (last == null || last.dueNs - p.dueNs <= 0) {
            inFlight.addLast(p);
            return;
        }
        final ArrayDeque<Packet> tail = new ArrayDeque<>();
        while (!inFlight.isEmpty() && inFlight.peekLast().dueNs - p.dueNs > 0) {
            tail.addFirst(inFlight.pollLast());
        }
        inFlight.addLast(p);
        inFlight.addAll(tail);
    }

    private void acknowledge(final Packet p) {
        bytesInFlight -= datagramBytes;
        delivered += datagramBytes;
        ackedBytes += datagramBytes;

        final long latestRttNs = nowNs - p.sentTimeNs;
        if (smoothedRttNs < 0) {
            minRttNs = latestRttNs;
            smoothedRttNs = latestRttNs;
            rttVarNs = latestRttNs / 2;
        } else {
            minRttNs = Math.min(minRttNs, latestRttNs);
            rttVarNs = (3 * rttVarNs + Math.abs(smoothedRttNs - latestRttNs)) / 4;
            smoothedRttNs = (7 * smoothedRttNs + latestRttNs) / 8;
        }

        final long sendElapsedNs = p.sentTimeNs - p.firstSentTimeAtSendNs;
        final long ackElapsedNs = nowNs - p.deliveredTimeAtSendNs;
        final long intervalNs = Math.max(sendElapsedNs, ackElapsedNs);
        final long rate = intervalNs <= 0 || intervalNs < minRttNs
            ? -1 : (long) ((delivered - p.deliveredAtSend) * 1e9 / intervalNs);
        firstSentTimeNs = p.sentTimeNs;
        deliveredTimeNs = nowNs;

        cc.onRttSample(nowNs, latestRttNs, minRttNs, smoothedRttNs);
        ackSample.set(datagramBytes, bytesInFlight, p.sentTimeNs, delivered, p.deliveredAtSend, rate, false,
            latestRttNs, minRttNs, smoothedRttNs);
        cc.onAck(nowNs, ackSample);
        pool.addLast(p);
    }

    private void declareLosses() {
        long bytes = 0;
        int packets = 0;
        long largestSentNs = 0;
        long inflightAtSend = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().lost && inFlight.peekFirst().dueNs - nowNs <= 0) {
            final Packet p = inFlight.pollFirst();
            bytes += datagramBytes;
            packets++;
            largestSentNs = p.sentTimeNs;
            inflightAtSend = p.inflightAtSend;
            pool.addLast(p);
        }
        bytesInFlight -= bytes;
        lostBytes += bytes;
        lossEvents++;
        lossSample.set(bytes, packets, largestSentNs, bytesInFlight, inflightAtSend, false);
        cc.onLoss(nowNs, lossSample);
    }

    /** @return the current virtual time. */
    public long nowNs() {
        return nowNs;
    }

    /** @return the controller being driven. */
    public CongestionControl congestionControl() {
        return cc;
    }

    /** @return bytes sent so far. */
    public long sentBytes() {
        return sentBytes;
    }

    /** @return bytes acknowledged so far. */
    public long ackedBytes() {
        return ackedBytes;
    }

    /** @return bytes declared lost so far (random and buffer-overflow loss). */
    public long lostBytes() {
        return lostBytes;
    }

    /** @return bytes dropped because the bottleneck buffer was full. */
    public long queueDropBytes() {
        return queueDropBytes;
    }

    /** @return the number of {@link CongestionControl#onLoss} calls so far. */
    public long lossEvents() {
        return lossEvents;
    }

    /** @return bytes in flight now. */
    public long bytesInFlight() {
        return bytesInFlight;
    }

    /** @return the smoothed RTT, or -1 before the first sample. */
    public long smoothedRttNs() {
        return smoothedRttNs;
    }

    /** @return the bottleneck rate in bytes per second. */
    public double bottleneckBytesPerSecond() {
        return bottleneckBytesPerSecond;
    }

    private static final class Packet {
        long seq;
        long sentTimeNs;
        long dueNs;
        long deliveredAtSend;
        long deliveredTimeAtSendNs;
        long firstSentTimeAtSendNs;
        long inflightAtSend;
        boolean lost;
    }
}
