package io.longhaul.harness.scenario;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.Topology;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.util.Units;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A cross-DC setup: data centers with ranks, the link inside a DC, the links between DCs by
 * distance, and the transport and collective defaults to run over them. Immutable; the
 * {@code with*} methods return changed copies (what a sweep varies). Load one with
 * {@link ScenarioLoader}.
 *
 * <p>Inter-DC one-way delay = {@value #FIBER_NS_PER_KM} ns/km (light in fiber, refractive index
 * ≈ 1.47) × distance + equipment delay (transponders, switches, amplifiers; default
 * {@value #DEFAULT_EQUIPMENT_DELAY_NS} ns). The other properties of an inter-DC link (rate, queue,
 * jitter, loss, Gilbert–Elliott bursts, reordering) come from the file's {@code links.inter}
 * section, optionally overridden per pair of DCs.
 *
 * <p>A pair of DCs may be joined by an ECMP group instead of one link ({@code links.inter.ecmp: K}):
 * K parallel links, each with the pair's link parameters and delay, shared by every rank of the two
 * DCs, each flow (path) on the link its 4-tuple hashes to, with optional scheduled failures and
 * degradations ({@link #interDcFabric(int, int)}, a {@link FabricSpec}). Sessions then need several
 * paths ({@link #paths()}) to spread over the links.
 */
public final class Scenario {
    /** One-way propagation delay of light in fiber: 4.9 µs per km. */
    public static final long FIBER_NS_PER_KM = 4_900;
    /** Default equipment delay added to every inter-DC link: 0.2 ms. */
    public static final long DEFAULT_EQUIPMENT_DELAY_NS = 200_000;
    /** Largest accepted distance: half the Earth's circumference, 20000 km. */
    public static final double MAX_DISTANCE_KM = 20_000;

    /** A data center: its name and how many ranks it hosts. */
    public record DataCenter(String name, int ranks) {
    }

    /**
     * One pair of DCs: distance, equipment delay and link shape (everything but the delay), and,
     * for an ECMP group, the group's template: its link count, NIC, hash seed and events (its own
     * link parameters are ignored: every link of the group is {@link #link()}).
     */
    record PairLink(double distanceKm, long equipmentDelayNs, LinkSpec shape, FabricSpec ecmp) {
        PairLink(final double distanceKm, final long equipmentDelayNs, final LinkSpec shape) {
            this(distanceKm, equipmentDelayNs, shape, null);
        }

        LinkSpec link() {
            return shape.toBuilder().delayNs(oneWayDelayNs(distanceKm, equipmentDelayNs)).build();
        }

        /** @return the ECMP group with every link {@link #link()}, or null for a single link. */
        FabricSpec fabric() {
            return ecmp == null ? null : ecmp.toBuilder().link(link()).build();
        }

        PairLink withShape(final double km, final long equipment, final LinkSpec newShape) {
            return new PairLink(km, equipment, newShape, ecmp);
        }
    }

    private final String name;
    private final String description;
    private final String source;
    private final List<DataCenter> dcs;
    private final LinkSpec intraDcLink;
    private final PairLink[][] pairs;
    private final String congestionControl;
    private final String scheduler;
    private final int paths;
    private final int maxPayloadBytes;
    private final Algorithm algorithm;
    private final int chunkBytes;
    private final long seed;
    /** How many times the real system's rates and gradient sizes were divided to run here; 1 = not scaled. */
    private final double scale;
    /** Largest scale factor. */
    public static final double MAX_SCALE = 1e6;

    Scenario(final String name, final String description, final String source, final List<DataCenter> dcs, final LinkSpec intraDcLink,
             final PairLink[][] pairs, final String congestionControl, final String scheduler, final int paths, final int maxPayloadBytes,
             final Algorithm algorithm, final int chunkBytes, final long seed, final double scale) {
        if (!(scale >= 1 && scale <= MAX_SCALE)) {
            throw new IllegalArgumentException("scale " + scale + " is out of range; accepted: 1 to " + (long) MAX_SCALE);
        }
        this.scale = scale;
        this.name = name;
        this.description = description;
        this.source = source;
        this.dcs = List.copyOf(dcs);
        this.intraDcLink = intraDcLink;
        this.pairs = pairs;
        this.congestionControl = congestionControl;
        this.scheduler = scheduler;
        this.paths = paths;
        this.maxPayloadBytes = maxPayloadBytes;
        this.algorithm = algorithm;
        this.chunkBytes = chunkBytes;
        this.seed = seed;
    }

    /**
     * One-way delay of an inter-DC link: {@link #FIBER_NS_PER_KM} × km + equipment delay.
     *
     * @return nanoseconds, rounded to the nearest.
     */
    public static long oneWayDelayNs(final double distanceKm, final long equipmentDelayNs) {
        if (!(distanceKm >= 0 && distanceKm <= MAX_DISTANCE_KM)) {
            throw new IllegalArgumentException("distance " + distanceKm + " km is out of range; accepted: 0 to " + (long) MAX_DISTANCE_KM);
        }
        return Math.round(distanceKm * FIBER_NS_PER_KM) + equipmentDelayNs;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    /** @return where the scenario came from: a file path or {@code preset NAME}. */
    public String source() {
        return source;
    }

    public List<DataCenter> dataCenters() {
        return dcs;
    }

    /** @return which DC each rank lives in, ranks numbered DC by DC in file order. */
    public Topology topology() {
        final int[] map = new int[ranks()];
        int r = 0;
        for (int d = 0; d < dcs.size(); d++) {
            for (int i = 0; i < dcs.get(d).ranks(); i++) {
                map[r++] = d;
            }
        }
        return Topology.of(map);
    }

    /** @return the total number of ranks. */
    public int ranks() {
        return dcs.stream().mapToInt(DataCenter::ranks).sum();
    }

    /** @return the link between two ranks of the same DC. */
    public LinkSpec intraDcLink() {
        return intraDcLink;
    }

    /**
     * @return the link between DCs {@code a} and {@code b} (indices in file order), delay from
     * distance; for an ECMP group, each of its links.
     */
    public LinkSpec interDcLink(final int a, final int b) {
        return pair(a, b).link();
    }

    /** @return the link between the DCs named {@code a} and {@code b}. */
    public LinkSpec interDcLink(final String a, final String b) {
        return interDcLink(dcIndex(a), dcIndex(b));
    }

    /**
     * @return the one inter-DC link every pair shares (what a backend with a single inter-DC link
     * model takes), or {@link LinkSpec#perfect()} when there is only one DC.
     * @throws IllegalStateException if pairs of DCs have different links.
     */
    public LinkSpec interDcLink() {
        if (dcs.size() < 2) {
            return LinkSpec.perfect();
        }
        final LinkSpec first = interDcLink(0, 1);
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                if (!interDcLink(a, b).equals(first)) {
                    throw new IllegalStateException("scenario " + name + " has different links between DCs (" + dcs.get(0).name() + "-"
                        + dcs.get(1).name() + ": " + first + "; " + dcs.get(a).name() + "-" + dcs.get(b).name() + ": "
                        + interDcLink(a, b) + "); this backend needs one inter-DC link");
                }
            }
        }
        return first;
    }

    /** @return the ECMP group between DCs {@code a} and {@code b}, each link {@link #interDcLink(int, int)}; null for a single link. */
    public FabricSpec interDcFabric(final int a, final int b) {
        return pair(a, b).fabric();
    }

    /**
     * @return the one ECMP group every pair of DCs has (what a backend builds between each pair of
     * DCs), or null when the DCs are joined by single links (or there is one DC).
     * @throws IllegalStateException if some pairs have an ECMP group and others not, or different ones.
     */
    public FabricSpec interDcFabric() {
        if (dcs.size() < 2) {
            return null;
        }
        final FabricSpec first = interDcFabric(0, 1);
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                if (!Objects.equals(interDcFabric(a, b), first)) {
                    throw new IllegalStateException("scenario " + name + " has different inter-DC ECMP groups (" + dcs.get(0).name() + "-"
                        + dcs.get(1).name() + ": " + (first == null ? "none" : first) + "; " + dcs.get(a).name() + "-" + dcs.get(b).name()
                        + ": " + (interDcFabric(a, b) == null ? "none" : interDcFabric(a, b)) + "); this backend needs one");
                }
            }
        }
        return first;
    }

    /** @return whether the DCs are joined by ECMP groups. */
    public boolean hasFabric() {
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                if (pairs[a][b].ecmp() != null) {
                    return true;
                }
            }
        }
        return false;
    }

    public double distanceKm(final int a, final int b) {
        return pair(a, b).distanceKm();
    }

    /** @return the longest distance between two DCs, 0 for a single DC. */
    public double maxDistanceKm() {
        double max = 0;
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                max = Math.max(max, distanceKm(a, b));
            }
        }
        return max;
    }

    public long equipmentDelayNs(final int a, final int b) {
        return pair(a, b).equipmentDelayNs();
    }

    /** @return the congestion control spec the transport uses, e.g. {@code bbr}. */
    public String congestionControl() {
        return congestionControl;
    }

    /** @return the path scheduler spec of every session, e.g. {@code spray} or {@code plb:rounds=3}. */
    public String scheduler() {
        return scheduler;
    }

    /** @return paths (source ports) per session between DCs, 1 to {@value TransportContext#MAX_PATHS}. */
    public int paths() {
        return paths;
    }

    /** @return the largest DATA payload of the transport in bytes. */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    public long seed() {
        return seed;
    }

    /** @return the communicator configuration this scenario asks for. */
    public CommunicatorConfig communicatorConfig() {
        return new CommunicatorConfig().algorithm(algorithm).chunkBytes(chunkBytes);
    }

    private PairLink pair(final int a, final int b) {
        if (a == b || a < 0 || b < 0 || a >= dcs.size() || b >= dcs.size()) {
            throw new IllegalArgumentException("DCs " + a + " and " + b + " are not two different DCs of " + dcs.size());
        }
        return pairs[Math.min(a, b)][Math.max(a, b)];
    }

    private int dcIndex(final String dc) {
        for (int i = 0; i < dcs.size(); i++) {
            if (dcs.get(i).name().equals(dc)) {
                return i;
            }
        }
        throw new IllegalArgumentException("scenario " + name + " has no DC named '" + dc + "'; DCs: "
            + String.join(", ", dcs.stream().map(DataCenter::name).toList()));
    }

    // ------------------------------------------------------------------ variations

    private Scenario withPairs(final PairLink[][] newPairs) {
        return new Scenario(name, description, source, dcs, intraDcLink, newPairs, congestionControl, scheduler, paths, maxPayloadBytes, algorithm,
            chunkBytes, seed, scale);
    }

    private interface PairChange {
        PairLink apply(PairLink p);
    }

    private Scenario mapPairs(final PairChange change) {
        final PairLink[][] out = new PairLink[dcs.size()][dcs.size()];
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                out[a][b] = change.apply(pairs[a][b]);
                out[a][b].link();
                out[a][b].fabric();
            }
        }
        return withPairs(out);
    }

    /** @return this scenario with every pair of DCs {@code km} apart (equipment delay kept). */
    public Scenario withDistanceKm(final double km) {
        oneWayDelayNs(km, 0);
        return mapPairs(p -> p.withShape(km, p.equipmentDelayNs(), p.shape()));
    }

    /**
     * The baseline a distance is compared with: every pair of DCs at 0 km (equipment delay kept)
     * and everything else as it is, including queues: a queue given in BDPs (or the default one)
     * keeps the bytes it has at the real distance, so that the baseline differs only by fiber delay.
     */
    public Scenario atZeroDistance() {
        return mapPairs(p -> {
            final LinkSpec real = p.link();
            final LinkSpec.Builder b = p.shape().toBuilder();
            if (real.rateBitsPerSecond() > 0 && (real.queueKind() == LinkSpec.QueueKind.BDP || real.queueKind() == LinkSpec.QueueKind.DEFAULT)) {
                b.queueBytes(real.queueBytes());
            }
            return p.withShape(0, p.equipmentDelayNs(), b.build());
        });
    }

    /** @return this scenario with random loss {@code probability} (0..1) on every inter-DC link; bursts kept. */
    public Scenario withLoss(final double probability) {
        return mapPairs(p -> p.withShape(p.distanceKm(), p.equipmentDelayNs(), p.shape().toBuilder().loss(probability).build()));
    }

    public Scenario withCongestionControl(final String cc) {
        return new Scenario(name, description, source, dcs, intraDcLink, pairs, Objects.requireNonNull(cc), scheduler, paths, maxPayloadBytes,
            algorithm, chunkBytes, seed, scale);
    }

    /** @return this scenario with path scheduler {@code spec} (not validated here; see {@code PathSchedulers.validate}). */
    public Scenario withScheduler(final String spec) {
        return new Scenario(name, description, source, dcs, intraDcLink, pairs, congestionControl, Objects.requireNonNull(spec), paths,
            maxPayloadBytes, algorithm, chunkBytes, seed, scale);
    }

    /** @return this scenario with {@code value} paths per inter-DC session (1 to {@value TransportContext#MAX_PATHS}). */
    public Scenario withPaths(final int value) {
        if (value < 1 || value > TransportContext.MAX_PATHS) {
            throw new IllegalArgumentException("paths " + value + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
        }
        return new Scenario(name, description, source, dcs, intraDcLink, pairs, congestionControl, scheduler, value, maxPayloadBytes,
            algorithm, chunkBytes, seed, scale);
    }

    public Scenario withAlgorithm(final Algorithm value) {
        return new Scenario(name, description, source, dcs, intraDcLink, pairs, congestionControl, scheduler, paths, maxPayloadBytes,
            Objects.requireNonNull(value), chunkBytes, seed, scale);
    }

    /**
     * @return how many times this scenario scales the real system down: its links run at
     *         1/scale of the real rate (and the training model's gradient should be 1/scale of the
     *         real one), while delays and compute times are the real ones, so the ratio of
     *         communication to compute, and with it the efficiency, is the real system's. 1 = not
     *         scaled.
     */
    public double scale() {
        return scale;
    }

    /** @return one line reading results back at full size, e.g. "scale 1:400 (1 Gbit/s here is 400 Gbit/s at full size; ...)", or "" when not scaled. */
    public String scaleNote() {
        if (scale == 1) {
            return "";
        }
        final double rate = pairs.length > 1 && pairs[0][1] != null ? pairs[0][1].link().rateBitsPerSecond() : 0;
        return "scale 1:" + formatKm(scale) + " (rates and gradient bytes are 1/" + formatKm(scale) + " of the real system's"
            + (rate > 0 ? ": " + gbit(rate) + " here is " + gbit(rate * scale) + " at full size" : "")
            + "; delays and compute times are real, so efficiencies read as they are)";
    }

    public Scenario withSeed(final long value) {
        return new Scenario(name, description, source, dcs, intraDcLink, pairs, congestionControl, scheduler, paths, maxPayloadBytes, algorithm,
            chunkBytes, value, scale);
    }

    /** @return a multi-line human summary: DCs, links with their delays, defaults. */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        sb.append("scenario ").append(name).append(" (").append(source).append(")\n");
        final List<String> dcText = new ArrayList<>();
        for (final DataCenter dc : dcs) {
            dcText.add(dc.name() + " x" + dc.ranks());
        }
        sb.append("  DCs: ").append(String.join(", ", dcText)).append("; topology ").append(topology()).append('\n');
        sb.append("  intra-DC link: ").append(intraDcLink.isPerfect() ? "none (perfect)" : intraDcLink).append('\n');
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                final PairLink p = pairs[a][b];
                sb.append(String.format(Locale.ROOT, "  %s-%s: %s km, one-way %s (fiber %s + equipment %s): %s%n", dcs.get(a).name(),
                    dcs.get(b).name(), formatKm(p.distanceKm()), Units.formatDuration(oneWayDelayNs(p.distanceKm(), p.equipmentDelayNs())),
                    Units.formatDuration(Math.round(p.distanceKm() * FIBER_NS_PER_KM)), Units.formatDuration(p.equipmentDelayNs()),
                    p.ecmp() == null ? p.link() : "ECMP group " + p.fabric()));
            }
        }
        sb.append("  transport: cc=").append(congestionControl).append(", scheduler=").append(scheduler).append(", paths=").append(paths)
            .append(", max payload ").append(maxPayloadBytes).append(" B\n");
        sb.append("  collectives: algorithm=").append(algorithm.algorithmName()).append(", chunk ").append(Units.formatSize(chunkBytes))
            .append("; seed ").append(seed).append('\n');
        if (scale != 1) {
            sb.append("  ").append(scaleNote()).append('\n');
        }
        return sb.toString();
    }

    private static String gbit(final double bitsPerSecond) {
        return java.math.BigDecimal.valueOf(bitsPerSecond / 1e9).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString()
            + " Gbit/s";
    }

    static String formatKm(final double km) {
        return km == Math.rint(km) ? Long.toString((long) km) : Double.toString(km);
    }

    @Override
    public String toString() {
        return "Scenario[" + name + ", " + topology() + ", " + formatKm(maxDistanceKm()) + " km]";
    }
}
