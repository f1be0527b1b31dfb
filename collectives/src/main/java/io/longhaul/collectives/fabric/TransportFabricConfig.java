package io.longhaul.collectives.fabric;

import io.longhaul.collectives.Topology;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;

import java.util.concurrent.TimeUnit;

/**
 * Knobs of a {@link TransportFabric} (and of a {@link TransportCluster}). Fluent setters;
 * {@link #validate()} names the first bad field and the accepted range.
 *
 * <table>
 * <caption>Knobs</caption>
 * <tr><th>knob</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@link #topology}</td><td>one DC</td><td>which DC each rank lives in; decides which links the
 * emulated {@link #link} shapes</td></tr>
 * <tr><td>{@link #link}</td><td>none</td><td>a {@link LinkSpec} ({@code delay=5ms,rate=1gbit,loss=0.1%}) emulated
 * on every rank's egress toward ranks of <em>other</em> DCs; with a single DC, toward every rank. Or a
 * {@link FabricSpec} ({@code ecmp=4,rate=1gbit,delay=5ms,fail=1@2s+1s}): that egress crosses an ECMP
 * fabric instead, each session's paths (source ports) hashed onto its links</td></tr>
 * <tr><td>{@link #congestionControl}</td><td>bbr</td><td>congestion control of every session</td></tr>
 * <tr><td>{@link #scheduler}</td><td>spray</td><td>path scheduler of every session ({@link PathSchedulers}), e.g.
 * {@code plb} or {@code weighted:by=rate}; it matters with {@link #paths} above 1</td></tr>
 * <tr><td>{@link #bindHost}</td><td>auto</td><td>local address to bind: in a multi-process job the
 * interface that routes to rank 0, in one process 127.0.0.1</td></tr>
 * <tr><td>{@link #connectTimeoutNs}</td><td>30 s</td><td>rendezvous and connection set-up, each</td></tr>
 * <tr><td>{@link #paths}</td><td>1</td><td>paths (source ports) per session, 1-16</td></tr>
 * <tr><td>{@link #linkSeed}</td><td>1</td><td>seed of the link emulators (rank r uses seed + 2r and seed + 2r + 1)</td></tr>
 * </table>
 *
 * <p>Links are emulated on each transport's egress, so a shaped pair is shaped both ways. With
 * several DCs and a link, each rank opens two transports: one plain for its DC, one shaped for the
 * others.
 *
 * <p><b>A fabric in real time is per rank.</b> The emulator models one transport's egress only, so
 * with a fabric spec every rank's inter-DC transport crosses <em>its own</em> K links: two ranks of
 * a DC do not share link queues or rates, and the DC as a whole gets K × rate per rank. The
 * simulator (the harness's {@code sim} backend) joins the DCs by one fabric that all their ranks
 * share; compare real-time and simulated fabric results with that in mind.
 */
public final class TransportFabricConfig {
    /** Default time for the rendezvous and for connection set-up: 30 s. */
    public static final long DEFAULT_CONNECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private Topology topology;
    private String link = "";
    private String congestionControl = "bbr";
    private String scheduler = PathSchedulers.DEFAULT;
    private String bindHost;
    private long connectTimeoutNs = DEFAULT_CONNECT_TIMEOUT_NS;
    /** Default peer timeout, in seconds. */
    public static final int DEFAULT_PEER_TIMEOUT_S = 5;
    private long peerTimeoutNs = TimeUnit.SECONDS.toNanos(DEFAULT_PEER_TIMEOUT_S);
    private int paths = 1;
    private long linkSeed = 1;
    private int maxPayloadBytes;
    private JobKey key;
    private boolean insecure;

    public Topology topology() {
        return topology;
    }

    /** Which DC each rank lives in; null for a single DC. */
    public TransportFabricConfig topology(final Topology value) {
        topology = value;
        return this;
    }

    public String link() {
        return link;
    }

    /** The emulated link between DCs (empty or {@code none} for none): a link spec, or a fabric spec with {@code ecmp=K}. */
    public TransportFabricConfig link(final String value) {
        link = value == null ? "" : value;
        return this;
    }

    public String congestionControl() {
        return congestionControl;
    }

    public TransportFabricConfig congestionControl(final String value) {
        congestionControl = value;
        return this;
    }

    public String scheduler() {
        return scheduler;
    }

    /** The path scheduler of every session, e.g. {@code spray} or {@code plb:rounds=3}. */
    public TransportFabricConfig scheduler(final String value) {
        scheduler = value;
        return this;
    }

    public String bindHost() {
        return bindHost;
    }

    /** Local address (host only, no port) to bind, e.g. {@code 10.0.0.1}; null for automatic. */
    public TransportFabricConfig bindHost(final String value) {
        bindHost = value;
        return this;
    }

    public long connectTimeoutNs() {
        return connectTimeoutNs;
    }

    public TransportFabricConfig connectTimeoutNs(final long value) {
        connectTimeoutNs = value;
        return this;
    }

    public int paths() {
        return paths;
    }

    public TransportFabricConfig paths(final int value) {
        paths = value;
        return this;
    }

    public long linkSeed() {
        return linkSeed;
    }

    public TransportFabricConfig linkSeed(final long value) {
        linkSeed = value;
        return this;
    }

