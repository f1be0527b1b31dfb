package io.longhaul.transport.sim;

import io.longhaul.transport.util.Units;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable, validated description of one direction of a link, in netem's vocabulary. A
 * {@link LinkModel} made from it decides the fate of each datagram; the same spec drives the
 * simulated driver, the in-process real-time emulator and generated {@code tc netem} commands.
 *
 * <p>Text form: comma-separated {@code key=value}, for example
 * {@code delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=1%:r=30%,reorder=1%,dup=0.01%,corrupt=0.01%}.
 * The empty string and {@code none} are the perfect link. Keys:
 * <dl>
 * <dt>{@code delay}</dt><dd>one-way propagation delay ({@code ns, us, ms, s, m}); default 0.</dd>
 * <dt>{@code jitter}</dt><dd>uniform jitter: each packet's propagation delay is drawn from
 * [delay − jitter, delay + jitter] (clamped at 0), as netem does without a distribution table.
 * Jitter never reorders: a packet is never delivered before the packet offered before it
 * (its delivery time is clamped to the previous one), so only {@code reorder} reorders.</dd>
 * <dt>{@code rate}</dt><dd>bottleneck serialization rate, tc units ({@code 1gbit}, {@code 100mbps});
 * absent = unlimited (no serialization delay and no queue).</dd>
 * <dt>{@code queue}</dt><dd>finite tail-drop queue in front of the bottleneck: bytes ({@code 256K},
 * {@code 1500}), packets ({@code 100p}) or multiples of the bandwidth-delay product
 * ({@code 2bdp}, BDP = rate × 2 × delay, that is one round trip when both directions have the same
 * delay). Default with a rate: 2 BDP but at least 64 KiB. Without a rate it has no effect.</dd>
 * <dt>{@code loss}</dt><dd>independent (Bernoulli) loss probability, netem style: a percentage,
 * the {@code %} optional ({@code loss=0.1} is 0.1 %).</dd>
 * <dt>{@code burst}</dt><dd>Gilbert–Elliott bursty loss, netem's {@code gemodel}:
 * {@code gilbert:p=P:r=R[:h=H][:k=K]}, where p = P(good → bad), r = P(bad → good), 1 − h = loss
 * probability in the bad state (default h = 0: every packet lost), 1 − k = loss probability in the
 * good state (default k = 1: none lost). Each parameter is a percentage with {@code %}
 * ({@code p=1%}) or a fraction without ({@code p=0.01}). Combined with {@code loss}, a packet is
 * lost if either model loses it.</dd>
 * <dt>{@code reorder}</dt><dd>{@code P[:gap]}: probability that a packet is held back by an extra
 * {@code gap} after its normal delivery time, so that later packets overtake it. Default gap:
 * max(1 ms, delay / 4).</dd>
 * <dt>{@code dup}</dt><dd>probability that a packet is delivered twice.</dd>
 * <dt>{@code corrupt}</dt><dd>probability that one random bit of one random byte is flipped.</dd>
 * <dt>{@code seed}</dt><dd>seed of the link's random generator (a long); default 1.</dd>
 * </dl>
 * {@link #toString()} prints the canonical form, which parses back to an equal spec.
 */
public final class LinkSpec {
    /** Keys in canonical order, for error messages and printing. */
    public static final String KEYS = "delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed";
    /** Default seed of the link's random generator. */
    public static final long DEFAULT_SEED = 1;
    /** Smallest default queue when a rate is set: 64 KiB. */
    public static final long MIN_DEFAULT_QUEUE_BYTES = 64 * 1024;
    /** Default queue size in BDPs when a rate is set. */
    public static final double DEFAULT_QUEUE_BDP = 2.0;
    /** Smallest default reorder gap: 1 ms. */
    public static final long MIN_DEFAULT_REORDER_GAP_NS = 1_000_000L;
    /** Largest accepted rate: 100 Tbit/s. */
    public static final long MAX_RATE_BITS_PER_SECOND = 100_000_000_000_000L;
    /** Largest accepted queue in packets. */
    public static final int MAX_QUEUE_PACKETS = 1 << 22;
    /** Largest accepted delay, jitter or reorder gap: one hour. */
    public static final long MAX_DURATION_NS = 3_600_000_000_000L;

    private static final String QUEUE_ACCEPTED = "bytes (256K, 1500; " + Units.SIZE_UNITS + "), packets (100p) or multiples of the BDP (2bdp)";
    private static final String BURST_ACCEPTED = "gilbert:p=P:r=R[:h=H][:k=K] (percentages such as 1% or fractions such as 0.01)";

    /** How the queue limit was given. */
    public enum QueueKind {
        /** Not given: 2 BDP but at least 64 KiB. */
        DEFAULT,
        /** A number of bytes. */
        BYTES,
        /** A number of packets. */
        PACKETS,
        /** A multiple of the bandwidth-delay product. */
        BDP
    }

    private static final LinkSpec PERFECT = builder().build();

    private final long delayNs;
    private final long jitterNs;
    private final long rateBitsPerSecond;
    private final QueueKind queueKind;
    private final double queueValue;
    private final long queueBytes;
    private final int queuePackets;
    private final double lossProbability;
    private final boolean burst;
    private final double burstP;
    private final double burstR;
    private final double burstH;
    private final double burstK;
    private final double reorderProbability;
    private final long reorderGapNs;
    private final double duplicateProbability;
    private final double corruptProbability;
    private final long seed;

    private LinkSpec(final Builder b) {
        delayNs = checkDuration("delay", b.delayNs);
        jitterNs = checkDuration("jitter", b.jitterNs);
        if (b.rateBitsPerSecond < 0 || b.rateBitsPerSecond > MAX_RATE_BITS_PER_SECOND) {
            throw new IllegalArgumentException("rate: " + b.rateBitsPerSecond + " bit/s is out of range; accepted: 0 (unlimited) to "
                + MAX_RATE_BITS_PER_SECOND + " bit/s (100tbit)");
        }
        rateBitsPerSecond = b.rateBitsPerSecond;
        queueKind = b.queueKind;
        queueValue = b.queueValue;
        long qBytes = 0;
        int qPackets = 0;
        switch (queueKind) {
            case DEFAULT:
                if (rateBitsPerSecond > 0) {
                    qBytes = Math.max(MIN_DEFAULT_QUEUE_BYTES, bdpBytes(DEFAULT_QUEUE_BDP));
                }
                break;
            case BYTES:
                if (!(queueValue >= 1) || queueValue != Math.rint(queueValue) || queueValue > Long.MAX_VALUE / 16.0) {
                    throw new IllegalArgumentException("queue: " + formatNumber(queueValue) + " bytes is out of range; accepted: a whole number of bytes >= 1");
                }
                qBytes = rateBitsPerSecond > 0 ? (long) queueValue : 0;
                break;
            case PACKETS:
                if (!(queueValue >= 1) || queueValue != Math.rint(queueValue) || queueValue > MAX_QUEUE_PACKETS) {
                    throw new IllegalArgumentException("queue: " + formatNumber(queueValue) + " packets is out of range; accepted: 1 to " + MAX_QUEUE_PACKETS + " packets");
                }
                qPackets = rateBitsPerSecond > 0 ? (int) queueValue : 0;
                break;
            case BDP:
                if (!(queueValue > 0) || Double.isInfinite(queueValue)) {
                    throw new IllegalArgumentException("queue: " + formatNumber(queueValue) + "bdp is out of range; accepted: a positive multiple of the BDP");
                }
                if (rateBitsPerSecond > 0) {
                    qBytes = bdpBytes(queueValue);
                    if (qBytes < 1) {
                        throw new IllegalArgumentException("queue: " + formatNumber(queueValue) + "bdp resolves to 0 bytes (rate="
                            + formatRate(rateBitsPerSecond) + ", delay=" + formatDuration(delayNs) + "); give the queue in bytes or packets");
                    }
                }
                break;
            default:
                throw new IllegalStateException(queueKind.name());
        }
        queueBytes = qBytes;
        queuePackets = qPackets;
        lossProbability = checkProbability("loss", b.lossProbability);
        burst = b.burst;
        burstP = burst ? checkProbability("burst p", b.burstP) : 0;
        burstR = burst ? checkProbability("burst r", b.burstR) : 0;
        burstH = burst ? checkProbability("burst h", b.burstH) : 0;
        burstK = burst ? checkProbability("burst k", b.burstK) : 1;
        if (burst && burstR == 0) {
            throw new IllegalArgumentException("burst: r must be > 0 (with r = 0 the link never leaves the bad state; use loss=100% for a dead link)");
        }
        reorderProbability = checkProbability("reorder", b.reorderProbability);
        reorderGapNs = b.reorderGapNs < 0 ? defaultReorderGapNs(delayNs) : checkDuration("reorder gap", b.reorderGapNs);
        duplicateProbability = checkProbability("dup", b.duplicateProbability);
        corruptProbability = checkProbability("corrupt", b.corruptProbability);
        seed = b.seed;
    }

    /** The perfect link: no delay, no rate limit, no loss. */
    public static LinkSpec perfect() {
        return PERFECT;
    }

    /** A builder of a perfect link, to be refined. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder initialised with this spec. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** This spec with another seed. */
    public LinkSpec withSeed(final long newSeed) {
        return newSeed == seed ? this : toBuilder().seed(newSeed).build();
    }

    /**
     * Parses a link spec (see the class comment for the syntax).
     *
     * @throws IllegalArgumentException naming the spec, the key, the value and what is accepted.
     */
    public static LinkSpec parse(final String text) {
        Objects.requireNonNull(text, "text");
        final String trimmed = text.trim();
        if (trimmed.isEmpty() || trimmed.equalsIgnoreCase("none")) {
            return PERFECT;
        }
        try {
            return parseEntries(trimmed);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("link spec '" + text + "': " + e.getMessage(), e);
        }
    }

    private static LinkSpec parseEntries(final String text) {
        final Builder b = builder();
        final Set<String> seen = new HashSet<>();
        final String[] entries = text.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            final String entry = entries[i].trim();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("entry " + (i + 1) + " is empty; expected key=value entries separated by single commas");
            }
            final int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("'" + entry + "' is not key=value; expected for example delay=5ms");
            }
            final String key = entry.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String value = entry.substring(eq + 1).trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("'" + entry + "' has no key; accepted: " + KEYS);
            }
            if (!seen.add(key)) {
                throw new IllegalArgumentException("duplicate key '" + key + "'; each key may appear once");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(key + ": value is empty");
            }
            switch (key) {
                case "delay":
                    b.delayNs(Units.parseDurationNs(key, value));
                    break;
                case "jitter":
                    b.jitterNs(Units.parseDurationNs(key, value));
                    break;
                case "rate":
                    b.rateBitsPerSecond(Units.parseRateBitsPerSecond(key, value));
                    break;
                case "queue":
                    parseQueue(b, value);
                    break;
                case "loss":
                    b.loss(Units.parsePercent(key, value));
                    break;
                case "burst":
                    parseBurst(b, value);
                    break;
                case "reorder":
                    parseReorder(b, value);
                    break;
                case "dup":
                    b.duplicate(Units.parsePercent(key, value));
                    break;
                case "corrupt":
                    b.corrupt(Units.parsePercent(key, value));
                    break;
                case "seed":
                    try {
                        b.seed(Long.parseLong(value));
                    } catch (final NumberFormatException e) {
                        throw new IllegalArgumentException("seed: '" + value + "' is not an integer; accepted: a 64-bit signed integer", e);
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown key '" + key + "'" + suggestion(key) + "; accepted: " + KEYS);
            }
        }
        return b.build();
    }

    private static void parseQueue(final Builder b, final String value) {
        final String lower = value.toLowerCase(Locale.ROOT);
        if (lower.endsWith("bdp")) {
            final double multiple = parsePlainNumber("queue", value, lower.substring(0, lower.length() - 3));
            if (!(multiple > 0)) {
                throw new IllegalArgumentException("queue: '" + value + "' must be a positive multiple of the BDP");
            }
            b.queueBdp(multiple);
        } else if (lower.endsWith("p")) {
            final String digits = lower.substring(0, lower.length() - 1).trim();
            final long packets;
            try {
                packets = Long.parseLong(digits);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("queue: '" + value + "' is not a whole number of packets; accepted: " + QUEUE_ACCEPTED, e);
            }
            if (packets < 1 || packets > MAX_QUEUE_PACKETS) {
                throw new IllegalArgumentException("queue: '" + value + "' is out of range; accepted: 1p to " + MAX_QUEUE_PACKETS + "p");
            }
            b.queuePackets((int) packets);
        } else {
            final long bytes;
            try {
                bytes = Units.parseSizeBytes("queue", value);
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("queue: '" + value + "' is not a queue size; accepted: " + QUEUE_ACCEPTED, e);
            }
            if (bytes < 1) {
                throw new IllegalArgumentException("queue: '" + value + "' must be at least 1 byte");
            }
            b.queueBytes(bytes);
        }
    }

    private static void parseBurst(final Builder b, final String value) {
        final String[] parts = value.split(":", -1);
        final String model = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!model.equals("gilbert") && !model.equals("gemodel")) {
            throw new IllegalArgumentException("burst: '" + value + "' has unknown model '" + parts[0].trim() + "'; accepted: " + BURST_ACCEPTED);
        }
        double p = Double.NaN;
        double r = Double.NaN;
        double h = 0;
        double k = 1;
        final Set<String> seen = new HashSet<>();
        for (int i = 1; i < parts.length; i++) {
            final String part = parts[i].trim();
            final int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("burst: '" + part + "' in '" + value + "' is not name=value; accepted: " + BURST_ACCEPTED);
            }
            final String name = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String v = part.substring(eq + 1).trim();
            if (!seen.add(name)) {
                throw new IllegalArgumentException("burst: duplicate parameter '" + name + "' in '" + value + "'");
            }
            switch (name) {
                case "p":
                    p = parseFractionOrPercent("burst " + name, v);
                    break;
                case "r":
                    r = parseFractionOrPercent("burst " + name, v);
                    break;
                case "h":
                    h = parseFractionOrPercent("burst " + name, v);
                    break;
                case "k":
                    k = parseFractionOrPercent("burst " + name, v);
                    break;
                default:
                    throw new IllegalArgumentException("burst: unknown parameter '" + name + "' in '" + value + "'; accepted: p, r, h, k as in " + BURST_ACCEPTED);
            }
        }
        if (Double.isNaN(p) || Double.isNaN(r)) {
            throw new IllegalArgumentException("burst: '" + value + "' lacks " + (Double.isNaN(p) ? "p" : "r") + "; accepted: " + BURST_ACCEPTED);
        }
        b.gilbertElliott(p, r, h, k);
    }

    private static void parseReorder(final Builder b, final String value) {
        final int colon = value.indexOf(':');
        if (colon < 0) {
            b.reorder(Units.parsePercent("reorder", value));
            return;
        }
        b.reorder(Units.parsePercent("reorder", value.substring(0, colon)));
        b.reorderGapNs(Units.parseDurationNs("reorder gap", value.substring(colon + 1)));
    }

    /** Parses {@code 1%} as 0.01 and {@code 0.01} as 0.01, in [0, 1]. */
    private static double parseFractionOrPercent(final String field, final String text) {
        if (text.endsWith("%")) {
            return Units.parsePercent(field, text);
        }
        final double v = parsePlainNumber(field, text, text);
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(field + ": '" + text + "' is out of range; accepted: a fraction 0 to 1 or a percentage 0% to 100%");
        }
        return v;
    }

    private static double parsePlainNumber(final String field, final String text, final String number) {
        try {
            final double v = Double.parseDouble(number.trim());
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return v;
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(field + ": '" + text + "' is not a number", e);
        }
    }

    private static String suggestion(final String key) {
        return suggestion(key, KEYS);
    }

    /** " (did you mean 'X'?)" for the candidate of {@code keys} (comma-separated) closest to {@code key}, or "". */
    static String suggestion(final String key, final String keys) {
        String best = null;
        int bestDistance = 3;
        for (final String candidate : keys.split(", ")) {
            final int d = editDistance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int editDistance(final String a, final String b) {
        final int[] prev = new int[b.length() + 1];
        final int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            System.arraycopy(cur, 0, prev, 0, cur.length);
        }
        return prev[b.length()];
    }

    private long bdpBytes(final double multiple) {
        // rate [bit/s] × RTT (2 × delay) [ns] / 8e9 → bytes.
        return (long) Math.floor(multiple * rateBitsPerSecond * 2.0 * delayNs / 8e9);
    }

    private static long defaultReorderGapNs(final long delayNs) {
        return Math.max(MIN_DEFAULT_REORDER_GAP_NS, delayNs / 4);
    }

    private static long checkDuration(final String field, final long ns) {
        if (ns < 0 || ns > MAX_DURATION_NS) {
            throw new IllegalArgumentException(field + ": " + ns + " ns is out of range; accepted: 0 to 1 hour");
        }
        return ns;
    }

    /**
     * Validates a probability and canonicalises it to the value its printed percentage parses to,
     * so that {@code parse(toString())} is equal to this spec.
     */
    private static double checkProbability(final String field, final double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(field + ": " + p + " is out of range; accepted: a probability 0 to 1 (0% to 100%)");
        }
        double v = p;
        for (int i = 0; i < 4; i++) {
            final double next = Math.min(1.0, Double.parseDouble(percentDigits(v)) / 100.0);
            if (next == v) {
                break;
            }
            v = next;
        }
        return v;
    }

    private static String percentDigits(final double p) {
        return BigDecimal.valueOf(p).movePointRight(2).stripTrailingZeros().toPlainString();
    }

    private static String formatPercent(final double p) {
        return percentDigits(p) + "%";
    }

    private static String formatNumber(final double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String formatDuration(final long ns) {
        if (ns == 0) {
            return "0ns";
        }
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + "ms";
        }
        if (ns % 1_000L == 0) {
            return ns / 1_000L + "us";
        }
        return ns + "ns";
    }

    static String formatRate(final long bits) {
        final long[] scales = {1_000_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        final String[] names = {"tbit", "gbit", "mbit", "kbit"};
        for (int i = 0; i < scales.length; i++) {
            if (bits % scales[i] == 0) {
                return bits / scales[i] + names[i];
            }
        }
        return bits + "bit";
    }

    private static String formatSize(final long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }

    /** One-way propagation delay in nanoseconds. */
    public long delayNs() {
        return delayNs;
    }

    /** Half-width of the uniform jitter in nanoseconds (0 = none). */
    public long jitterNs() {
        return jitterNs;
    }

    /** Bottleneck rate in bits per second; 0 = unlimited. */
    public long rateBitsPerSecond() {
        return rateBitsPerSecond;
    }

    /** How the queue was given. */
    public QueueKind queueKind() {
        return queueKind;
    }

    /**
     * The resolved byte limit of the tail-drop queue; 0 when there is no rate (so no queue) or
     * when the limit is counted in packets (see {@link #queuePackets()}).
     */
    public long queueBytes() {
        return queueBytes;
    }

    /** The packet limit of the tail-drop queue; 0 unless a rate is set and the queue is given in packets. */
    public int queuePackets() {
        return queuePackets;
    }

    /** Independent (Bernoulli) loss probability. */
    public double lossProbability() {
        return lossProbability;
    }

    /** Whether Gilbert–Elliott burst loss is configured. */
    public boolean hasBurstLoss() {
        return burst;
    }

    /** Gilbert–Elliott P(good → bad). */
    public double burstP() {
        return burstP;
    }

    /** Gilbert–Elliott P(bad → good). */
    public double burstR() {
        return burstR;
    }

    /** Gilbert–Elliott h: 1 − h is the loss probability in the bad state. */
    public double burstH() {
        return burstH;
    }

    /** Gilbert–Elliott k: 1 − k is the loss probability in the good state. */
    public double burstK() {
        return burstK;
    }

    /**
     * Long-run mean loss probability of the loss models combined: 1 − (1 − loss)(1 − ge) where
     * ge = p/(p+r)·(1−h) + r/(p+r)·(1−k).
     */
    public double meanLossProbability() {
        final double ge = burst ? GilbertElliottLoss.meanLossProbability(burstP, burstR, burstH, burstK) : 0;
        return 1 - (1 - lossProbability) * (1 - ge);
    }

    /** Probability that a packet is held back by {@link #reorderGapNs()}. */
    public double reorderProbability() {
        return reorderProbability;
    }

    /** Extra delay of a held-back packet, in nanoseconds. */
    public long reorderGapNs() {
        return reorderGapNs;
    }

    /** Probability that a packet is delivered twice. */
    public double duplicateProbability() {
        return duplicateProbability;
    }

    /** Probability that one bit of a packet is flipped. */
    public double corruptProbability() {
        return corruptProbability;
    }

    /** Seed of the link's random generator. */
    public long seed() {
        return seed;
    }

    /** Whether this link delivers every packet intact and at once (the seed aside). */
    public boolean isPerfect() {
        return delayNs == 0 && jitterNs == 0 && rateBitsPerSecond == 0 && lossProbability == 0 && !burst
            && reorderProbability == 0 && duplicateProbability == 0 && corruptProbability == 0;
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LinkSpec)) {
            return false;
        }
        final LinkSpec s = (LinkSpec) o;
        return delayNs == s.delayNs && jitterNs == s.jitterNs && rateBitsPerSecond == s.rateBitsPerSecond
            && queueKind == s.queueKind && Double.compare(queueValue, s.queueValue) == 0
            && Double.compare(lossProbability, s.lossProbability) == 0 && burst == s.burst
            && Double.compare(burstP, s.burstP) == 0 && Double.compare(burstR, s.burstR) == 0
            && Double.compare(burstH, s.burstH) == 0 && Double.compare(burstK, s.burstK) == 0
            && Double.compare(reorderProbability, s.reorderProbability) == 0 && reorderGapNs == s.reorderGapNs
            && Double.compare(duplicateProbability, s.duplicateProbability) == 0
            && Double.compare(corruptProbability, s.corruptProbability) == 0 && seed == s.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(delayNs, jitterNs, rateBitsPerSecond, queueKind, queueValue, lossProbability, burst, burstP, burstR,
            burstH, burstK, reorderProbability, reorderGapNs, duplicateProbability, corruptProbability, seed);
    }

    /** The canonical spec: keys in the order of {@link #KEYS}, defaults omitted; {@code none} for a perfect link. */
    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder();
        if (delayNs != 0) {
            append(sb, "delay", formatDuration(delayNs));
        }
        if (jitterNs != 0) {
            append(sb, "jitter", formatDuration(jitterNs));
        }
        if (rateBitsPerSecond != 0) {
            append(sb, "rate", formatRate(rateBitsPerSecond));
        }
        switch (queueKind) {
            case BYTES:
                append(sb, "queue", formatSize((long) queueValue));
                break;
            case PACKETS:
                append(sb, "queue", (long) queueValue + "p");
                break;
            case BDP:
                append(sb, "queue", formatNumber(queueValue) + "bdp");
                break;
            default:
                break;
        }
        if (lossProbability != 0) {
            append(sb, "loss", formatPercent(lossProbability));
        }
        if (burst) {
            final StringBuilder g = new StringBuilder("gilbert:p=").append(formatPercent(burstP)).append(":r=").append(formatPercent(burstR));
            if (burstH != 0) {
                g.append(":h=").append(formatPercent(burstH));
            }
            if (burstK != 1) {
                g.append(":k=").append(formatPercent(burstK));
            }
            append(sb, "burst", g.toString());
        }
        if (reorderProbability != 0 || reorderGapNs != defaultReorderGapNs(delayNs)) {
            append(sb, "reorder", formatPercent(reorderProbability)
                + (reorderGapNs != defaultReorderGapNs(delayNs) ? ":" + formatDuration(reorderGapNs) : ""));
        }
        if (duplicateProbability != 0) {
            append(sb, "dup", formatPercent(duplicateProbability));
        }
        if (corruptProbability != 0) {
            append(sb, "corrupt", formatPercent(corruptProbability));
        }
        if (seed != DEFAULT_SEED) {
            append(sb, "seed", Long.toString(seed));
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static void append(final StringBuilder sb, final String key, final String value) {
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(key).append('=').append(value);
    }

    /**
     * Builds a {@link LinkSpec} without a string. Starts as a perfect link; {@link #build()}
     * validates and throws {@link IllegalArgumentException} naming the field and the accepted range.
     */
    public static final class Builder {
        private long delayNs;
        private long jitterNs;
        private long rateBitsPerSecond;
        private QueueKind queueKind = QueueKind.DEFAULT;
        private double queueValue;
        private double lossProbability;
        private boolean burst;
        private double burstP;
        private double burstR;
        private double burstH;
        private double burstK = 1;
        private double reorderProbability;
        private long reorderGapNs = -1;
        private double duplicateProbability;
        private double corruptProbability;
        private long seed = DEFAULT_SEED;

        private Builder() {
        }

        private Builder(final LinkSpec s) {
            delayNs = s.delayNs;
            jitterNs = s.jitterNs;
            rateBitsPerSecond = s.rateBitsPerSecond;
            queueKind = s.queueKind;
            queueValue = s.queueValue;
            lossProbability = s.lossProbability;
            burst = s.burst;
            burstP = s.burstP;
            burstR = s.burstR;
            burstH = s.burstH;
            burstK = s.burstK;
            reorderProbability = s.reorderProbability;
            reorderGapNs = s.reorderGapNs == defaultReorderGapNs(s.delayNs) ? -1 : s.reorderGapNs;
            duplicateProbability = s.duplicateProbability;
            corruptProbability = s.corruptProbability;
            seed = s.seed;
        }

        /** One-way propagation delay. */
        public Builder delayNs(final long ns) {
            delayNs = ns;
            return this;
        }

        /** One-way propagation delay. */
        public Builder delay(final Duration delay) {
            return delayNs(delay.toNanos());
        }

        /** Half-width of the uniform jitter. */
        public Builder jitterNs(final long ns) {
            jitterNs = ns;
            return this;
        }

        /** Half-width of the uniform jitter. */
        public Builder jitter(final Duration jitter) {
            return jitterNs(jitter.toNanos());
        }

        /** Bottleneck rate in bits per second; 0 = unlimited. */
        public Builder rateBitsPerSecond(final long bitsPerSecond) {
            rateBitsPerSecond = bitsPerSecond;
            return this;
        }

        /** Tail-drop queue limit in bytes. */
        public Builder queueBytes(final long bytes) {
            queueKind = QueueKind.BYTES;
            queueValue = bytes;
            return this;
        }

        /** Tail-drop queue limit in packets. */
        public Builder queuePackets(final int packets) {
            queueKind = QueueKind.PACKETS;
            queueValue = packets;
            return this;
        }

        /** Tail-drop queue limit as a multiple of the BDP (rate × 2 × delay). */
        public Builder queueBdp(final double multiple) {
            queueKind = QueueKind.BDP;
            queueValue = multiple;
            return this;
        }

        /** Back to the default queue: 2 BDP but at least 64 KiB. */
        public Builder defaultQueue() {
            queueKind = QueueKind.DEFAULT;
            queueValue = 0;
            return this;
        }

        /** Independent loss probability in [0, 1]. */
        public Builder loss(final double probability) {
            lossProbability = probability;
            return this;
        }

        /**
         * Gilbert–Elliott loss with netem's gemodel parameters, each in [0, 1].
         *
         * @param p P(good → bad).
         * @param r P(bad → good), &gt; 0.
         * @param h 1 − h is the loss probability in the bad state (0 = all lost).
         * @param k 1 − k is the loss probability in the good state (1 = none lost).
         */
        public Builder gilbertElliott(final double p, final double r, final double h, final double k) {
            burst = true;
            burstP = p;
            burstR = r;
            burstH = h;
            burstK = k;
            return this;
        }

        /** Gilbert–Elliott loss with h = 0 (all lost in bad) and k = 1 (none lost in good). */
        public Builder gilbertElliott(final double p, final double r) {
            return gilbertElliott(p, r, 0, 1);
        }

        /** Removes Gilbert–Elliott loss. */
        public Builder noBurstLoss() {
            burst = false;
            burstP = 0;
            burstR = 0;
            burstH = 0;
            burstK = 1;
            return this;
        }

        /** Probability in [0, 1] that a packet is held back so later packets overtake it. */
        public Builder reorder(final double probability) {
            reorderProbability = probability;
            return this;
        }

        /** Extra delay of held-back packets; negative = default, max(1 ms, delay / 4). */
        public Builder reorderGapNs(final long ns) {
            reorderGapNs = ns;
            return this;
        }

        /** Duplication probability in [0, 1]. */
        public Builder duplicate(final double probability) {
            duplicateProbability = probability;
            return this;
        }

        /** Single-bit corruption probability in [0, 1]. */
        public Builder corrupt(final double probability) {
            corruptProbability = probability;
            return this;
        }

        /** Seed of the link's random generator. */
        public Builder seed(final long value) {
            seed = value;
            return this;
        }

        /** Validates and builds. */
        public LinkSpec build() {
            return new LinkSpec(this);
        }
    }
}
