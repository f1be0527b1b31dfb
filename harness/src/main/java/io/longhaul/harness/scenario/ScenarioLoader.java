package io.longhaul.harness.scenario;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.util.Units;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads scenario files (YAML) and the presets shipped with longhaul.
 *
 * <pre>{@code
 * name: dci-1000km
 * description: two DCs 1000 km apart
 * dcs:                       # in order; ranks are numbered DC by DC
 *   - {name: east, ranks: 2}
 *   - {name: west, ranks: 2}
 * links:
 *   intra: delay=5us,rate=10gbit        # a link spec, or a mapping of its fields
 *   inter:                              # every pair of DCs
 *     distance_km: 1000                 # one-way delay = 4.9 us/km x km + equipment_delay
 *     equipment_delay: 0.2ms            # default 0.2ms
 *     rate: 1gbit
 *     queue: 2bdp                       # bytes (256K), packets (100p) or BDP multiples
 *     jitter: 0us
 *     loss: 0.1%                        # independent random loss
 *     burst: {p: 0.01%, r: 25%}         # Gilbert-Elliott, or "gilbert:p=0.01%:r=25%"
 *     reorder: 0%                       # or "1%:2ms" with a gap
 *     dup: 0%
 *     corrupt: 0%
 *     # An ECMP group of K parallel links instead of one link (each link has the keys above):
 *     ecmp: 4                           # K, 1 to 64
 *     fail: "1@2s+1s"                   # link 1 down from 2 s for 1 s (or a list; no +DURATION = for good)
 *     degrade: "2@3s:loss=2%"           # link 2's parameters change from 3 s (or a list)
 *     nic: 4gbit                        # each host's NIC rate into the group; nic_queue: 1000p
 *     hash_seed: 0                      # seed of the ECMP hash: which flows collide
 *   pairs:                              # optional per-pair overrides of any inter key
 *     - {between: [east, west], distance_km: 800}
 * transport: {cc: bbr, scheduler: spray, paths: 4, max_payload: 1472}
 * collectives: {algorithm: hier, chunk: 1M}
 * seed: 1
 * scale: 400                            # rates are 1/400 of the real system's (default 1: not scaled)
 * }</pre>
 *
 * Every error is a {@link ScenarioException} naming the file, the YAML path, the value and what
 * is accepted; unknown keys are rejected with the nearest accepted key as a suggestion.
 *
 * <p>The ECMP keys map onto the {@link FabricSpec} text form ({@code ecmp=4,fail=1@2s+1s,nic=4gbit,
 * hash-seed=0}, each link the pair's link spec with the delay from the distance), so a bad value gets
 * FabricSpec's own message after the key's YAML path.
 */
public final class ScenarioLoader {
    /** Names of the presets under {@code /scenarios/} on the class path. */
    public static final List<String> PRESETS = List.of("local", "dci-10km", "dci-100km", "dci-1000km", "lossy-1000km", "dci-1000km-ecmp");
    /** Largest number of ranks in one DC. */
    public static final int MAX_RANKS_PER_DC = 4096;

    private static final List<String> TOP_KEYS = List.of("name", "description", "dcs", "links", "transport", "collectives", "seed", "scale");
    private static final List<String> DC_KEYS = List.of("name", "ranks");
    private static final List<String> LINKS_KEYS = List.of("intra", "inter", "pairs");
    private static final List<String> INTRA_KEYS = List.of("delay", "jitter", "rate", "queue", "loss", "burst", "reorder", "dup", "corrupt");
    private static final List<String> SHAPE_KEYS = List.of("jitter", "rate", "queue", "loss", "burst", "reorder", "dup", "corrupt");
    /** The keys of an ECMP group, beside the link keys. */
    private static final List<String> ECMP_KEYS = List.of("ecmp", "fail", "degrade", "nic", "nic_queue", "hash_seed");
    private static final List<String> INTER_KEYS = concat(concat(List.of("distance_km", "equipment_delay"), SHAPE_KEYS), ECMP_KEYS);
    private static final List<String> PAIR_KEYS = concat(List.of("between"), INTER_KEYS);
    private static final List<String> BURST_KEYS = List.of("p", "r", "h", "k");
    private static final List<String> TRANSPORT_KEYS = List.of("cc", "scheduler", "paths", "max_payload");
    private static final List<String> COLLECTIVES_KEYS = List.of("algorithm", "chunk");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private ScenarioLoader() {
    }

    private static List<String> concat(final List<String> a, final List<String> b) {
        final List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    /**
     * Loads a preset by name ({@link #PRESETS}) or a file by path; a name that is neither lists
     * the presets.
     */
    public static Scenario load(final String nameOrPath) {
        final String preset = presetText(nameOrPath);
        if (preset != null) {
            return parse(preset, nameOrPath + ".yaml", "preset " + nameOrPath);
        }
        final Path path = Path.of(nameOrPath);
        if (Files.isRegularFile(path)) {
            return load(path);
        }
        throw new ScenarioException(nameOrPath, "", "no such preset or file; presets: " + String.join(", ", PRESETS), 0);
    }

    /** Loads a scenario file. */
    public static Scenario load(final Path path) {
        final String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (final NoSuchFileException e) {
            throw new ScenarioException(path.toString(), "", "no such file", 0);
        } catch (final IOException e) {
            throw new ScenarioException(path.toString(), "", "cannot read: " + e.getMessage(), 0);
        }
        final String file = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        return parse(text, file, path.toString());
    }

    /** @return the YAML text of a preset, or null if there is no preset of that name. */
    public static String presetText(final String name) {
        if (!PRESETS.contains(name)) {
            return null;
        }
        try (InputStream in = ScenarioLoader.class.getResourceAsStream("/scenarios/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("preset " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses scenario YAML.
     *
     * @param file   file name used in error messages, e.g. {@code dci.yaml}.
     * @param source where it came from, for {@link Scenario#source()}.
     */
    public static Scenario parse(final String yaml, final String file, final String source) {
        final YamlTree root = YamlTree.parse(file, yaml);
        if (root.isNull()) {
            throw root.error("the file is empty; a scenario needs at least 'dcs'");
        }
        final Map<String, YamlTree> top = root.fields(TOP_KEYS);
        final String name = top.containsKey("name") ? name(top.get("name")) : defaultName(file);
        final String description = top.containsKey("description") ? top.get("description").text("a text") : "";
        if (!top.containsKey("dcs")) {
            throw root.error("missing 'dcs': a list of data centers, e.g. dcs: [{name: east, ranks: 2}, {name: west, ranks: 2}]");
        }
        final List<Scenario.DataCenter> dcs = dataCenters(top.get("dcs"));

        LinkSpec intra = LinkSpec.perfect();
        Scenario.PairLink interDefault = new Scenario.PairLink(0, Scenario.DEFAULT_EQUIPMENT_DELAY_NS, LinkSpec.perfect());
        final Scenario.PairLink[][] pairs = new Scenario.PairLink[dcs.size()][dcs.size()];
        YamlTree pairsTree = null;
        YamlTree interTree = null;
        if (top.containsKey("links")) {
            final Map<String, YamlTree> links = top.get("links").fields(LINKS_KEYS);
            if (links.containsKey("intra")) {
                intra = intraLink(links.get("intra"));
            }
            if (links.containsKey("inter")) {
                interTree = links.get("inter");
                interDefault = pairLink(interTree, interTree.fields(INTER_KEYS), interDefault);
            }
            pairsTree = links.get("pairs");
        }
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                pairs[a][b] = interDefault;
            }
        }
        if (pairsTree != null && !pairsTree.isNull()) {
            applyPairs(pairsTree, dcs, pairs);
        }
        for (int a = 0; a < dcs.size(); a++) {
            for (int b = a + 1; b < dcs.size(); b++) {
                try {
                    pairs[a][b].link();
                    pairs[a][b].fabric();
                } catch (final IllegalArgumentException e) {
                    final YamlTree where = interTree != null ? interTree : root;
                    throw where.error("link " + dcs.get(a).name() + "-" + dcs.get(b).name() + " is invalid: " + e.getMessage());
                }
            }
        }

        String cc = "bbr";
        String scheduler = PathSchedulers.DEFAULT;
        int paths = 1;
        int maxPayload = CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES;
        if (top.containsKey("transport")) {
            final Map<String, YamlTree> t = top.get("transport").fields(TRANSPORT_KEYS);
            if (t.containsKey("cc")) {
                cc = t.get("cc").convert("a congestion control name", s -> {
                    CongestionControls.validate(s);
                    return s;
                });
            }
            if (t.containsKey("scheduler")) {
                scheduler = t.get("scheduler").convert("a path scheduler name", s -> {
                    PathSchedulers.validate(s);
                    return s;
                });
            }
            if (t.containsKey("paths")) {
                paths = (int) t.get("paths").integer(1, TransportContext.MAX_PATHS);
            }
            if (t.containsKey("max_payload")) {
                maxPayload = (int) t.get("max_payload").integer(64, CoreConfig.MAX_PAYLOAD_BYTES_LIMIT);
            }
        }
        Algorithm algorithm = Algorithm.AUTO;
        int chunk = CommunicatorConfig.DEFAULT_CHUNK_BYTES;
        if (top.containsKey("collectives")) {
            final Map<String, YamlTree> c = top.get("collectives").fields(COLLECTIVES_KEYS);
            if (c.containsKey("algorithm")) {
                algorithm = c.get("algorithm").convert("an algorithm", Algorithm::parse);
            }
            if (c.containsKey("chunk")) {
                final YamlTree ct = c.get("chunk");
                final long bytes = ct.convert("a size", s -> Units.parseSizeBytes("chunk", s));
                if (bytes < 8 || bytes > 1 << 30) {
                    throw ct.error("'" + ct.text("a size") + "' is out of range; accepted: 8 B to 1 GiB");
                }
                chunk = (int) bytes;
            }
        }
        final long seed = top.containsKey("seed") ? top.get("seed").integer(Long.MIN_VALUE, Long.MAX_VALUE) : 1;
        double scale = 1;
        if (top.containsKey("scale")) {
            final YamlTree st = top.get("scale");
            scale = st.convert("a number", Double::parseDouble);
            if (!(scale >= 1 && scale <= Scenario.MAX_SCALE)) {
                throw st.error("'" + st.text("a number") + "' is out of range; accepted: 1 to " + (long) Scenario.MAX_SCALE
                    + " (how many times the real system's rates are divided here)");
            }
        }
        return new Scenario(name, description, source, dcs, intra, pairs, cc, scheduler, paths, maxPayload, algorithm, chunk, seed, scale);
    }

    private static String defaultName(final String file) {
        final String base = file.replaceAll("\\.ya?ml$", "");
        return base.isEmpty() ? "scenario" : base;
    }

    private static String name(final YamlTree t) {
        final String s = t.text("a name");
        if (!NAME.matcher(s).matches()) {
            throw t.error("'" + s + "' is not a name; accepted: letters, digits, '.', '_' and '-', starting with a letter or digit");
        }
        return s;
    }

    private static List<Scenario.DataCenter> dataCenters(final YamlTree tree) {
        final List<YamlTree> items = tree.items();
        if (items.isEmpty()) {
            throw tree.error("the list is empty; accepted: at least one DC, e.g. - {name: east, ranks: 2}");
        }
        final List<Scenario.DataCenter> out = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final YamlTree item : items) {
            final Map<String, YamlTree> f = item.fields(DC_KEYS);
            if (!f.containsKey("ranks")) {
                throw item.error("missing 'ranks': how many ranks this DC hosts, 1 to " + MAX_RANKS_PER_DC);
            }
            final String dcName = f.containsKey("name") ? name(f.get("name")) : "dc" + out.size();
            if (!names.add(dcName)) {
                throw (f.containsKey("name") ? f.get("name") : item).error("DC name '" + dcName + "' is used twice; DC names must be unique");
            }
            out.add(new Scenario.DataCenter(dcName, (int) f.get("ranks").integer(1, MAX_RANKS_PER_DC)));
        }
        return out;
    }

    private static LinkSpec intraLink(final YamlTree t) {
        if (t.isNull()) {
            return LinkSpec.perfect();
        }
        if (t.isScalar()) {
            return t.convert("a link spec", LinkSpec::parse);
        }
        final Map<String, YamlTree> f = t.fields(INTRA_KEYS);
        final LinkSpec.Builder b = LinkSpec.builder();
        if (f.containsKey("delay")) {
            b.delayNs(duration(f.get("delay")));
        }
        shape(f, b);
        return build(t, b);
    }

    private static LinkSpec build(final YamlTree t, final LinkSpec.Builder b) {
        try {
            return b.build();
        } catch (final IllegalArgumentException e) {
            throw t.error(e.getMessage());
        }
    }

    private static long duration(final YamlTree t) {
        final String s = t.text("a duration");
        if (s.equals("0")) {
            return 0;
        }
        return t.convert("a duration", v -> Units.parseDurationNs("duration", v));
    }

    /** Applies the link-shape keys present in {@code f} to {@code b}. */
    private static void shape(final Map<String, YamlTree> f, final LinkSpec.Builder b) {
        if (f.containsKey("jitter")) {
            b.jitterNs(duration(f.get("jitter")));
        }
        if (f.containsKey("rate")) {
            final YamlTree t = f.get("rate");
            final String s = t.text("a rate");
            b.rateBitsPerSecond(s.equals("0") || s.equalsIgnoreCase("unlimited") ? 0 : t.convert("a rate", v -> Units.parseRateBitsPerSecond("rate", v)));
        }
        if (f.containsKey("queue")) {
            queue(f.get("queue"), b);
        }
        if (f.containsKey("loss")) {
            b.loss(f.get("loss").convert("a percentage", v -> Units.parsePercent("loss", v)));
        }
        if (f.containsKey("burst")) {
            burst(f.get("burst"), b);
        }
        if (f.containsKey("reorder")) {
            final LinkSpec r = f.get("reorder").convert("a percentage", v -> LinkSpec.parse("reorder=" + v));
            b.reorder(r.reorderProbability());
            if (f.get("reorder").text("a percentage").contains(":")) {
                b.reorderGapNs(r.reorderGapNs());
            }
        }
        if (f.containsKey("dup")) {
            b.duplicate(f.get("dup").convert("a percentage", v -> Units.parsePercent("dup", v)));
        }
        if (f.containsKey("corrupt")) {
            b.corrupt(f.get("corrupt").convert("a percentage", v -> Units.parsePercent("corrupt", v)));
        }
    }

    private static void queue(final YamlTree t, final LinkSpec.Builder b) {
        final String s = t.text("a queue size").toLowerCase(java.util.Locale.ROOT);
        final String accepted = "; accepted: bytes (256K, 1500), packets (100p) or multiples of the BDP (2bdp)";
        try {
            if (s.endsWith("bdp")) {
                b.queueBdp(Double.parseDouble(s.substring(0, s.length() - 3).trim()));
            } else if (s.endsWith("p")) {
                b.queuePackets(Integer.parseInt(s.substring(0, s.length() - 1).trim()));
            } else {
                b.queueBytes(Units.parseSizeBytes("queue", s));
            }
        } catch (final IllegalArgumentException e) {
            throw t.error("'" + s + "' is not a queue size" + accepted);
        }
    }

    private static void burst(final YamlTree t, final LinkSpec.Builder b) {
        if (t.isNull()) {
            b.noBurstLoss();
            return;
        }
        if (t.isScalar()) {
            final String s = t.text("a burst model");
            if (s.equalsIgnoreCase("none") || s.equalsIgnoreCase("off")) {
                b.noBurstLoss();
                return;
            }
            final LinkSpec g = t.convert("a burst model", v -> LinkSpec.parse("burst=" + v));
            b.gilbertElliott(g.burstP(), g.burstR(), g.burstH(), g.burstK());
            return;
        }
        final Map<String, YamlTree> f = t.fields(BURST_KEYS);
        for (final String required : List.of("p", "r")) {
            if (!f.containsKey(required)) {
                throw t.error("missing '" + required + "'; a Gilbert-Elliott burst needs p (good to bad) and r (bad to good), e.g. {p: 0.01%, r: 25%}");
            }
        }
        b.gilbertElliott(fraction(f.get("p")), fraction(f.get("r")), f.containsKey("h") ? fraction(f.get("h")) : 0,
            f.containsKey("k") ? fraction(f.get("k")) : 1);
    }

    /** A probability: a percentage with {@code %} or a fraction without, as in link specs' burst parameters. */
    private static double fraction(final YamlTree t) {
        final String s = t.text("a probability");
        final String accepted = "; accepted: a percentage such as 1% or a fraction such as 0.01";
        final double v;
        try {
            v = s.endsWith("%") ? Double.parseDouble(s.substring(0, s.length() - 1).trim()) / 100 : Double.parseDouble(s);
        } catch (final NumberFormatException e) {
            throw t.error("'" + s + "' is not a probability" + accepted);
        }
        if (!(v >= 0 && v <= 1)) {
            throw t.error("'" + s + "' is out of range" + accepted);
        }
        return v;
    }

    private static Scenario.PairLink pairLink(final YamlTree where, final Map<String, YamlTree> f, final Scenario.PairLink base) {
        final double km = f.containsKey("distance_km") ? f.get("distance_km").number(0, Scenario.MAX_DISTANCE_KM) : base.distanceKm();
        final long equipment = f.containsKey("equipment_delay") ? duration(f.get("equipment_delay")) : base.equipmentDelayNs();
        if (equipment > LinkSpec.MAX_DURATION_NS / 2) {
            throw f.get("equipment_delay").error("'" + f.get("equipment_delay").text("a duration") + "' is out of range; accepted: 0 to 30m");
        }
        final FabricSpec ecmp = ecmpTemplate(f, base.ecmp());
        if (ecmp != null) {
            for (final String key : SHAPE_KEYS) {
                if (f.containsKey(key) && f.get(key).isScalar() && f.get(key).text("a value").contains("/")) {
                    throw f.get(key).error("'" + f.get(key).text("a value") + "': per-link lists are not accepted in scenarios; give one "
                        + "value for every link of the group and change single links with degrade, e.g. degrade: \"2@0s:rate=500mbit\"");
                }
            }
        }
        final LinkSpec.Builder b = base.shape().toBuilder();
        shape(f, b);
        // Validated with its real delay: a queue given in BDPs depends on it.
        b.delayNs(Scenario.oneWayDelayNs(km, equipment));
        return new Scenario.PairLink(km, equipment, build(where, b), ecmp);
    }

    /**
     * The ECMP group's template (link count, NIC, hash seed, events; perfect links) from the ECMP
     * keys in {@code f} over {@code base}'s: each key given replaces the inherited value (a
     * {@code fail} list replaces every inherited failure). Each value is checked on its own through
     * {@link FabricSpec#parse}, so its error names its YAML key; then the whole group is parsed once.
     *
     * @return null when neither {@code f} nor {@code base} has an ECMP group.
     */
    private static FabricSpec ecmpTemplate(final Map<String, YamlTree> f, final FabricSpec base) {
        final boolean any = ECMP_KEYS.stream().anyMatch(f::containsKey);
        if (!any) {
            return base;
        }
        if (base == null && !f.containsKey("ecmp")) {
            final String key = ECMP_KEYS.stream().filter(f::containsKey).findFirst().orElseThrow();
            throw f.get(key).error("applies to an ECMP group; add ecmp: K (the number of parallel links, 1 to " + FabricSpec.MAX_LINKS
                + ") beside it");
        }
        final int links = f.containsKey("ecmp") ? (int) f.get("ecmp").integer(1, FabricSpec.MAX_LINKS) : base.links();
        final String head = "ecmp=" + links;
        // The inherited entries, by FabricSpec key (fail and degrade may repeat).
        final Map<String, List<String>> entries = new java.util.LinkedHashMap<>();
        if (base != null) {
            for (final String entry : base.toString().split(",")) {
                final String key = entry.substring(0, entry.indexOf('='));
                if (!key.equals("ecmp")) {
                    entries.computeIfAbsent(key, k -> new ArrayList<>()).add(entry);
                }
            }
        }
        if (f.containsKey("nic")) {
            final String v = f.get("nic").convert("a rate", x -> {
                FabricSpec.parse(head + ",nic=" + x);
                return x;
            });
            entries.put("nic", List.of("nic=" + v));
        }
        if (f.containsKey("nic_queue")) {
            final YamlTree t = f.get("nic_queue");
            final List<String> nic = entries.get("nic");
            if (nic == null) {
                throw t.error("needs nic: RATE beside it (a NIC queue without a NIC rate has no effect)");
            }
            final String v = t.convert("a queue size", x -> {
                FabricSpec.parse(head + "," + nic.get(0) + ",nic-queue=" + x);
                return x;
            });
            entries.put("nic-queue", List.of("nic-queue=" + v));
        }
        if (f.containsKey("hash_seed")) {
            final String v = f.get("hash_seed").convert("a whole number", x -> {
                FabricSpec.parse(head + ",hash-seed=" + x);
                return x;
            });
            entries.put("hash-seed", List.of("hash-seed=" + v));
        }
        for (final String kind : List.of("fail", "degrade")) {
            if (!f.containsKey(kind)) {
                continue;
            }
            final YamlTree t = f.get(kind);
            final List<YamlTree> items = t.isSequence() ? t.items() : List.of(t);
            final List<String> events = new ArrayList<>();
            final String expected = kind.equals("fail") ? "a failure such as \"1@2s+1s\" (link@time[+duration])"
                : "a degradation such as \"2@3s:loss=2%\" (link@time[+duration]:key=value...)";
            for (final YamlTree item : items) {
                final String v = item.convert(expected, x -> {
                    FabricSpec.parse(head + "," + kind + "=" + x);
                    return x;
                });
                events.add(kind + "=" + v);
            }
            entries.put(kind, events);
        }
        final StringBuilder text = new StringBuilder(head);
        for (final List<String> values : entries.values()) {
            for (final String v : values) {
                text.append(',').append(v);
            }
        }
        try {
            return FabricSpec.parse(text.toString());
        } catch (final IllegalArgumentException e) {
            throw f.get(f.containsKey("ecmp") ? "ecmp" : ECMP_KEYS.stream().filter(f::containsKey).findFirst().orElseThrow()).error(e.getMessage());
        }
    }

    private static void applyPairs(final YamlTree tree, final List<Scenario.DataCenter> dcs, final Scenario.PairLink[][] pairs) {
        final Set<String> seen = new HashSet<>();
        for (final YamlTree item : tree.items()) {
            final Map<String, YamlTree> f = item.fields(PAIR_KEYS);
            if (!f.containsKey("between")) {
                throw item.error("missing 'between': the two DCs this entry is about, e.g. between: [east, west]");
            }
            final YamlTree between = f.get("between");
            final List<YamlTree> names = between.items();
            if (names.size() != 2) {
                throw between.error("expected two DC names but found " + names.size() + ", e.g. between: [east, west]");
            }
            final int a = dcIndex(names.get(0), dcs);
            final int b = dcIndex(names.get(1), dcs);
            if (a == b) {
                throw between.error("names the same DC twice; a pair needs two different DCs");
            }
            final int lo = Math.min(a, b);
            final int hi = Math.max(a, b);
            if (!seen.add(lo + "-" + hi)) {
                throw between.error("the pair " + dcs.get(lo).name() + "-" + dcs.get(hi).name() + " is listed twice");
            }
            pairs[lo][hi] = pairLink(item, f, pairs[lo][hi]);
        }
    }

    private static int dcIndex(final YamlTree t, final List<Scenario.DataCenter> dcs) {
        final String n = t.text("a DC name");
        for (int i = 0; i < dcs.size(); i++) {
            if (dcs.get(i).name().equals(n)) {
                return i;
            }
        }
        final List<String> known = dcs.stream().map(Scenario.DataCenter::name).toList();
        final String near = YamlTree.nearest(n, known);
        throw t.error("'" + n + "' is not a DC of this scenario" + (near == null ? "" : "; did you mean '" + near + "'?")
            + " accepted: " + String.join(", ", known));
    }
}
