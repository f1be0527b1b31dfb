package io.longhaul.transport.sim;

import io.longhaul.transport.util.Units;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An immutable, validated description of an ECMP fabric between two data centers: K parallel
 * links, each flow pinned to one of them by a hash of its 4-tuple (see {@link EcmpFabric#linkFor}),
 * optionally behind a per-host NIC rate cap, with scheduled link failures and degradations. An
 * {@link EcmpFabric} made from it decides the fate of each datagram; the simulator and the
 * real-time emulator share that model.
 *
 * <p>Text form: comma-separated {@code key=value}, beside the {@link LinkSpec} vocabulary, for
 * example {@code ecmp=4,rate=1gbit,delay=5ms,loss=0.1%} or
 * {@code ecmp=4,rate=1gbit/1gbit/500mbit/1gbit,delay=5ms,fail=2@3s+500ms}. A text is a fabric
 * spec if and only if it has an {@code ecmp=} entry ({@link #isFabricSpec}). Keys:
 * <dl>
 * <dt>{@code ecmp}</dt><dd>K, the number of parallel links, 1 to {@value #MAX_LINKS}; required.
 * Links are numbered 0 to K − 1.</dd>
 * <dt>{@code delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt}</dt><dd>the link
 * parameters, as in {@link LinkSpec}: either one value for every link, or a {@code /}-separated
 * list of exactly K values, link 0 first ({@code rate=1gbit/1gbit/500mbit/1gbit}). In a list,
 * {@code -} leaves the key unset on that link (its LinkSpec default: no rate limit, no loss, ...).
 * Each link's entries are parsed by {@link LinkSpec#parse}, so they mean exactly what they mean on a
 * single link. Both directions of a link (A → B and B → A, as full-duplex optics) have the same
 * parameters but separate queues and loss draws.</dd>
 * <dt>{@code nic}</dt><dd>each host's NIC egress rate into the fabric (tc units); default none.
 * A datagram is serialized by its host's NIC before it reaches its link, so spraying over K links
 * cannot exceed the NIC.</dd>
 * <dt>{@code nic-queue}</dt><dd>the NIC's tail-drop queue, LinkSpec's {@code queue} syntax
 * (bytes or packets); default {@value #DEFAULT_NIC_QUEUE_PACKETS}p (Linux's default
 * {@code txqueuelen}). Only with {@code nic}.</dd>
 * <dt>{@code hash-seed}</dt><dd>seed of the ECMP hash (a long); default 0. Another seed, another
 * assignment of flows to links, as after a switch reboot.</dd>
 * <dt>{@code seed}</dt><dd>seed of the links' random generators (a long); default
 * {@value #DEFAULT_SEED}. Link i in direction d uses {@link #linkSeed(int, int)}; a
 * {@code seed} inside the link entries is not accepted.</dd>
 * <dt>{@code fail=L@TIME[+DURATION]}</dt><dd>link L (both directions) drops every datagram that
 * reaches it from TIME on, for DURATION or, without one, forever. Repeatable.</dd>
 * <dt>{@code degrade=L@TIME[+DURATION]:key=value[:key=value...]}</dt><dd>link L's parameters
 * change at TIME (for DURATION, then they return), e.g. {@code degrade=2@3s:loss=2%} or
 * {@code degrade=0@1s+2s:rate=100mbit:delay=20ms}. Any link key may change; the other keys keep
 * their values. The link keeps what it has queued (see {@link LinkModel#reconfigure}). Repeatable.</dd>
 * </dl>
 * TIME and DURATION are durations ({@code 500ms}, {@code 3s}) counted from the start of the fabric:
 * virtual time 0 in the simulator, the driver's creation in real time. Events on one link may
 * overlap: at any time a link is down if any failure covers that time, and its parameters are its
 * own with the changes of every degradation covering that time applied in order of their start
 * times (a later start wins a key both change).
 *
 * <p>{@link #toString()} prints the canonical form (lists collapsed to one value where all links
 * agree, defaults omitted, events in time order), which parses back to an equal spec.
 */
public final class FabricSpec {
    /** Largest number of parallel links. */
    public static final int MAX_LINKS = 64;
    /** Default seed of the links' random generators. */
    public static final long DEFAULT_SEED = 1;
    /** Default seed of the ECMP hash. */
    public static final long DEFAULT_HASH_SEED = 0;
    /** Default NIC queue, in packets (Linux's default txqueuelen). */
    public static final int DEFAULT_NIC_QUEUE_PACKETS = 1000;
    /** Latest accepted event time, and longest event duration: 24 hours. */
    public static final long MAX_EVENT_TIME_NS = 24L * 3_600_000_000_000L;
    /** Every key, for error messages. */
    public static final String KEYS = "ecmp, delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, nic, nic-queue, hash-seed, seed, fail, degrade";
    /** The per-link keys (LinkSpec's, without its seed), in canonical order. */
    public static final String LINK_KEYS = "delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt";

    private static final List<String> LINK_KEY_LIST = List.of(LINK_KEYS.split(", "));
    private static final String EVENT_FORMAT = "L@TIME[+DURATION], e.g. fail=1@2s+500ms";
    private static final String DEGRADE_FORMAT = "L@TIME[+DURATION]:key=value[:key=value...], e.g. degrade=2@3s:loss=2%";
    /** Token of a list entry that leaves the key unset on that link. */
    private static final String UNSET = "-";

    /** What a scheduled event does. */
    public enum EventKind {
        /** The link drops everything. */
        FAIL,
        /** The link's parameters change. */
        DEGRADE
    }

    /**
     * A scheduled event on one link.
     *
     * @param kind       what it does.
     * @param link       the link, 0 to K − 1.
     * @param atNs       when it starts, from the start of the fabric.
     * @param durationNs how long it lasts; -1 = forever.
     * @param changes    for {@link EventKind#DEGRADE}: the link keys that change and their new values,
     *                   in the order given; empty for {@link EventKind#FAIL}.
     */
    public record Event(EventKind kind, int link, long atNs, long durationNs, Map<String, String> changes) {
        public Event {
            Objects.requireNonNull(kind, "kind");
            changes = Collections.unmodifiableMap(new LinkedHashMap<>(changes));
        }

        /** Whether the event never ends. */
        public boolean forever() {
            return durationNs < 0;
        }

        /** When it ends ({@link Long#MAX_VALUE} if never). */
        public long endNs() {
            return forever() ? Long.MAX_VALUE : atNs + durationNs;
        }

        boolean covers(final long tNs) {
            return atNs <= tNs && tNs < endNs();
        }

        /** The event's text form, e.g. {@code fail=1@2s+500ms} or {@code degrade=2@3s:loss=2%}. */
        @Override
        public String toString() {
            final StringBuilder sb = new StringBuilder(kind == EventKind.FAIL ? "fail=" : "degrade=")
                .append(link).append('@').append(LinkSpec.formatDuration(atNs));
            if (!forever()) {
                sb.append('+').append(LinkSpec.formatDuration(durationNs));
            }
            for (final Map.Entry<String, String> e : changes.entrySet()) {
                sb.append(':').append(e.getKey()).append('=').append(e.getValue());
            }
            return sb.toString();
        }
    }

    /** A stretch of one link's timeline with constant state, from {@code fromNs} to the next segment. */
    record Segment(long fromNs, boolean down, LinkSpec spec) {
    }

    private final int links;
    private final List<LinkSpec> linkSpecs;
    private final LinkSpec nic;
    private final long hashSeed;
    private final long seed;
    private final List<Event> events;
    /** Per link, its segments in time order; the first starts at 0. */
    private final Segment[][] timelines;

    private FabricSpec(final Builder b) {
        if (b.links < 1 || b.links > MAX_LINKS) {
            throw new IllegalArgumentException("ecmp: " + b.links + " is out of range; accepted: 1 to " + MAX_LINKS + " parallel links");
        }
        links = b.links;
        final LinkSpec[] specs = new LinkSpec[links];
        Arrays.fill(specs, b.all.withSeed(LinkSpec.DEFAULT_SEED));
        for (final Map.Entry<Integer, LinkSpec> e : b.perLink.entrySet()) {
            checkLink("link", e.getKey());
            specs[e.getKey()] = e.getValue().withSeed(LinkSpec.DEFAULT_SEED);
        }
        linkSpecs = List.of(specs);
        if (b.nicRateBitsPerSecond < 0 || b.nicRateBitsPerSecond > LinkSpec.MAX_RATE_BITS_PER_SECOND) {
            throw new IllegalArgumentException("nic: " + b.nicRateBitsPerSecond + " bit/s is out of range; accepted: 0 (none) to "
                + LinkSpec.MAX_RATE_BITS_PER_SECOND + " bit/s (100tbit)");
        }
        if (b.nicRateBitsPerSecond == 0) {
            if (b.nicQueueKind != null) {
                throw new IllegalArgumentException("nic-queue: needs nic=RATE (a NIC queue without a NIC rate has no effect)");
            }
            nic = null;
        } else {
            final LinkSpec.Builder nb = LinkSpec.builder().rateBitsPerSecond(b.nicRateBitsPerSecond);
            if (b.nicQueueKind == null) {
                nb.queuePackets(DEFAULT_NIC_QUEUE_PACKETS);
            } else if (b.nicQueueKind == LinkSpec.QueueKind.PACKETS) {
                if (b.nicQueueValue < 1 || b.nicQueueValue > LinkSpec.MAX_QUEUE_PACKETS) {
                    throw new IllegalArgumentException("nic-queue: " + b.nicQueueValue + " packets is out of range; accepted: 1 to "
                        + LinkSpec.MAX_QUEUE_PACKETS + " packets");
                }
                nb.queuePackets((int) b.nicQueueValue);
            } else {
                nb.queueBytes(b.nicQueueValue);
            }
            try {
                nic = nb.build();
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("nic-queue: " + e.getMessage(), e);
            }
        }
        hashSeed = b.hashSeed;
        seed = b.seed;
        final List<Event> sorted = new ArrayList<>(b.events);
        sorted.sort(Comparator.comparingLong(Event::atNs));
        for (final Event e : sorted) {
            checkEvent(e);
        }
        events = List.copyOf(sorted);
        timelines = new Segment[links][];
        for (int l = 0; l < links; l++) {
            timelines[l] = buildTimeline(l);
        }
    }

    private void checkLink(final String field, final int link) {
        if (link < 0 || link >= links) {
            throw new IllegalArgumentException(field + ": link " + link + " is out of range; accepted: 0 to " + (links - 1)
                + " (ecmp=" + links + ", links are numbered from 0)");
        }
    }

    private void checkEvent(final Event e) {
        final String name = e.toString();
        checkLink(name, e.link());
        if (e.atNs() < 0 || e.atNs() > MAX_EVENT_TIME_NS) {
            throw new IllegalArgumentException(name + ": time " + e.atNs() + " ns is out of range; accepted: 0 to 24h");
        }
        if (e.durationNs() != -1 && (e.durationNs() <= 0 || e.durationNs() > MAX_EVENT_TIME_NS)) {
            throw new IllegalArgumentException(name + ": duration " + e.durationNs()
                + " ns is out of range; accepted: more than 0 up to 24h, or no duration for forever");
        }
        if (e.kind() == EventKind.FAIL && !e.changes().isEmpty()) {
            throw new IllegalArgumentException(name + ": a failure changes no parameters");
        }
        if (e.kind() == EventKind.DEGRADE) {
            if (e.changes().isEmpty()) {
                throw new IllegalArgumentException(name + ": changes nothing; expected degrade=" + DEGRADE_FORMAT);
            }
            for (final String key : e.changes().keySet()) {
                if (!LINK_KEY_LIST.contains(key)) {
                    throw new IllegalArgumentException(name + ": unknown key '" + key + "'"
                        + LinkSpec.suggestion(key, LINK_KEYS) + "; accepted: " + LINK_KEYS);
                }
            }
            try {
                degraded(linkSpecs.get(e.link()), e.changes());
            } catch (final IllegalArgumentException x) {
                throw new IllegalArgumentException(name + ": " + x.getMessage(), x);
            }
        }
    }

    private Segment[] buildTimeline(final int link) {
        final List<Event> mine = new ArrayList<>();
        final TreeSet<Long> bounds = new TreeSet<>();
        bounds.add(0L);
        for (final Event e : events) {
            if (e.link() == link) {
                mine.add(e);
                bounds.add(e.atNs());
                if (!e.forever()) {
                    bounds.add(e.endNs());
                }
            }
        }
        final LinkSpec base = linkSpecs.get(link);
        final List<Segment> out = new ArrayList<>();
        for (final long t : bounds) {
            boolean down = false;
            final Map<String, String> changes = new LinkedHashMap<>();
            for (final Event e : mine) {
                if (e.covers(t)) {
                    if (e.kind() == EventKind.FAIL) {
                        down = true;
                    } else {
                        changes.putAll(e.changes());
                    }
                }
            }
            final LinkSpec spec;
            try {
                spec = changes.isEmpty() ? base : degraded(base, changes);
            } catch (final IllegalArgumentException x) {
                throw new IllegalArgumentException("degrade: the overlapping degradations of link " + link + " at "
                    + LinkSpec.formatDuration(t) + " give an invalid link: " + x.getMessage(), x);
            }
            final Segment previous = out.isEmpty() ? null : out.get(out.size() - 1);
            if (previous == null || previous.down() != down || !previous.spec().equals(spec)) {
                out.add(new Segment(t, down, spec));
            }
        }
        return out.toArray(new Segment[0]);
    }

    /** {@code base} with {@code changes} applied, parsed by LinkSpec as one link's entries. */
    private static LinkSpec degraded(final LinkSpec base, final Map<String, String> changes) {
        final Map<String, String> entries = entries(base);
        entries.putAll(changes);
        return parseLink(join(entries));
    }

    /** The canonical entries of a link spec (its seed left out), in canonical order. */
    private static Map<String, String> entries(final LinkSpec spec) {
        final Map<String, String> map = new LinkedHashMap<>();
        final String text = spec.withSeed(LinkSpec.DEFAULT_SEED).toString();
        if (text.equals("none")) {
            return map;
        }
        for (final String entry : text.split(",")) {
            final int eq = entry.indexOf('=');
            map.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return map;
    }

    private static String join(final Map<String, String> entries) {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, String> e : entries.entrySet()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** LinkSpec.parse with its bare message (without the "link spec '...'" prefix) on error. */
    private static LinkSpec parseLink(final String text) {
        try {
            return LinkSpec.parse(text);
        } catch (final IllegalArgumentException e) {
            final Throwable cause = e.getCause();
            throw cause instanceof IllegalArgumentException ? (IllegalArgumentException) cause : e;
        }
    }

    /** Whether {@code text} is a fabric spec: it has an {@code ecmp=} entry. */
    public static boolean isFabricSpec(final String text) {
        if (text == null) {
            return false;
        }
        for (final String entry : text.split(",")) {
            final int eq = entry.indexOf('=');
            if (eq > 0 && entry.substring(0, eq).trim().equalsIgnoreCase("ecmp")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses a fabric spec (see the class comment for the syntax).
     *
     * @throws IllegalArgumentException naming the spec, the key, the value and what is accepted.
     */
    public static FabricSpec parse(final String text) {
        Objects.requireNonNull(text, "text");
        try {
            return parseEntries(text.trim());
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("fabric spec '" + text + "': " + e.getMessage(), e);
        }
    }

    private static FabricSpec parseEntries(final String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("is empty; expected at least ecmp=K (1 to " + MAX_LINKS + " parallel links)");
        }
        int links = -1;
        final Map<String, String> linkValues = new LinkedHashMap<>();
        final List<String[]> eventTexts = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        String nicRate = null;
        String nicQueue = null;
        long hashSeed = DEFAULT_HASH_SEED;
        long seed = DEFAULT_SEED;
        final String[] parts = text.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            final String entry = parts[i].trim();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " is empty; expected key=value entries separated by single commas");
            }
            final int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("'" + entry + "' is not key=value; expected for example ecmp=4 or rate=1gbit");
            }
            final String key = entry.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String value = entry.substring(eq + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("'" + entry + "' has no key; accepted: " + KEYS);
            }
            final boolean repeatable = key.equals("fail") || key.equals("degrade");
            if (!repeatable && !seen.add(key)) {
                throw new IllegalArgumentException("duplicate key '" + key + "'; each key but fail and degrade may appear once");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(key + ": value is empty");
            }
            switch (key) {
                case "ecmp":
                    links = parseLinkCount(value);
                    break;
                case "nic":
                    nicRate = value;
                    break;
                case "nic-queue":
                    nicQueue = value;
                    break;
                case "hash-seed":
                    hashSeed = parseSeed(key, value);
                    break;
                case "seed":
                    seed = parseSeed(key, value);
                    break;
                case "fail":
                case "degrade":
                    eventTexts.add(new String[] {key, value});
                    break;
                default:
                    if (!LINK_KEY_LIST.contains(key)) {
                        throw new IllegalArgumentException("unknown key '" + key + "'" + LinkSpec.suggestion(key, KEYS) + "; accepted: " + KEYS);
                    }
                    linkValues.put(key, value);
                    break;
            }
        }
        if (links < 0) {
            throw new IllegalArgumentException("has no ecmp=K; a fabric spec needs the number of parallel links, 1 to " + MAX_LINKS);
        }
        final Builder b = builder(links).hashSeed(hashSeed).seed(seed);
        final String[][] perLink = new String[links][];
        boolean anyList = false;
        int column = 0;
        final String[] keys = linkValues.keySet().toArray(new String[0]);
        for (int l = 0; l < links; l++) {
            perLink[l] = new String[keys.length];
        }
        for (final String key : keys) {
            final String value = linkValues.get(key);
            final String[] values = value.split("/", -1);
            if (values.length != 1 && values.length != links) {
                throw new IllegalArgumentException(key + ": '" + value + "' has " + values.length + " values for " + links
                    + " links (ecmp=" + links + "); accepted: one value for all links or exactly " + links + " separated by '/'");
            }
            anyList |= values.length > 1;
            for (int l = 0; l < links; l++) {
                final String v = values[values.length == 1 ? 0 : l].trim();
                if (v.isEmpty()) {
                    throw new IllegalArgumentException(key + ": value " + (l + 1) + " of '" + value + "' is empty; use '" + UNSET
                        + "' to leave the key unset on a link");
                }
                perLink[l][column] = v;
            }
            column++;
        }
        for (int l = 0; l < links; l++) {
            final Map<String, String> entries = new LinkedHashMap<>();
            for (int k = 0; k < keys.length; k++) {
                if (!perLink[l][k].equals(UNSET)) {
                    entries.put(keys[k], perLink[l][k]);
                }
            }
            try {
                b.link(l, parseLink(join(entries)));
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException((anyList ? "link " + l + ": " : "") + e.getMessage(), e);
            }
        }
        if (nicRate != null) {
            b.nicRateBitsPerSecond(Units.parseRateBitsPerSecond("nic", nicRate));
            if (nicQueue != null) {
                if (nicQueue.toLowerCase(Locale.ROOT).endsWith("bdp")) {
                    throw new IllegalArgumentException("nic-queue: '" + nicQueue
                        + "' is not accepted; give the NIC queue in bytes (256K) or packets (1000p): a NIC has no delay, so no BDP");
                }
                final LinkSpec q;
                try {
                    q = parseLink("rate=1gbit,queue=" + nicQueue);
                } catch (final IllegalArgumentException e) {
                    throw new IllegalArgumentException("nic-queue: " + e.getMessage(), e);
                }
                if (q.queueKind() == LinkSpec.QueueKind.PACKETS) {
                    b.nicQueuePackets(q.queuePackets());
                } else if (q.queueKind() == LinkSpec.QueueKind.BYTES) {
                    b.nicQueueBytes(q.queueBytes());
                } else {
                    throw new IllegalArgumentException("nic-queue: '" + nicQueue
                        + "' is not accepted; give the NIC queue in bytes (256K) or packets (1000p): a NIC has no delay, so no BDP");
                }
            }
        } else if (nicQueue != null) {
            throw new IllegalArgumentException("nic-queue: needs nic=RATE (a NIC queue without a NIC rate has no effect)");
        }
        for (final String[] event : eventTexts) {
            b.events.add(parseEvent(event[0], event[1]));
        }
        return b.build();
    }

    private static int parseLinkCount(final String value) {
        final long k;
        try {
            k = Long.parseLong(value);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("ecmp: '" + value + "' is not an integer; accepted: 1 to " + MAX_LINKS + " parallel links", e);
        }
        if (k < 1 || k > MAX_LINKS) {
            throw new IllegalArgumentException("ecmp: " + k + " is out of range; accepted: 1 to " + MAX_LINKS + " parallel links");
        }
        return (int) k;
    }

    private static long parseSeed(final String key, final String value) {
        try {
            return Long.parseLong(value);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not an integer; accepted: a 64-bit signed integer", e);
        }
    }

    private static Event parseEvent(final String key, final String value) {
        final boolean degrade = key.equals("degrade");
        final String format = degrade ? DEGRADE_FORMAT : EVENT_FORMAT;
        final int colon = value.indexOf(':');
        final String head = degrade && colon >= 0 ? value.substring(0, colon).trim() : value;
        if (!degrade && colon >= 0) {
            throw new IllegalArgumentException("fail: '" + value + "' has ':' changes; a failure changes no parameters (degrade does); expected fail=" + format);
        }
        final int at = head.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not " + format);
        }
        final String linkText = head.substring(0, at).trim();
        final int link;
        try {
            link = Integer.parseInt(linkText);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "': link '" + linkText + "' is not an integer; expected " + format, e);
        }
        final String times = head.substring(at + 1).trim();
        final int plus = times.indexOf('+');
        final long atNs;
        long durationNs = -1;
        try {
            atNs = Units.parseDurationNs("time", plus < 0 ? times : times.substring(0, plus));
            if (plus >= 0) {
                durationNs = Units.parseDurationNs("duration", times.substring(plus + 1));
                if (durationNs <= 0) {
                    throw new IllegalArgumentException("duration: '" + times.substring(plus + 1).trim()
                        + "' must be more than 0 (leave it out for forever)");
                }
            }
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": '" + value + "': " + e.getMessage(), e);
        }
        final Map<String, String> changes = degrade && colon >= 0 && !value.substring(colon + 1).isBlank()
            ? parseChanges(key + ": '" + value + "'", value.substring(colon + 1)) : Map.of();
        if (degrade && changes.isEmpty()) {
            throw new IllegalArgumentException(key + ": '" + value + "' changes nothing; expected degrade=" + format);
        }
        return new Event(degrade ? EventKind.DEGRADE : EventKind.FAIL, link, atNs, durationNs, changes);
    }

    /**
     * Parses {@code key=value} changes separated by {@code :} (or {@code ,}). The values of
     * {@code burst} ({@code gilbert:p=1%:r=30%}) and {@code reorder} ({@code 1%:5ms}) contain colons:
     * a part that is not {@code key=value} of a link key continues the entry before it.
     */
    static Map<String, String> parseChanges(final String context, final String text) {
        final Map<String, String> out = new LinkedHashMap<>();
        String currentKey = null;
        StringBuilder current = null;
        for (final String group : text.split(",", -1)) {
            for (final String raw : group.split(":", -1)) {
                final String part = raw.trim();
                final int eq = part.indexOf('=');
                final String name = eq > 0 ? part.substring(0, eq).trim().toLowerCase(Locale.ROOT) : null;
                if (name != null && LINK_KEY_LIST.contains(name)) {
                    flush(context, out, currentKey, current);
                    currentKey = name;
                    current = new StringBuilder(part.substring(eq + 1).trim());
                } else if (name != null && "burst".equals(currentKey) && name.length() == 1 && "prhk".contains(name)) {
                    current.append(':').append(part);
                } else if (name == null && eq < 0 && !part.isEmpty() && "reorder".equals(currentKey)) {
                    current.append(':').append(part);
                } else if (name != null) {
                    throw new IllegalArgumentException(context + ": unknown key '" + name + "'" + LinkSpec.suggestion(name, LINK_KEYS)
                        + "; accepted: " + LINK_KEYS);
                } else {
                    throw new IllegalArgumentException(context + ": '" + part + "' is not key=value; expected degrade=" + DEGRADE_FORMAT);
                }
            }
        }
        flush(context, out, currentKey, current);
        return out;
    }

    private static void flush(final String context, final Map<String, String> out, final String key, final StringBuilder value) {
        if (key == null) {
            return;
        }
        if (value.length() == 0) {
            throw new IllegalArgumentException(context + ": " + key + ": value is empty");
        }
        if (out.put(key, value.toString()) != null) {
            throw new IllegalArgumentException(context + ": duplicate key '" + key + "'; each key may change once per event");
        }
    }

    /**
     * The seed of link {@code link}'s random generator in direction {@code direction} (0 = A → B,
     * 1 = B → A): MurmurHash3's fmix64 of {@code seed + 0x9E3779B97F4A7C15 × (2·link + direction + 1)}.
     */
    public long linkSeed(final int link, final int direction) {
        return EcmpFabric.fmix64(seed + 0x9E3779B97F4A7C15L * (2L * link + direction + 1));
    }

    /** A builder of a fabric of {@code links} perfect links, to be refined. */
    public static Builder builder(final int links) {
        return new Builder(links);
    }

    /** A builder initialised with this spec. */
    public Builder toBuilder() {
        final Builder b = new Builder(links);
        for (int l = 0; l < links; l++) {
            b.link(l, linkSpecs.get(l));
        }
        if (nic != null) {
            b.nicRateBitsPerSecond = nic.rateBitsPerSecond();
            if (nic.queueKind() == LinkSpec.QueueKind.PACKETS) {
                b.nicQueuePackets(nic.queuePackets());
            } else {
                b.nicQueueBytes(nic.queueBytes());
            }
        }
        b.hashSeed = hashSeed;
        b.seed = seed;
        b.events.addAll(events);
        return b;
    }

    /** This spec with another seed of the links' random generators. */
    public FabricSpec withSeed(final long newSeed) {
        return newSeed == seed ? this : toBuilder().seed(newSeed).build();
    }

    /** K, the number of parallel links. */
    public int links() {
        return links;
    }

    /** The parameters of link {@code link} (0 to K − 1) before any event; its seed is the default. */
    public LinkSpec link(final int link) {
        return linkSpecs.get(link);
    }

    /** The parameters of every link before any event. */
    public List<LinkSpec> linkSpecs() {
        return linkSpecs;
    }

    /** The NIC model (rate and queue) of every host, or null when the NIC is not modelled. */
    public LinkSpec nic() {
        return nic;
    }

    /** Each host's NIC rate in bits per second; 0 = not modelled. */
    public long nicRateBitsPerSecond() {
        return nic == null ? 0 : nic.rateBitsPerSecond();
    }

    /** Seed of the ECMP hash. */
    public long hashSeed() {
        return hashSeed;
    }

    /** Seed of the links' random generators (see {@link #linkSeed}). */
    public long seed() {
        return seed;
    }

    /** The scheduled events in order of their start times. */
    public List<Event> events() {
        return events;
    }

    /** The smallest one-way delay of any link before any event. */
    public long minDelayNs() {
        long min = Long.MAX_VALUE;
        for (final LinkSpec s : linkSpecs) {
            min = Math.min(min, s.delayNs());
        }
        return min;
    }

    /** Link {@code link}'s timeline: segments in time order, the first from 0. */
    Segment[] timeline(final int link) {
        return timelines[link];
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FabricSpec)) {
            return false;
        }
        final FabricSpec s = (FabricSpec) o;
        return links == s.links && hashSeed == s.hashSeed && seed == s.seed && linkSpecs.equals(s.linkSpecs)
            && Objects.equals(nic, s.nic) && events.equals(s.events);
    }

    @Override
    public int hashCode() {
        return Objects.hash(links, linkSpecs, nic, hashSeed, seed, events);
    }

    /** The canonical spec (see the class comment). */
    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("ecmp=").append(links);
        final List<Map<String, String>> perLink = new ArrayList<>();
        for (final LinkSpec s : linkSpecs) {
            perLink.add(entries(s));
        }
        for (final String key : LINK_KEY_LIST) {
            final String[] values = new String[links];
            boolean any = false;
            boolean same = true;
            for (int l = 0; l < links; l++) {
                values[l] = perLink.get(l).getOrDefault(key, UNSET);
                any |= !values[l].equals(UNSET);
                same &= values[l].equals(values[0]);
            }
            if (any) {
                sb.append(',').append(key).append('=').append(same ? values[0] : String.join("/", values));
            }
        }
        if (nic != null) {
            sb.append(",nic=").append(LinkSpec.formatRate(nic.rateBitsPerSecond()));
            if (!(nic.queueKind() == LinkSpec.QueueKind.PACKETS && nic.queuePackets() == DEFAULT_NIC_QUEUE_PACKETS)) {
                sb.append(",nic-queue=").append(entries(nic).get("queue"));
            }
        }
        if (hashSeed != DEFAULT_HASH_SEED) {
            sb.append(",hash-seed=").append(hashSeed);
        }
        if (seed != DEFAULT_SEED) {
            sb.append(",seed=").append(seed);
        }
        for (final Event e : events) {
            sb.append(',').append(e);
        }
        return sb.toString();
    }

    /**
     * Builds a {@link FabricSpec} without a string. Starts as K perfect links; {@link #build()}
     * validates and throws {@link IllegalArgumentException} naming the field and the accepted range.
     */
    public static final class Builder {
        private int links;
        private LinkSpec all = LinkSpec.perfect();
        private final Map<Integer, LinkSpec> perLink = new LinkedHashMap<>();
        private long nicRateBitsPerSecond;
        /** How the NIC queue is given (PACKETS or BYTES), or null for the default. */
        private LinkSpec.QueueKind nicQueueKind;
        private long nicQueueValue;
        private long hashSeed = DEFAULT_HASH_SEED;
        private long seed = DEFAULT_SEED;
        private final List<Event> events = new ArrayList<>();

        private Builder(final int links) {
            this.links = links;
        }

        /** The number of parallel links, 1 to {@value #MAX_LINKS}. */
        public Builder links(final int value) {
            links = value;
            return this;
        }

        /** Every link's parameters (the spec's seed is ignored: see {@link FabricSpec#linkSeed}). */
        public Builder link(final LinkSpec spec) {
            all = Objects.requireNonNull(spec, "spec");
            perLink.clear();
            return this;
        }

        /** Link {@code link}'s parameters (the spec's seed is ignored). */
        public Builder link(final int link, final LinkSpec spec) {
            perLink.put(link, Objects.requireNonNull(spec, "spec"));
            return this;
        }

        /** Each host's NIC rate; 0 = no NIC model. */
        public Builder nicRateBitsPerSecond(final long bitsPerSecond) {
            nicRateBitsPerSecond = bitsPerSecond;
            return this;
        }

        /** The NIC's tail-drop queue in packets (default {@value #DEFAULT_NIC_QUEUE_PACKETS}). */
        public Builder nicQueuePackets(final int packets) {
            nicQueueKind = LinkSpec.QueueKind.PACKETS;
            nicQueueValue = packets;
            return this;
        }

        /** The NIC's tail-drop queue in bytes. */
        public Builder nicQueueBytes(final long bytes) {
            nicQueueKind = LinkSpec.QueueKind.BYTES;
            nicQueueValue = bytes;
            return this;
        }

        /** Seed of the ECMP hash. */
        public Builder hashSeed(final long value) {
            hashSeed = value;
            return this;
        }

        /** Seed of the links' random generators. */
        public Builder seed(final long value) {
            seed = value;
            return this;
        }

        /** Link {@code link} fails at {@code atNs} for good. */
        public Builder fail(final int link, final long atNs) {
            return fail(link, atNs, -1);
        }

        /** Link {@code link} fails at {@code atNs} for {@code durationNs} (-1 = forever). */
        public Builder fail(final int link, final long atNs, final long durationNs) {
            events.add(new Event(EventKind.FAIL, link, atNs, durationNs, Map.of()));
            return this;
        }

        /**
         * Link {@code link}'s parameters change at {@code atNs} for good.
         *
         * @param changes link keys and values, e.g. {@code loss=2%} or {@code rate=100mbit,delay=20ms}
         *                (entries separated by {@code ,} or {@code :}).
         */
        public Builder degrade(final int link, final long atNs, final String changes) {
            return degrade(link, atNs, -1, changes);
        }

        /** Link {@code link}'s parameters change at {@code atNs} for {@code durationNs} (-1 = forever). */
        public Builder degrade(final int link, final long atNs, final long durationNs, final String changes) {
            events.add(new Event(EventKind.DEGRADE, link, atNs, durationNs, parseChanges("degrade", changes)));
            return this;
        }

        /** Validates and builds. */
        public FabricSpec build() {
            return new FabricSpec(this);
        }
    }
}
