package io.longhaul.transport.sim;

import java.util.SplittableRandom;

/**
 * One direction of an emulated link, as described by a {@link LinkSpec}: decides the fate of each
 * datagram offered to it. Stateful and deterministic: time is a parameter (no clock is read),
 * randomness comes from a {@link SplittableRandom} seeded from the spec, and {@link #offer} does
 * not allocate. Not thread-safe: one owner (an event loop or the simulator) drives it.
 *
 * <p>Effects are applied in netem's order, per packet:
 * <ol>
 * <li><b>loss</b> ({@code loss} and {@code burst}): a lost packet consumes no queue or link time;</li>
 * <li>the random draws for <b>dup</b>, <b>corrupt</b>, <b>reorder</b> and <b>jitter</b>
 * (always in this order, so a seed replays exactly);</li>
 * <li><b>queue and rate</b>: with a rate, the packet joins a FIFO in front of a serializer that
 * is busy until {@code busyUntilNs}; the queue holds the bytes not yet serialized (including the
 * unsent part of the packet being serialized). If they plus the packet exceed the queue limit the
 * packet is tail-dropped ({@link DropReason#QUEUE_FULL}). Otherwise it finishes serializing at
 * {@code max(now, busyUntil) + size·8/rate} (exact: the fractional nanoseconds are carried);</li>
 * <li><b>propagation</b>: delivery = end of serialization + delay ± uniform jitter, clamped so
 * that it is never before the previous in-order delivery (jitter never reorders);</li>
 * <li><b>reorder</b>: a held-back packet is delivered {@code reorderGap} later than that, without
 * moving the in-order clamp, so the packets behind it overtake it;</li>
 * <li><b>dup</b>: the copy is serialized right after the original (it takes link time and queue
 * space; it is not made if the queue cannot hold it), shares its propagation delay, is never
 * corrupted and never held back, and is delivered no earlier than the original's in-order time;</li>
 * <li><b>corrupt</b>: one bit ({@code corruptBitMask}) of one byte ({@code corruptByteIndex}) of
 * the original is to be flipped by the caller.</li>
 * </ol>
 */
public final class LinkModel {
    /** Largest datagram {@link #offer} accepts, 16 MiB (far above UDP's 64 KiB, leaving room for GSO batches). */
    public static final int MAX_DATAGRAM_BYTES = 16 << 20;

    private static final double NANOS_PER_SECOND = 1e9;
    private static final long BIT_NANOS_PER_BYTE = 8_000_000_000L;

    /** Why a datagram was dropped. */
    public enum DropReason {
        /** Not dropped. */
        NONE,
        /** Lost by the loss model ({@code loss} or {@code burst}). */
        LOSS,
        /** Tail-dropped: the bottleneck queue was full. */
        QUEUE_FULL,
        /** Dropped because the link was down (a failed link of an {@link EcmpFabric}; never by a lone LinkModel). */
        LINK_DOWN
    }

    /**
     * The fate of one datagram, filled by {@link #offer}. Mutable and reusable: one instance per
     * caller, overwritten by every offer.
     */
    public static final class Fate {
        private DropReason dropReason = DropReason.NONE;
        private long deliverAtNs = -1;
        private long duplicateDeliverAtNs = -1;
        private int corruptByteIndex = -1;
        private int corruptBitMask;
        private boolean reordered;

        /** Whether the datagram was dropped (then no other field applies). */
        public boolean dropped() {
            return dropReason != DropReason.NONE;
        }

        /** Why it was dropped, or {@link DropReason#NONE}. */
        public DropReason dropReason() {
            return dropReason;
        }

        /** When it arrives at the far end; -1 if dropped. */
        public long deliverAtNs() {
            return deliverAtNs;
        }

        /** Whether a second copy is delivered. */
        public boolean duplicated() {
            return duplicateDeliverAtNs != -1;
        }

        /** When the intact second copy arrives; -1 if not duplicated. */
        public long duplicateDeliverAtNs() {
            return duplicateDeliverAtNs;
        }

        /** Whether one bit of the delivered original is to be flipped. */
        public boolean corrupted() {
            return corruptByteIndex >= 0;
        }

