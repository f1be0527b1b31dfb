package io.longhaul.harness.fabric;

import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who is where on a fabric: {@code hosts} namespaces named {@code PREFIX0 .. PREFIX{N-1}}, split
 * into {@code dcs} data centers in contiguous blocks (host i is in DC {@code i * dcs / hosts}), each
 * with the IPv4 address {@code 10.78.0.0 + i + 1} in a /16 on its TUN device {@link #DEVICE}.
 * Every ordered pair of hosts has its own link: {@code inter} between DCs, {@code intra} inside one;
 * or, with an ECMP group between DCs ({@link #interGroup()}), every pair of DCs is joined by one
 * group of K links that all their hosts' packets share, each 5-tuple hashed onto one link.
 * Immutable; the constructor validates and throws {@link IllegalArgumentException} naming the
 * field and the accepted range.
 */
public final class FabricTopology {
    /** Largest number of hosts. */
    public static final int MAX_HOSTS = 1000;
    /** Name of the TUN device inside every host namespace. */
    public static final String DEVICE = "lhtun";
    /** Default namespace prefix. */
    public static final String DEFAULT_PREFIX = "lhf";
    /** First address of the fabric's subnet, 10.78.0.0. */
    public static final int SUBNET_BASE = (10 << 24) | (78 << 16);
    /** Prefix length of the fabric's subnet. */
    public static final int SUBNET_PREFIX_LENGTH = 16;
    /** MTU of every TUN device: 1500-byte packets, as on an Ethernet. */
    public static final int MTU = 1500;

    private static final Pattern PREFIX = Pattern.compile("lh[a-z0-9]{0,6}");

    private final String prefix;
    private final int hosts;
    private final int dcs;
    private final LinkSpec inter;
    private final FabricSpec interGroup;
    private final LinkSpec intra;

    /**
     * @param prefix namespace prefix: {@code lh} then up to 6 lower-case letters or digits.
     * @param hosts number of hosts, 2 to {@link #MAX_HOSTS}.
     * @param dcs number of data centers, 1 to {@code hosts}.
     * @param inter the link between hosts of different DCs.
     * @param intra the link between hosts of one DC.
     */
    public FabricTopology(final String prefix, final int hosts, final int dcs, final LinkSpec inter, final LinkSpec intra) {
        this(prefix, hosts, dcs, inter, null, intra);
    }

    /**
     * A fabric whose DCs are joined by ECMP groups: each pair of DCs shares one group of
     * {@code interGroup.links()} links per direction.
     */
    public FabricTopology(final String prefix, final int hosts, final int dcs, final FabricSpec interGroup, final LinkSpec intra) {
        this(prefix, hosts, dcs, LinkSpec.perfect(), Objects.requireNonNull(interGroup, "interGroup"), intra);
    }

    /**
     * Either form from the text of {@code --link}: an ECMP group when it has {@code ecmp=}, else one
     * link per host pair.
     *
     * @throws IllegalArgumentException from the spec's parser.
     */
    public static FabricTopology of(final String prefix, final int hosts, final int dcs, final String inter, final LinkSpec intra) {
        return FabricSpec.isFabricSpec(inter) ? new FabricTopology(prefix, hosts, dcs, FabricSpec.parse(inter), intra)
            : new FabricTopology(prefix, hosts, dcs, LinkSpec.parse(inter), intra);
    }

    private FabricTopology(final String prefix, final int hosts, final int dcs, final LinkSpec inter, final FabricSpec interGroup,
                           final LinkSpec intra) {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("--prefix: '" + prefix + "' is not accepted; accepted: 'lh' then up to 6 lower-case letters or digits, e.g. lhf");
        }
        if (hosts < 2 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("--hosts: " + hosts + " is out of range; accepted: 2 to " + MAX_HOSTS);
        }
        if (dcs < 1 || dcs > hosts) {
            throw new IllegalArgumentException("--dcs: " + dcs + " is out of range; accepted: 1 to the number of hosts (" + hosts + ")");
        }
        this.prefix = prefix;
        this.hosts = hosts;
        this.dcs = dcs;
        this.inter = inter;
        this.interGroup = interGroup;
        this.intra = intra;
    }

    /** Namespace prefix. */
    public String prefix() {
        return prefix;
    }

    /** Number of hosts. */
    public int hosts() {
        return hosts;
    }

    /** Number of data centers. */
    public int dcs() {
        return dcs;
    }

    /** The link between hosts of different DCs. */
    public LinkSpec inter() {
        return inter;
    }

    /** The ECMP group joining each pair of DCs, or null when each host pair has its own {@link #inter()} link. */
    public FabricSpec interGroup() {
        return interGroup;
    }

    /** The inter-DC spec as text: the ECMP group's, or the link's. */
    public String interText() {
        return interGroup != null ? interGroup.toString() : inter.toString();
    }

    /** The link between hosts of one DC. */
    public LinkSpec intra() {
        return intra;
    }

    /** The DC of host {@code i}. */
    public int dcOf(final int host) {
        checkHost(host);
        return (int) ((long) host * dcs / hosts);
    }

    /** Namespace name of host {@code i}, e.g. {@code lhf0}. */
    public String namespace(final int host) {
        checkHost(host);
        return prefix + host;
    }

    /** IPv4 address of host {@code i} as an int (network order when written big-endian). */
    public int addressOf(final int host) {
        checkHost(host);
        return SUBNET_BASE + host + 1;
    }

    /** Dotted IPv4 address of host {@code i}, e.g. {@code 10.78.0.1}. */
    public String address(final int host) {
        return dotted(addressOf(host));
    }

    /** The host owning IPv4 address {@code address}, or -1 if none does. */
    public int hostOf(final int address) {
        final long index = (address & 0xFFFFFFFFL) - (SUBNET_BASE & 0xFFFFFFFFL) - 1;
        return index >= 0 && index < hosts ? (int) index : -1;
    }

    /** Whether the link from {@code src} to {@code dst} joins two DCs. */
    public boolean isInter(final int src, final int dst) {
        return dcOf(src) != dcOf(dst);
    }

    /** The spec of the link from {@code src} to {@code dst}. */
    public LinkSpec linkSpec(final int src, final int dst) {
        return isInter(src, dst) ? inter : intra;
    }

    /** Namespace names of all hosts, in order. */
    public List<String> namespaces() {
        final List<String> names = new ArrayList<>(hosts);
        for (int i = 0; i < hosts; i++) {
            names.add(namespace(i));
        }
        return Collections.unmodifiableList(names);
    }

    /**
     * Resolves a host given by index ({@code 2}) or namespace name ({@code lhf2}).
     *
     * @throws IllegalArgumentException naming the accepted forms.
     */
    public int resolveHost(final String text) {
        String t = text == null ? "" : text.trim();
        if (t.startsWith(prefix) && t.length() > prefix.length()) {
            t = t.substring(prefix.length());
        }
        try {
            final int i = Integer.parseInt(t);
            if (i >= 0 && i < hosts) {
                return i;
            }
        } catch (final NumberFormatException ignored) {
            // fall through to the error
        }
        throw new IllegalArgumentException("HOST: '" + text + "' is not a host of this fabric; accepted: 0 to " + (hosts - 1)
            + " or " + prefix + "0 to " + prefix + (hosts - 1));
    }

    /** Dotted form of an IPv4 address held in an int. */
    public static String dotted(final int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }

    private void checkHost(final int host) {
        if (host < 0 || host >= hosts) {
            throw new IndexOutOfBoundsException("host " + host + " is not in 0.." + (hosts - 1));
        }
    }
}
