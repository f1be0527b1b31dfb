package io.longhaul.transport.sim;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The ECMP fabric model described by a {@link FabricSpec}: K parallel links per direction, each flow
 * pinned to one link by a hash of its 4-tuple, an optional NIC per source host in front of them, and
 * the spec's failures and degradations applied at their times. One implementation serves the
 * simulator ({@link SimNetwork#fabric}) and the real-time emulator.
 *
 * <p>Deterministic and allocation-free per datagram: time is a parameter (no clock is read), each
 * link's randomness comes from its own seed ({@link FabricSpec#linkSeed}), and
 * {@link #offer(long, Flow, int, LinkModel.Fate)} touches only preallocated state. The caller
 * resolves a flow's 4-tuple once ({@link #flow}) and offers its datagrams with the {@link Flow}
 * handle. Not thread-safe: one owner (an event loop or the simulator) drives it.
 *
 * <p>Per datagram:
 * <ol>
 * <li><b>NIC</b> (with {@code nic=}): the datagram is serialized by its source host's NIC, a
 * rate-only {@link LinkModel} with a tail-drop queue; a full queue drops it
 * ({@link LinkModel.DropReason#QUEUE_FULL}, counted as a NIC drop).</li>
 * <li>It reaches the link its flow hashes to when the NIC has serialized it (at once without a
 * NIC). Each link takes datagrams in the order they are offered to the fabric, and its time never
 * goes back: a datagram that would reach the link before one offered earlier (another host's NIC
 * was backlogged, or a rough simulated machine sent late) reaches it at that earlier datagram's time.
 * So with NICs the link may see a datagram up to one NIC backlog later than an exact model would;
 * without NICs, on ideal machines, nothing is moved.</li>
 * <li>The link's events at that time apply: a failed link drops it
 * ({@link LinkModel.DropReason#LINK_DOWN}); a degradation has reconfigured the link
 * ({@link LinkModel#reconfigure}). A datagram's fate is decided when it reaches the link, so the
 * datagrams already on a link when it fails still arrive.</li>
 * <li>The link's {@link LinkModel} decides the rest (loss, queue and rate, delay, reordering,
 * duplication, corruption), exactly as a single link.</li>
 * </ol>
 *
 * <p>Direction 0 carries side A to side B, direction 1 side B to side A; each has its own K links
 * (its own queues and random draws), with the same parameters and events.
 */
public final class EcmpFabric {
    /** Flows remembered for {@link Counters#flows()}; later ones are routed as usual but not listed. */
    public static final int MAX_RECORDED_FLOWS = 1 << 16;

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /**
     * A flow's handle: its 4-tuple resolved to a link, a direction and a source host. Made once per
     * flow by {@link #flow}; immutable.
     */
    public static final class Flow {
        final EcmpFabric owner;
        final int direction;
        final int link;
        final int host;
        /** Index of its link state: direction × K + link. */
        final int index;
        private final String source;
        private final String destination;

        private Flow(final EcmpFabric owner, final int direction, final int link, final int host, final String source,
                     final String destination) {
            this.owner = owner;
            this.direction = direction;
            this.link = link;
            this.host = host;
            this.index = direction * owner.links + link;
            this.source = source;
            this.destination = destination;
        }

        /** 0 for A → B, 1 for B → A. */
        public int direction() {
            return direction;
        }

        /** The link its 4-tuple hashes to, 0 to K − 1. */
        public int link() {
            return link;
        }

        /** The host whose NIC it leaves through. */
        public int sourceHost() {
            return host;
        }

        /** Source address and port, as text. */
        public String source() {
            return source;
        }

        /** Destination address and port, as text. */
        public String destination() {
            return destination;
        }

        @Override
        public String toString() {
            return source + " -> " + destination + " on link " + link + (direction == 0 ? "" : " (direction " + direction + ")");
        }
    }

    /**
     * Counters of one link in one direction.
     *
     * @param direction       0 (A → B) or 1 (B → A).
     * @param link            0 to K − 1.
     * @param offered         datagrams that reached the link (after the NIC).
     * @param delivered       datagrams it delivered (duplicates not counted again).
     * @param deliveredBytes  their bytes, as offered.
     * @param queueDrops      datagrams tail-dropped by its queue.
     * @param lossDrops       datagrams lost by its loss model.
     * @param failureDrops    datagrams dropped while it was down.
     * @param duplicated      datagrams it delivered twice.
     * @param corrupted       datagrams it delivered with a bit flipped.
     */
    public record LinkCounters(int direction, int link, long offered, long delivered, long deliveredBytes, long queueDrops,
                               long lossDrops, long failureDrops, long duplicated, long corrupted) {
        /** Datagrams it dropped for any reason. */
        public long drops() {
            return queueDrops + lossDrops + failureDrops;
        }
    }

    /**
     * Counters of one host's NIC.
     *
     * @param host    the host.
     * @param offered datagrams the host sent into the fabric.
     * @param drops   datagrams tail-dropped by its NIC queue.
     */
    public record NicCounters(int host, long offered, long drops) {
    }

    /**
     * The link a flow hashes to.
     *
     * @param direction   0 (A → B) or 1 (B → A).
     * @param source      source address and port.
     * @param destination destination address and port.
     * @param link        its link.
     */
    public record FlowLink(int direction, String source, String destination, int link) {
    }

    /**
     * A snapshot of the fabric's counters.
     *
     * @param links             every link in every direction, direction-major.
     * @param nics              every host's NIC (empty without {@code nic=}).
     * @param flows             every flow seen so far and its link, in order of first sight (at most
     *                          {@link #MAX_RECORDED_FLOWS}).
     * @param unrecordedFlows   flows seen beyond that bound.
     */
    public record Counters(List<LinkCounters> links, List<NicCounters> nics, List<FlowLink> flows, long unrecordedFlows) {
        public Counters {
            links = List.copyOf(links);
            nics = List.copyOf(nics);
            flows = List.copyOf(flows);
        }

        /** Datagrams offered to the fabric: what entered the NICs, or the links without NICs. */
        public long offered() {
            return nics.isEmpty() ? links.stream().mapToLong(LinkCounters::offered).sum() : nics.stream().mapToLong(NicCounters::offered).sum();
        }

        /** Datagrams delivered over all links. */
        public long delivered() {
            return links.stream().mapToLong(LinkCounters::delivered).sum();
        }

        /** Datagrams dropped anywhere: NICs and links. */
        public long drops() {
            return nics.stream().mapToLong(NicCounters::drops).sum() + links.stream().mapToLong(LinkCounters::drops).sum();
        }

        /** The counters of {@code link} in {@code direction}. */
        public LinkCounters link(final int direction, final int link) {
            for (final LinkCounters c : links) {
                if (c.direction() == direction && c.link() == link) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no link " + link + " in direction " + direction);
        }
    }

    /** One link in one direction: its model, its place in its timeline, its counters. */
    private static final class LinkState {
        final LinkModel model;
        final FabricSpec.Segment[] timeline;
        int segment;
        boolean down;
        boolean anyOffer;
        long lastOfferNs;
        long offered;
        long delivered;
        long deliveredBytes;
        long queueDrops;
        long lossDrops;
        long failureDrops;

        LinkState(final FabricSpec.Segment[] timeline, final long seed) {
            this.timeline = timeline;
            this.model = new LinkModel(timeline[0].spec(), seed);
            this.down = timeline[0].down();
        }

        /** Applies every segment that has begun by {@code sinceStartNs}. */
        void advance(final long sinceStartNs) {
            while (segment + 1 < timeline.length && sinceStartNs - timeline[segment + 1].fromNs() >= 0) {
                segment++;
                final FabricSpec.Segment s = timeline[segment];
                down = s.down();
                if (!s.spec().equals(model.spec())) {
                    model.reconfigure(s.spec());
                }
            }
        }
    }

    /** One host's NIC. */
    private static final class Nic {
        final LinkModel model;
        boolean anyOffer;
        long lastOfferNs;
        long offered;
        long drops;

        Nic(final LinkSpec spec) {
            model = new LinkModel(spec, 0);
        }
    }

    private record FlowId(int direction, int host, String source, String destination) {
    }

    private final FabricSpec spec;
    private final int links;
    private final int directions;
    private final long startNs;
    private final long hashSeed;
    private final LinkState[] state;
    private final LinkSpec nicSpec;
    private Nic[] nics = new Nic[0];
    private final LinkModel.Fate nicFate = new LinkModel.Fate();
    private final Map<FlowId, Flow> flows = new HashMap<>();
    private final List<Flow> flowOrder = new ArrayList<>();
    private long unrecordedFlows;

    /**
     * A fabric whose events count from {@code startNs}.
     *
     * @param directions 1 (only A → B, e.g. one transport's egress) or 2 (both).
     * @param startNs    the time of the fabric's start, on the caller's clock (0 in the simulator).
     */
    public EcmpFabric(final FabricSpec spec, final int directions, final long startNs) {
        if (directions != 1 && directions != 2) {
            throw new IllegalArgumentException("directions: " + directions + " is out of range; accepted: 1 (A to B) or 2 (both)");
        }
        this.spec = Objects.requireNonNull(spec, "spec");
        this.links = spec.links();
        this.directions = directions;
        this.startNs = startNs;
        this.hashSeed = spec.hashSeed();
        this.nicSpec = spec.nic();
        this.state = new LinkState[directions * links];
        for (int d = 0; d < directions; d++) {
            for (int l = 0; l < links; l++) {
                state[d * links + l] = new LinkState(spec.timeline(l), spec.linkSeed(l, d));
            }
        }
    }

    /** The spec this fabric was made from. */
    public FabricSpec spec() {
        return spec;
    }

    /** K, the number of parallel links per direction. */
    public int links() {
        return links;
    }

    /** 1 or 2. */
    public int directions() {
        return directions;
    }

    // ------------------------------------------------------------------ the hash

    /**
     * The 64-bit ECMP hash of a 4-tuple: FNV-1a (64-bit: offset basis 0xcbf29ce484222325, prime
     * 0x100000001b3) over the bytes {@code sourceAddress ‖ sourcePort ‖ destinationAddress ‖
     * destinationPort}, each port as 2 bytes big-endian (its low 16 bits), then XORed with
     * {@code hashSeed} and finished with MurmurHash3's fmix64 ({@link #fmix64}).
     *
     * @param sourceAddress the address bytes: 4 for IPv4, 16 for IPv6, and for a simulated node its
     *                      index as 4 bytes big-endian ({@link #addressBytes(SimAddress)}).
     */
    public static long hash(final byte[] sourceAddress, final int sourcePort, final byte[] destinationAddress,
                            final int destinationPort, final long hashSeed) {
        long h = FNV_OFFSET_BASIS;
        h = fnv(h, sourceAddress);
        h = fnv(fnv(h, (sourcePort >>> 8) & 0xFF), sourcePort & 0xFF);
        h = fnv(h, destinationAddress);
        h = fnv(fnv(h, (destinationPort >>> 8) & 0xFF), destinationPort & 0xFF);
        return fmix64(h ^ hashSeed);
    }

    /**
     * The link of a 4-tuple among {@code links}: {@link #hash} as an unsigned 64-bit number modulo
     * {@code links}. Deterministic: the same tuple, seed and K give the same link everywhere.
     */
    public static int linkFor(final byte[] sourceAddress, final int sourcePort, final byte[] destinationAddress,
                              final int destinationPort, final long hashSeed, final int links) {
        if (links < 1) {
            throw new IllegalArgumentException("links: " + links + " is out of range; accepted: 1 or more");
        }
        return (int) Long.remainderUnsigned(hash(sourceAddress, sourcePort, destinationAddress, destinationPort, hashSeed), links);
    }

    /**
     * The link of an IPv4 4-tuple with the addresses as ints (the first octet in the high byte), as
     * {@link #linkFor(byte[], int, byte[], int, long, int)} gives for their 4 bytes; allocation-free,
     * for a forwarder that reads the tuple from a packet's headers.
     */
    public int linkForIpv4(final int sourceAddress, final int sourcePort, final int destinationAddress, final int destinationPort) {
        long h = fnvInt(FNV_OFFSET_BASIS, sourceAddress);
        h = fnv(fnv(h, (sourcePort >>> 8) & 0xFF), sourcePort & 0xFF);
        h = fnvInt(h, destinationAddress);
        h = fnv(fnv(h, (destinationPort >>> 8) & 0xFF), destinationPort & 0xFF);
        return (int) Long.remainderUnsigned(fmix64(h ^ hashSeed), links);
    }

    /** The link a datagram from {@code from} to {@code to} takes in this fabric (see {@link #linkFor(byte[], int, byte[], int, long, int)}). */
    public int linkFor(final InetSocketAddress from, final InetSocketAddress to) {
        return linkFor(addressBytes(from), from.getPort(), addressBytes(to), to.getPort(), hashSeed, links);
    }

    /** The link a simulated datagram from {@code from} (node, port) to {@code to} (node, port) takes. */
    public int linkFor(final SimAddress from, final SimAddress to) {
        return linkFor(addressBytes(from), from.path(), addressBytes(to), to.path(), hashSeed, links);
    }

    /** The link a simulated datagram sent by node {@code sourceNode} along {@code route} takes. */
    public int linkFor(final int sourceNode, final SimRoute route) {
        return linkFor(new SimAddress(sourceNode, route.localPort()), route.remote());
    }

    /** A simulated node's address bytes for the hash: its index, 4 bytes big-endian. */
    public static byte[] addressBytes(final SimAddress address) {
        final int n = address.node();
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    /** A socket address's IP bytes for the hash (4 for IPv4, 16 for IPv6); must be resolved. */
    public static byte[] addressBytes(final InetSocketAddress address) {
        if (address.getAddress() == null) {
            throw new IllegalArgumentException("address " + address + " is unresolved");
        }
        return address.getAddress().getAddress();
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    public static long fmix64(final long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static long fnv(final long h, final byte[] bytes) {
        long x = h;
        for (final byte b : bytes) {
            x = fnv(x, b & 0xFF);
        }
        return x;
    }

    private static long fnvInt(final long h, final int bigEndian) {
        return fnv(fnv(fnv(fnv(h, bigEndian >>> 24), (bigEndian >>> 16) & 0xFF), (bigEndian >>> 8) & 0xFF), bigEndian & 0xFF);
    }

    private static long fnv(final long h, final int octet) {
        return (h ^ octet) * FNV_PRIME;
    }

    // ------------------------------------------------------------------ flows

    /**
     * The handle of the flow from {@code from} to {@code to} in {@code direction}, leaving through
     * host {@code sourceHost}'s NIC (allocates on first sight; cache it).
     */
    public Flow flow(final int direction, final int sourceHost, final InetSocketAddress from, final InetSocketAddress to) {
        return flow(direction, sourceHost, linkFor(from, to), text(from), text(to));
    }

    /** The handle of the simulated flow from {@code from} to {@code to}; the source host is {@code from.node()}. */
    public Flow flow(final int direction, final SimAddress from, final SimAddress to) {
        return flow(direction, from.node(), linkFor(from, to), from.toString(), to.toString());
    }

    private Flow flow(final int direction, final int host, final int link, final String source, final String destination) {
        if (direction < 0 || direction >= directions) {
            throw new IllegalArgumentException("direction: " + direction + " is out of range; accepted: 0 to " + (directions - 1));
        }
        if (host < 0) {
            throw new IllegalArgumentException("sourceHost: " + host + " is out of range; accepted: 0 or more");
        }
        final FlowId id = new FlowId(direction, host, source, destination);
        Flow flow = flows.get(id);
        if (flow != null) {
            return flow;
        }
        flow = new Flow(this, direction, link, host, source, destination);
        ensureNic(host);
        if (flows.size() < MAX_RECORDED_FLOWS) {
            flows.put(id, flow);
            flowOrder.add(flow);
        } else {
            unrecordedFlows++;
        }
        return flow;
    }

    private void ensureNic(final int host) {
        if (nicSpec != null && host >= nics.length) {
            final int old = nics.length;
            nics = Arrays.copyOf(nics, Math.max(host + 1, 2 * old));
            for (int i = old; i < nics.length; i++) {
                nics[i] = new Nic(nicSpec);
            }
        }
    }

    private static String text(final InetSocketAddress a) {
        final String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    // ------------------------------------------------------------------ datagrams

    /**
     * Offers a datagram of {@code flow} at {@code nowNs} and fills {@code fate} with what happens to
     * it, as {@link LinkModel#offer} does. Allocation-free.
     *
     * @param lengthBytes what is serialized at the NIC's and the link's rate.
     * @return true if it is delivered (possibly corrupted, duplicated or late), false if dropped.
     * @throws IllegalArgumentException if the flow is another fabric's or the length out of range.
     */
    public boolean offer(final long nowNs, final Flow flow, final int lengthBytes, final LinkModel.Fate fate) {
        if (flow.owner != this) {
            throw new IllegalArgumentException("flow " + flow + " belongs to another fabric");
        }
        return offer(nowNs, flow.index, flow.host, lengthBytes, fate);
    }

    /**
     * Offers a datagram that left host {@code sourceHost} on {@code link} in {@code direction}, as
     * {@link #offer(long, Flow, int, LinkModel.Fate)} does for a flow: for callers that hash the
     * tuple themselves ({@link #linkForIpv4}) and keep no flow handles. Allocation-free once the
     * host's NIC exists.
     */
    public boolean offer(final long nowNs, final int direction, final int sourceHost, final int link, final int lengthBytes,
                         final LinkModel.Fate fate) {
        if (direction < 0 || direction >= directions || link < 0 || link >= links || sourceHost < 0) {
            throw new IllegalArgumentException("direction " + direction + ", link " + link + ", host " + sourceHost
                + " out of range; accepted: direction 0 to " + (directions - 1) + ", link 0 to " + (links - 1) + ", host 0 or more");
        }
        ensureNic(sourceHost);
        return offer(nowNs, direction * links + link, sourceHost, lengthBytes, fate);
    }

    private boolean offer(final long nowNs, final int index, final int host, final int lengthBytes, final LinkModel.Fate fate) {
        if (lengthBytes < 0 || lengthBytes > LinkModel.MAX_DATAGRAM_BYTES) {
            throw new IllegalArgumentException("lengthBytes: " + lengthBytes + " is out of range; accepted: 0 to " + LinkModel.MAX_DATAGRAM_BYTES);
        }
        long atNs = nowNs;
        if (nicSpec != null) {
            final Nic nic = nics[host];
            if (nic.anyOffer && atNs - nic.lastOfferNs < 0) {
                atNs = nic.lastOfferNs;
            }
            nic.anyOffer = true;
            nic.lastOfferNs = atNs;
            nic.offered++;
            if (!nic.model.offer(atNs, lengthBytes, nicFate)) {
                nic.drops++;
                fate.drop(LinkModel.DropReason.QUEUE_FULL);
                return false;
            }
            atNs = nicFate.deliverAtNs();
        }
        final LinkState link = state[index];
        if (link.anyOffer && atNs - link.lastOfferNs < 0) {
            atNs = link.lastOfferNs;
        }
        link.anyOffer = true;
        link.lastOfferNs = atNs;
        link.advance(atNs - startNs);
        link.offered++;
        if (link.down) {
            link.failureDrops++;
            fate.drop(LinkModel.DropReason.LINK_DOWN);
            return false;
        }
        if (!link.model.offer(atNs, lengthBytes, fate)) {
            if (fate.dropReason() == LinkModel.DropReason.LOSS) {
                link.lossDrops++;
            } else {
                link.queueDrops++;
            }
            return false;
        }
        link.delivered++;
        link.deliveredBytes += lengthBytes;
        return true;
    }

    /** The model of {@code link} in {@code direction} (its current parameters, its queue). */
    public LinkModel linkModel(final int direction, final int link) {
        return state[direction * links + link].model;
    }

    /** A snapshot of every counter and of the flows seen so far. */
    public Counters counters() {
        final List<LinkCounters> l = new ArrayList<>(state.length);
        for (int d = 0; d < directions; d++) {
            for (int i = 0; i < links; i++) {
                final LinkState s = state[d * links + i];
                l.add(new LinkCounters(d, i, s.offered, s.delivered, s.deliveredBytes, s.queueDrops, s.lossDrops, s.failureDrops,
                    s.model.duplicated(), s.model.corrupted()));
            }
        }
        final List<NicCounters> n = new ArrayList<>();
        for (int h = 0; h < nics.length; h++) {
            if (nics[h].offered > 0) {
                n.add(new NicCounters(h, nics[h].offered, nics[h].drops));
            }
        }
        final List<FlowLink> f = new ArrayList<>(flowOrder.size());
        for (final Flow flow : flowOrder) {
            f.add(new FlowLink(flow.direction, flow.source, flow.destination, flow.link));
        }
        return new Counters(l, n, f, unrecordedFlows);
    }

    @Override
    public String toString() {
        return "EcmpFabric{" + spec + ", directions=" + directions + ", flows=" + flowOrder.size() + '}';
    }
}