    /**
     * @return the DATA payload size, or 0 for the default: jumbo frames on a loopback address
     *         ({@link TransportCluster#LOOPBACK_MAX_PAYLOAD_BYTES}), else the transport's (fits a
     *         1500-byte MTU).
     */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * DATA payload per datagram; 0 (the default) keeps the transport's, which fits a 1500-byte MTU,
     * except on a loopback address, which carries jumbo frames.
     * Jumbo frames (8948 for a 9000-byte MTU) cut the per-packet cost six-fold where the path
     * carries them.
     */
    public TransportFabricConfig maxPayloadBytes(final int value) {
        maxPayloadBytes = value;
        return this;
    }

    /** @return whether {@link #link} is an ECMP fabric spec ({@code ecmp=K}). */
    public boolean isFabric() {
        return FabricSpec.isFabricSpec(link);
    }

    /** @return the parsed link: the perfect link when none, and also when {@link #link} is a fabric (see {@link #fabricSpec()}). */
    public LinkSpec linkSpec() {
        return isFabric() ? LinkSpec.perfect() : LinkSpec.parse(link.isBlank() ? "" : link);
    }

    /** @return the parsed fabric, or null when {@link #link} is a plain link spec or none. */
    public FabricSpec fabricSpec() {
        return isFabric() ? FabricSpec.parse(link) : null;
    }

    /** @return whether a link or a fabric is emulated. */
    public boolean emulates() {
        return isFabric() || !linkSpec().isPerfect();
    }

    /** @return the emulated link or fabric in canonical form, or {@code none}. */
    public String describeLink() {
        return isFabric() ? fabricSpec().toString() : linkSpec().isPerfect() ? "none" : linkSpec().toString();
    }

    /** @return whether ranks of different DCs talk over a shaped transport apart from the plain one. */
    public boolean splitsTransports() {
        return topology != null && topology.dcCount() > 1 && emulates();
    }

    /** The job key every rank's sessions are keyed with; null: generated for an in-process cluster, LONGHAUL_KEY for a launched job. */
    public JobKey key() {
        return key;
    }

    public TransportFabricConfig key(final JobKey value) {
        key = value;
        return this;
    }

    public boolean insecure() {
        return insecure;
    }

    /** Run without a key on purpose (no key generated or read from the environment). */
    public TransportFabricConfig insecure(final boolean value) {
        insecure = value;
        return this;
    }

    /** How long a peer may stay silent before its rank is declared failed (keep-alives go at a third of it). */
    public long peerTimeoutNs() {
        return peerTimeoutNs;
    }

    /**
     * A rank that sends nothing for this long (killed, stopped, cut off) fails every collective
     * with it, naming it; default {@value #DEFAULT_PEER_TIMEOUT_S} s, 100 ms to 1 h.
     */
    public TransportFabricConfig peerTimeoutNs(final long value) {
        peerTimeoutNs = value;
        return this;
    }

    /**
     * @return this
     * @throws IllegalArgumentException naming the first bad field and the accepted range.
     */
    public TransportFabricConfig validate() {
        try {
            if (isFabric()) {
                fabricSpec();
            } else {
                linkSpec();
            }
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("link: " + e.getMessage(), e);
        }
        try {
            CongestionControls.validate(congestionControl);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("congestionControl: " + e.getMessage(), e);
        }
        try {
            PathSchedulers.validate(scheduler);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler: " + e.getMessage(), e);
        }
        if (connectTimeoutNs < TimeUnit.MILLISECONDS.toNanos(1) || connectTimeoutNs > TransportContext.MAX_TIMEOUT_NS) {
            throw new IllegalArgumentException("connectTimeoutNs " + connectTimeoutNs + " is out of range; accepted: [1000000, "
                + TransportContext.MAX_TIMEOUT_NS + "]");
        }
        if (peerTimeoutNs < TimeUnit.MILLISECONDS.toNanos(100) || peerTimeoutNs > TransportContext.MAX_TIMEOUT_NS) {
            throw new IllegalArgumentException("peerTimeoutNs " + peerTimeoutNs + " is out of range; accepted: [100000000, "
                + TransportContext.MAX_TIMEOUT_NS + "]");
        }
        if (maxPayloadBytes != 0 && (maxPayloadBytes < 64 || maxPayloadBytes > CoreConfig.MAX_PAYLOAD_BYTES_LIMIT)) {
            throw new IllegalArgumentException("maxPayloadBytes " + maxPayloadBytes + " is out of range; accepted: 0 (default) or [64, "
                + CoreConfig.MAX_PAYLOAD_BYTES_LIMIT + "]");
        }
        if (paths < 1 || paths > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths " + paths + " is out of range; accepted: [1, " + TransportContext.MAX_PATHS + "]");
        }
        return this;
    }

    public TransportFabricConfig copy() {
        return new TransportFabricConfig().topology(topology).link(link).congestionControl(congestionControl).scheduler(scheduler)
            .bindHost(bindHost).connectTimeoutNs(connectTimeoutNs).paths(paths).linkSeed(linkSeed).maxPayloadBytes(maxPayloadBytes)
            .key(key).insecure(insecure).peerTimeoutNs(peerTimeoutNs);
    }

    @Override
    public String toString() {
        return "TransportFabricConfig[topology=" + (topology == null ? "flat" : topology) + ", link="
            + (link.isBlank() ? "none" : link) + ", cc=" + congestionControl + ", scheduler=" + scheduler
            + ", bind=" + (bindHost == null ? "auto" : bindHost)
            + ", connectTimeoutNs=" + connectTimeoutNs + ", paths=" + paths + ", linkSeed=" + linkSeed
            + ", maxPayloadBytes=" + (maxPayloadBytes == 0 ? "default" : maxPayloadBytes)
            + ", key=" + (key != null ? "set" : insecure ? "none (insecure)" : "none") + "]";
    }
}
