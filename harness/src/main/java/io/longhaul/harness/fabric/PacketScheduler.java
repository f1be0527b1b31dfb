package io.longhaul.harness.fabric;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.LinkModel;
import io.longhaul.transport.sim.LinkSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The forwarder's core, without I/O: packets are read into slots of one direct buffer, offered to
 * the {@link LinkModel} of their (source host, destination host) pair (or, between DCs joined by an
 * ECMP group, to the {@link EcmpFabric} link their 5-tuple hashes to), and released to the caller
 * at the delivery time the model gave, in time order. Time is a parameter; nothing here reads a
 * clock, and nothing allocates per packet (a link's model is made on its first packet).
 * Not thread-safe: one owner (the forwarder's loop) drives it.
 *
 * <p>Use: {@link #acquire()} a slot, fill {@link #slab()} at {@link #offset(int)} with one IP
 * packet, {@link #submit} it; then, whenever {@link #nextDeadlineNs()} has passed,
 * {@link #pollDue} slots, write each to {@link #destination(int)} and {@link #release} it.
 *
 * <p>Everything that is not an IPv4 packet for another host of the fabric is dropped and counted:
 * {@link #droppedNotIpv4()}, {@link #droppedNoRoute()}. When every slot holds a packet in flight the
 * forwarder itself is the bottleneck; those drops are counted by {@link #droppedPoolFull()}.
 */
public final class PacketScheduler {
    /** Bytes per slot: one packet of up to the TUN MTU, rounded up. */
    public static final int SLOT_BYTES = 2048;
    /** Fewest slots accepted. */
    public static final int MIN_SLOTS = 64;
    private static final int TCP = 6;
    private static final int UDP = 17;
    /** Most slots accepted (2 GiB of buffers at most would not fit one ByteBuffer). */
    public static final int MAX_SLOTS = 1 << 19;

    private final FabricTopology topology;
    private final int hosts;
    private final ByteBuffer slab;
    private final int slots;
    private final int[] freeSlots;
    private int freeTop;
    private final int[] slotLength;
    private final int[] slotDestination;

    private final long[] heapDeadline;
    private final long[] heapSequence;
    private final int[] heapSlot;
    private int heapSize;
    private int heapMax;
    private long sequence;
    private long lastDueNs;

    private final LinkModel[] links;
    /** The ECMP group of each pair of DCs (index lower DC × dcs + higher DC), made on first use; empty without groups. */
    private final EcmpFabric[] groups;
    private final long startNs;
    private final long[] linkBytesOffered;
    private final long[] linkBytesDelivered;
    private final LinkModel.Fate fate = new LinkModel.Fate();

    private long packetsIn;
    private long bytesIn;
    private long droppedNotIpv4;
    private long droppedNoRoute;
    private long droppedPoolFull;

    /**
     * @param topology the fabric.
     * @param slots how many packets may be in flight (in the links' queues and propagation) at once,
     *     {@link #MIN_SLOTS} to {@link #MAX_SLOTS}.
     */
    public PacketScheduler(final FabricTopology topology, final int slots) {
        this(topology, slots, 0);
    }

    /**
     * @param startNs the time an ECMP group's scheduled events ({@code fail=}, {@code degrade=})
     *     count from, on the clock of {@link #submit}'s {@code nowNs}.
     */
    public PacketScheduler(final FabricTopology topology, final int slots, final long startNs) {
        if (slots < MIN_SLOTS || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("--buffers: " + slots + " is out of range; accepted: " + MIN_SLOTS + " to " + MAX_SLOTS);
        }
        this.topology = topology;
        this.hosts = topology.hosts();
        this.slots = slots;
        this.slab = ByteBuffer.allocateDirect(slots * SLOT_BYTES).order(ByteOrder.BIG_ENDIAN);
        this.freeSlots = new int[slots];
        for (int i = 0; i < slots; i++) {
            freeSlots[i] = slots - 1 - i;
        }
        this.freeTop = slots;
        this.slotLength = new int[slots];
        this.slotDestination = new int[slots];
        this.heapDeadline = new long[slots];
        this.heapSequence = new long[slots];
        this.heapSlot = new int[slots];
        this.links = new LinkModel[hosts * hosts];
        this.linkBytesOffered = new long[hosts * hosts];
        this.linkBytesDelivered = new long[hosts * hosts];
        this.groups = new EcmpFabric[topology.interGroup() == null ? 0 : topology.dcs() * topology.dcs()];
        this.startNs = startNs;
    }

    /** The buffer all slots live in (direct, big-endian). */
    public ByteBuffer slab() {
        return slab;
    }

    /** Byte offset of {@code slot} in {@link #slab()}. */
    public static long offset(final int slot) {
        return (long) slot * SLOT_BYTES;
    }

    /** Number of slots. */
    public int slots() {
        return slots;
    }

    /** Slots holding a packet in flight. */
    public int slotsInUse() {
        return slots - freeTop;
    }

    /** A free slot, or -1 when all are in flight (then count the packet with {@link #dropPoolFull}). */
    public int acquire() {
        return freeTop == 0 ? -1 : freeSlots[--freeTop];
    }

    /** Returns a slot to the pool. */
    public void release(final int slot) {
        freeSlots[freeTop++] = slot;
    }

    /** Counts a packet that could not be read into a slot because all were in flight. */
    public void dropPoolFull(final int lengthBytes) {
        packetsIn++;
        bytesIn += lengthBytes;
        droppedPoolFull++;
    }

    /**
     * Offers the packet in {@code slot} (read from host {@code source}'s device at {@code nowNs})
     * to its link. The slot is either scheduled for delivery or released at once (dropped).
     *
     * @return true if it is to be delivered.
     */
    public boolean submit(final long nowNs, final int source, final int slot, final int lengthBytes) {
        packetsIn++;
        bytesIn += lengthBytes;
        final int base = (int) offset(slot);
        if (lengthBytes < 20 || (slab.get(base) & 0xF0) != 0x40) {
            droppedNotIpv4++;
            release(slot);
            return false;
        }
        final int destination = topology.hostOf(slab.getInt(base + 16));
        if (destination < 0 || destination == source) {
            droppedNoRoute++;
            release(slot);
            return false;
        }
        final int linkIndex = source * hosts + destination;
        linkBytesOffered[linkIndex] += lengthBytes;
        final boolean delivered;
        if (groups.length > 0 && topology.isInter(source, destination)) {
            delivered = offerToGroup(nowNs, source, destination, base, lengthBytes);
        } else {
            LinkModel link = links[linkIndex];
            if (link == null) {
                final LinkSpec spec = topology.linkSpec(source, destination);
                // Every link draws its own random numbers: the same spec seed gives each pair a different stream.
                link = new LinkModel(spec, spec.seed() * 1_000_003L + linkIndex);
                links[linkIndex] = link;
            }
            delivered = link.offer(nowNs, lengthBytes, fate);
        }
        if (!delivered) {
            release(slot);
            return false;
        }
        linkBytesDelivered[linkIndex] += lengthBytes;
        slotLength[slot] = lengthBytes;
        slotDestination[slot] = destination;
        if (fate.duplicated()) {
            final int copy = acquire();
            if (copy < 0) {
                droppedPoolFull++;
            } else {
                final int copyBase = (int) offset(copy);
                for (int i = 0; i < lengthBytes; i++) {
                    slab.put(copyBase + i, slab.get(base + i));
                }
                slotLength[copy] = lengthBytes;
                slotDestination[copy] = destination;
                push(fate.duplicateDeliverAtNs(), copy);
            }
        }
        if (fate.corrupted()) {
            final int at = base + fate.corruptByteIndex();
            slab.put(at, (byte) (slab.get(at) ^ fate.corruptBitMask()));
        }
        push(fate.deliverAtNs(), slot);
        return true;
    }

    /**
     * Offers an inter-DC packet to its DCs' ECMP group, on the link its 5-tuple hashes to: source
     * and destination address, and for TCP and UDP (first fragment) the ports; 0 for other
     * protocols and later fragments. Direction 0 goes from the lower-numbered DC to the higher.
     */
    private boolean offerToGroup(final long nowNs, final int source, final int destination, final int base, final int lengthBytes) {
        final int from = topology.dcOf(source);
        final int to = topology.dcOf(destination);
        final int index = Math.min(from, to) * topology.dcs() + Math.max(from, to);
        EcmpFabric group = groups[index];
        if (group == null) {
            group = new EcmpFabric(topology.interGroup(), 2, startNs);
            groups[index] = group;
        }
        final int headerBytes = (slab.get(base) & 0x0F) * 4;
        final int protocol = slab.get(base + 9) & 0xFF;
        final boolean firstFragment = (slab.getShort(base + 6) & 0x1FFF) == 0;
        int sourcePort = 0;
        int destinationPort = 0;
        if ((protocol == TCP || protocol == UDP) && firstFragment && headerBytes >= 20 && lengthBytes >= headerBytes + 4) {
            sourcePort = slab.getShort(base + headerBytes) & 0xFFFF;
            destinationPort = slab.getShort(base + headerBytes + 2) & 0xFFFF;
        }
        final int link = group.linkForIpv4(slab.getInt(base + 12), sourcePort, slab.getInt(base + 16), destinationPort);
        return group.offer(nowNs, from < to ? 0 : 1, source, link, lengthBytes, fate);
    }

    /**
     * The ECMP group between DCs {@code a} and {@code b} (either order; its direction 0 goes from
     * the lower-numbered DC), or null until its first packet or without groups.
     */
    public EcmpFabric group(final int a, final int b) {
        return groups.length == 0 ? null : groups[Math.min(a, b) * topology.dcs() + Math.max(a, b)];
    }

    /** When the earliest scheduled packet is due; {@link Long#MAX_VALUE} when none is. */
    public long nextDeadlineNs() {
        return heapSize == 0 ? Long.MAX_VALUE : heapDeadline[0];
    }

    /** Packets scheduled and not yet polled. */
    public int scheduled() {
        return heapSize;
    }

    /** Most packets ever scheduled at once. */
    public int scheduledMax() {
        return heapMax;
    }

    /**
     * The slot of the earliest packet due at or before {@code nowNs}, removed from the schedule, or
     * -1 if none is due. Its due time is {@link #lastDueNs()} until the next call.
     */
    public int pollDue(final long nowNs) {
        if (heapSize == 0 || heapDeadline[0] - nowNs > 0) {
            return -1;
        }
        final int slot = heapSlot[0];
        lastDueNs = heapDeadline[0];
        heapSize--;
        if (heapSize > 0) {
            heapDeadline[0] = heapDeadline[heapSize];
            heapSequence[0] = heapSequence[heapSize];
            heapSlot[0] = heapSlot[heapSize];
            siftDown(0);
        }
        return slot;
    }

    /** Due time of the slot last returned by {@link #pollDue}. */
    public long lastDueNs() {
        return lastDueNs;
    }

    /** Destination host of the packet in {@code slot}. */
    public int destination(final int slot) {
        return slotDestination[slot];
    }

    /** Length in bytes of the packet in {@code slot}. */
    public int length(final int slot) {
        return slotLength[slot];
    }

    /** The link model from {@code source} to {@code destination}; null until its first packet. */
    public LinkModel link(final int source, final int destination) {
        return links[source * hosts + destination];
    }

    /** Bytes offered to the link from {@code source} to {@code destination}. */
    public long linkBytesOffered(final int source, final int destination) {
        return linkBytesOffered[source * hosts + destination];
    }

    /** Bytes the link from {@code source} to {@code destination} accepted for delivery (duplicates excluded). */
    public long linkBytesDelivered(final int source, final int destination) {
        return linkBytesDelivered[source * hosts + destination];
    }

    /** The topology. */
    public FabricTopology topology() {
        return topology;
    }

    /** Packets read from the devices. */
    public long packetsIn() {
        return packetsIn;
    }

    /** Bytes read from the devices. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Packets dropped because they were not IPv4. */
    public long droppedNotIpv4() {
        return droppedNotIpv4;
    }

    /** Packets dropped because their destination is not another host of the fabric. */
    public long droppedNoRoute() {
        return droppedNoRoute;
    }

    /** Packets dropped because every slot was in flight: the forwarder's own limit. */
    public long droppedPoolFull() {
        return droppedPoolFull;
    }

    private void push(final long deadlineNs, final int slot) {
        int i = heapSize++;
        if (heapSize > heapMax) {
            heapMax = heapSize;
        }
        final long seq = sequence++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (!before(deadlineNs, seq, heapDeadline[parent], heapSequence[parent])) {
                break;
            }
            heapDeadline[i] = heapDeadline[parent];
            heapSequence[i] = heapSequence[parent];
            heapSlot[i] = heapSlot[parent];
            i = parent;
        }
        heapDeadline[i] = deadlineNs;
        heapSequence[i] = seq;
        heapSlot[i] = slot;
    }

    private void siftDown(final int start) {
        final long d = heapDeadline[start];
        final long s = heapSequence[start];
        final int slot = heapSlot[start];
        int i = start;
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && before(heapDeadline[child + 1], heapSequence[child + 1], heapDeadline[child], heapSequence[child])) {
                child++;
            }
            if (!before(heapDeadline[child], heapSequence[child], d, s)) {
                break;
            }
            heapDeadline[i] = heapDeadline[child];
            heapSequence[i] = heapSequence[child];
            heapSlot[i] = heapSlot[child];
            i = child;
        }
        heapDeadline[i] = d;
        heapSequence[i] = s;
        heapSlot[i] = slot;
    }

    /** Earlier deadline first; equal deadlines in the order they were scheduled (so a link never reorders by accident). */
    private static boolean before(final long d1, final long s1, final long d2, final long s2) {
        final long diff = d1 - d2;
        return diff < 0 || (diff == 0 && s1 < s2);
    }
}