        /** Index of the byte to corrupt, in [0, size); -1 if none. */
        public int corruptByteIndex() {
            return corruptByteIndex;
        }

        /** Single-bit mask to XOR into that byte; 0 if none. */
        public int corruptBitMask() {
            return corruptBitMask;
        }

        /** Whether the original was held back by the reorder gap so later packets may overtake it. */
        public boolean reordered() {
            return reordered;
        }

        void drop(final DropReason reason) {
            dropReason = reason;
            deliverAtNs = -1;
            duplicateDeliverAtNs = -1;
            corruptByteIndex = -1;
            corruptBitMask = 0;
            reordered = false;
        }

        @Override
        public String toString() {
            if (dropped()) {
                return "Fate{dropped=" + dropReason + '}';
            }
            return "Fate{deliverAtNs=" + deliverAtNs + (duplicated() ? ", duplicateDeliverAtNs=" + duplicateDeliverAtNs : "")
                + (corrupted() ? ", corruptByteIndex=" + corruptByteIndex + ", corruptBitMask=0x" + Integer.toHexString(corruptBitMask) : "")
                + (reordered ? ", reordered" : "") + '}';
        }
    }

    private final long seed;
    private final SplittableRandom random;
    // The parameters below change only through reconfigure(); the state further down survives it.
    private LinkSpec spec;
    private LossModel loss;
    private long delayNs;
    private long jitterNs;
    private long rateBitsPerSecond;
    private long queueBytes;
    private int queuePackets;
    private double duplicateProbability;
    private double corruptProbability;
    private double reorderProbability;
    private long reorderGapNs;

    /** Serialization end times of the packets in a packet-counted queue (ring buffer); null otherwise. */
    private long[] queueFinishNs;
    private int queueHead;
    private int queueSize;

    private boolean started;
    private long busyUntilNs;
    /** Fractional part of busyUntilNs, in units of 1/rate ns (bit·ns per second). */
    private long busyRemainder;
    private boolean anyInOrder;
    private long lastInOrderDeliverNs;

    private long offered;
    private long delivered;
    private long droppedByLoss;
    private long droppedByQueue;
    private long duplicated;
    private long corrupted;
    private long reordered;

    /** A link seeded with the spec's seed. */
    public LinkModel(final LinkSpec spec) {
        this(spec, spec.seed());
    }

    /** A link seeded with {@code seed} instead of the spec's seed. */
    public LinkModel(final LinkSpec spec, final long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.queueFinishNs = spec.queuePackets() > 0 ? new long[spec.queuePackets()] : null;
        setParameters(spec);
    }

    private void setParameters(final LinkSpec newSpec) {
        spec = newSpec;
        loss = LossModel.of(newSpec);
        delayNs = newSpec.delayNs();
        jitterNs = newSpec.jitterNs();
        rateBitsPerSecond = newSpec.rateBitsPerSecond();
        queueBytes = newSpec.queueBytes();
        queuePackets = newSpec.queuePackets();
        duplicateProbability = newSpec.duplicateProbability();
        corruptProbability = newSpec.corruptProbability();
        reorderProbability = newSpec.reorderProbability();
        reorderGapNs = newSpec.reorderGapNs();
    }

    /**
     * Changes the link's parameters from now on (a degrading or recovering link), keeping its state:
     * the datagrams already accepted keep their fates, the serializer stays busy until it was, so
     * later datagrams queue behind them, and the in-order clamp holds across the change. The random
     * generator continues (it is not reseeded); the loss model is the new spec's, so a
     * Gilbert–Elliott chain restarts in its good state. Queue occupancy after the change is measured
     * against the new limit: a byte-counted queue counts the backlog as the time the serializer is
     * still busy, at the new rate; a packet-counted queue keeps the finish times of the newest
     * packets it held (as many as the new limit), and starts empty when the old queue counted bytes.
     * The spec's seed is ignored.
     */
    public void reconfigure(final LinkSpec newSpec) {
        final long oldRate = rateBitsPerSecond;
        final long[] oldRing = queueFinishNs;
        final int oldHead = queueHead;
        final int oldSize = queueSize;
        setParameters(newSpec);
        if (rateBitsPerSecond != oldRate) {
            // The remainder is in units of the old rate; dropping it loses less than a nanosecond.
            busyRemainder = 0;
        }
        if (queuePackets == 0) {
            queueFinishNs = null;
            queueHead = 0;
            queueSize = 0;
        } else if (oldRing == null || oldRing.length != queuePackets) {
            final long[] ring = new long[queuePackets];
            final int keep = oldRing == null ? 0 : Math.min(oldSize, queuePackets);
            for (int i = 0; i < keep; i++) {
                ring[i] = oldRing[(oldHead + oldSize - keep + i) % oldRing.length];
            }
            queueFinishNs = ring;
            queueHead = 0;
            queueSize = keep;
        }
    }

    /**
     * Offers a datagram to the link at {@code nowNs} and fills {@code fate} with what happens to it.
     * Calls must come in non-decreasing {@code nowNs} order.
     *
     * @param sizeBytes datagram size in bytes (what is serialized at the rate).
     * @return true if it is delivered (possibly corrupted, duplicated or late), false if dropped.
     * @throws IllegalArgumentException if {@code sizeBytes} is negative or above {@link #MAX_DATAGRAM_BYTES}.
     */
    public boolean offer(final long nowNs, final int sizeBytes, final Fate fate) {
        if (sizeBytes < 0 || sizeBytes > MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " is out of range; accepted: 0 to " + MAX_DATAGRAM_BYTES);
        }
        offered++;
        if (loss.isLost(random)) {
            droppedByLoss++;
            fate.drop(DropReason.LOSS);
            return false;
        }

        boolean dup = duplicateProbability > 0 && random.nextDouble() < duplicateProbability;
        int corruptIndex = -1;
        int corruptMask = 0;
        if (corruptProbability > 0 && random.nextDouble() < corruptProbability && sizeBytes > 0) {
            corruptIndex = random.nextInt(sizeBytes);
            corruptMask = 1 << random.nextInt(8);
        }
        final boolean held = reorderProbability > 0 && random.nextDouble() < reorderProbability;
        long propagationNs = delayNs;
        if (jitterNs > 0) {
            propagationNs += random.nextLong(2 * jitterNs + 1) - jitterNs;
            if (propagationNs < 0) {
                propagationNs = 0;
            }
        }

        final long finishNs;
        long dupFinishNs = nowNs;
        if (rateBitsPerSecond > 0) {
            if (!started || busyUntilNs - nowNs <= 0) {
                started = true;
                busyUntilNs = nowNs;
                busyRemainder = 0;
            }
            if (queueFinishNs != null) {
                expireQueue(nowNs);
                if (queueSize >= queuePackets) {
                    droppedByQueue++;
                    fate.drop(DropReason.QUEUE_FULL);
                    return false;
                }
                dup &= queueSize + 2 <= queuePackets;
            } else {
                final long occupancy = queuedBytes(nowNs);
                if (occupancy + sizeBytes > queueBytes) {
                    droppedByQueue++;
                    fate.drop(DropReason.QUEUE_FULL);
                    return false;
                }
                dup &= occupancy + 2L * sizeBytes <= queueBytes;
            }
            finishNs = serialize(sizeBytes);
            if (dup) {
                dupFinishNs = serialize(sizeBytes);
            }
        } else {
            finishNs = nowNs;
        }

        long deliverNs = finishNs + propagationNs;
        if (anyInOrder && deliverNs - lastInOrderDeliverNs < 0) {
            deliverNs = lastInOrderDeliverNs;
        }
        long dupDeliverNs = -1;
        if (dup) {
            dupDeliverNs = dupFinishNs + propagationNs;
            if (dupDeliverNs - deliverNs < 0) {
                dupDeliverNs = deliverNs;
            }
            duplicated++;
        }
        if (dup) {
            lastInOrderDeliverNs = dupDeliverNs;
            anyInOrder = true;
        } else if (!held) {
            lastInOrderDeliverNs = deliverNs;
            anyInOrder = true;
        }
        if (held) {
            deliverNs += reorderGapNs;
            reordered++;
        }
        if (corruptIndex >= 0) {
            corrupted++;
        }
        delivered++;

        fate.dropReason = DropReason.NONE;
        fate.deliverAtNs = deliverNs;
        fate.duplicateDeliverAtNs = dupDeliverNs;
        fate.corruptByteIndex = corruptIndex;
        fate.corruptBitMask = corruptMask;
        fate.reordered = held;
        return true;
    }

    /** Advances the serializer by one packet; returns when it has been serialized. */
    private long serialize(final int sizeBytes) {
        final long numerator = sizeBytes * BIT_NANOS_PER_BYTE + busyRemainder;
        busyUntilNs += numerator / rateBitsPerSecond;
        busyRemainder = numerator % rateBitsPerSecond;
        if (queueFinishNs != null) {
            int tail = queueHead + queueSize;
            if (tail >= queueFinishNs.length) {
                tail -= queueFinishNs.length;
            }
            queueFinishNs[tail] = busyUntilNs;
            queueSize++;
        }
        return busyUntilNs;
    }

    private void expireQueue(final long nowNs) {
        while (queueSize > 0 && queueFinishNs[queueHead] - nowNs <= 0) {
            queueHead = queueHead + 1 == queueFinishNs.length ? 0 : queueHead + 1;
            queueSize--;
        }
    }

    /**
     * Bytes waiting for the bottleneck at {@code nowNs}: what has been accepted but not yet
     * serialized, rounded up to whole bytes. Always 0 without a rate.
     */
    public long queuedBytes(final long nowNs) {
        if (rateBitsPerSecond == 0 || !started || busyUntilNs - nowNs <= 0) {
            return 0;
        }
        final double bitNanos = (double) (busyUntilNs - nowNs) * rateBitsPerSecond + busyRemainder;
        return (long) Math.ceil(bitNanos / BIT_NANOS_PER_BYTE - 1e-6);
    }

    /**
     * Packets accepted but not yet serialized at {@code nowNs}, when the queue is counted in
     * packets; -1 otherwise.
     */
    public int queuedPackets(final long nowNs) {
        if (queueFinishNs == null) {
            return -1;
        }
        expireQueue(nowNs);
        return queueSize;
    }

    /** When the serializer becomes idle; {@code Long.MIN_VALUE} before the first packet or without a rate. */
    public long busyUntilNs() {
        return started ? busyUntilNs : Long.MIN_VALUE;
    }

    /** Serialization time of {@code sizeBytes} at the link's rate, in ns (0 without a rate). */
    public long serializationNs(final int sizeBytes) {
        return rateBitsPerSecond == 0 ? 0 : (long) Math.ceil(sizeBytes * 8.0 * NANOS_PER_SECOND / rateBitsPerSecond);
    }

    /** The spec this link was made from. */
    public LinkSpec spec() {
        return spec;
    }

    /** The seed of this link's random generator. */
    public long seed() {
        return seed;
    }

    /** Datagrams offered. */
    public long offered() {
        return offered;
    }

    /** Datagrams delivered (originals; duplicates are counted by {@link #duplicated()}). */
    public long delivered() {
        return delivered;
    }

    /** Datagrams lost by the loss models. */
    public long droppedByLoss() {
        return droppedByLoss;
    }

    /** Datagrams tail-dropped because the queue was full. */
    public long droppedByQueue() {
        return droppedByQueue;
    }

    /** Datagrams delivered twice. */
    public long duplicated() {
        return duplicated;
    }

    /** Datagrams delivered with one bit flipped. */
    public long corrupted() {
        return corrupted;
    }

    /** Datagrams held back by the reorder gap. */
    public long reordered() {
        return reordered;
    }

    @Override
    public String toString() {
        return "LinkModel{spec=" + spec + ", seed=" + seed + ", offered=" + offered + ", delivered=" + delivered
            + ", droppedByLoss=" + droppedByLoss + ", droppedByQueue=" + droppedByQueue + ", duplicated=" + duplicated
            + ", corrupted=" + corrupted + ", reordered=" + reordered + '}';
    }
}
