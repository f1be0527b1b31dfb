package io.longhaul.transport.sim;

import io.longhaul.transport.util.Units;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How rough the host under a simulated node is. The simulator's clock is perfect and its CPU
 * infinite; a shared VM's are not: its timers fire late, it stalls for milliseconds now and then,
 * every datagram costs CPU time, and a cold JVM runs several times slower until the JIT has
 * compiled the hot paths. A {@code MachineModel} puts those effects, seeded, into
 * {@link SimNetwork}, so protocol tests can check that the transport holds its rate on such a
 * machine, deterministically.
 *
 * <ul>
 * <li><b>wake</b>: latency between the moment a sleeping node should wake (its timer's deadline,
 * or a datagram's arrival) and the moment it runs: none, constant, exponential (mean given) or
 * Pareto (heavy-tailed, shape {@value #PARETO_SHAPE}, mean given, capped at
 * {@value #MAX_WAKE_LATENCY_MS} ms). Datagrams that arrive meanwhile are handled in the same
 * wake-up, as a real driver reads a batch.</li>
 * <li><b>stall</b>: the node is frozen for a duration drawn uniformly from {@code [min, max]}, at
 * exponentially distributed intervals with the given mean (garbage collection, the hypervisor
 * taking the CPU away); datagrams arriving meanwhile wait.</li>
 * <li><b>cost</b>: CPU time per datagram received and per datagram sent; a node busy with one
 * datagram handles the next one later, and the datagrams of one poll leave one cost apart.</li>
 * <li><b>cold</b>: for the first {@code coldNs} of the node's life every cost is multiplied by
 * {@code coldFactor}.</li>
 * </ul>
 *
 * <p>Immutable; {@link #IDEAL} (the default of every node) changes nothing, so exact tests stay
 * exact. The text form, for {@link #parse}, is a comma-separated list such as
 * {@code wake=exp:100us,stall=2ms-8ms@300ms,cost=1us,cold=500ms*8,seed=7}.
 */
public final class MachineModel {
    /** Shape of the Pareto wake-up latency: heavy-tailed (infinite variance) but with a finite mean. */
    public static final double PARETO_SHAPE = 1.5;
    /** Cap on one drawn wake-up latency. */
    public static final long MAX_WAKE_LATENCY_MS = 10;
    /** Keys accepted by {@link #parse}. */
    public static final String KEYS = "wake, stall, cost, cold, seed";

    /** Distribution of the wake-up latency. */
    public enum Wake { NONE, CONSTANT, EXPONENTIAL, PARETO }

    /** A machine with a perfect clock and an infinitely fast CPU. */
    public static final MachineModel IDEAL = new MachineModel(Wake.NONE, 0, 0, 0, 0, 0, 0, 1, 1);

    private final Wake wake;
    private final long wakeNs;
    private final long stallIntervalNs;
    private final long stallMinNs;
    private final long stallMaxNs;
    private final long packetCostNs;
    private final long coldNs;
    private final double coldFactor;
    private final long seed;

    private MachineModel(final Wake wake, final long wakeNs, final long stallIntervalNs, final long stallMinNs,
                         final long stallMaxNs, final long packetCostNs, final long coldNs, final double coldFactor,
                         final long seed) {
        if (wake == null) {
            throw new IllegalArgumentException("wake: a distribution is required; accepted: none, const, exp, pareto");
        }
        check("wake", wakeNs, 0, MAX_WAKE_LATENCY_MS * 1_000_000L);
        check("stall interval", stallIntervalNs, 0, 3_600_000_000_000L);
        check("stall duration", stallMinNs, 0, 10_000_000_000L);
        check("stall duration", stallMaxNs, stallMinNs, 10_000_000_000L);
        check("cost", packetCostNs, 0, 100_000_000L);
        check("cold", coldNs, 0, 3_600_000_000_000L);
        if (!(coldFactor >= 1 && coldFactor <= 1000)) {
            throw new IllegalArgumentException("cold: factor " + coldFactor + " is out of range; accepted: 1 to 1000");
        }
        if (stallIntervalNs > 0 && stallMaxNs == 0) {
            throw new IllegalArgumentException("stall: a stall needs a duration above 0, e.g. stall=2ms-8ms@300ms");
        }
        this.wake = wakeNs == 0 ? Wake.NONE : wake;
        this.wakeNs = this.wake == Wake.NONE ? 0 : wakeNs;
        this.stallIntervalNs = stallIntervalNs;
        this.stallMinNs = stallMinNs;
        this.stallMaxNs = stallMaxNs;
        this.packetCostNs = packetCostNs;
        this.coldNs = coldNs;
        this.coldFactor = coldFactor;
        this.seed = seed;
    }

    private static void check(final String field, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + Units.formatDuration(value) + " is out of range; accepted: "
                + Units.formatDuration(min) + " to " + Units.formatDuration(max));
        }
    }

    /** @return a copy whose wake-up latency follows {@code distribution} with the given constant or mean. */
    public MachineModel wake(final Wake distribution, final long meanNs) {
        return new MachineModel(distribution, meanNs, stallIntervalNs, stallMinNs, stallMaxNs, packetCostNs, coldNs, coldFactor, seed);
    }

    /** @return a copy that stalls for {@code [minNs, maxNs]} every {@code meanIntervalNs} on average (0: never). */
    public MachineModel stalls(final long meanIntervalNs, final long minNs, final long maxNs) {
        return new MachineModel(wake, wakeNs, meanIntervalNs, minNs, maxNs, packetCostNs, coldNs, coldFactor, seed);
    }

    /** @return a copy where each datagram received or sent costs {@code ns} of CPU time. */
    public MachineModel packetCost(final long ns) {
        return new MachineModel(wake, wakeNs, stallIntervalNs, stallMinNs, stallMaxNs, ns, coldNs, coldFactor, seed);
    }

    /** @return a copy whose first {@code durationNs} run {@code factor} times slower (a cold JVM). */
    public MachineModel coldStart(final long durationNs, final double factor) {
        return new MachineModel(wake, wakeNs, stallIntervalNs, stallMinNs, stallMaxNs, packetCostNs, durationNs, factor, seed);
    }

    /** @return a copy with another random seed. */
    public MachineModel withSeed(final long value) {
        return new MachineModel(wake, wakeNs, stallIntervalNs, stallMinNs, stallMaxNs, packetCostNs, coldNs, coldFactor, value);
    }

    public Wake wake() {
        return wake;
    }

    /** @return the constant or mean wake-up latency. */
    public long wakeNs() {
        return wakeNs;
    }

    public long stallIntervalNs() {
        return stallIntervalNs;
    }

    public long packetCostNs() {
        return packetCostNs;
    }

    public long coldNs() {
        return coldNs;
    }

    public double coldFactor() {
        return coldFactor;
    }

    public long seed() {
        return seed;
    }

    /** @return whether this model changes nothing. */
    public boolean isIdeal() {
        return wake == Wake.NONE && stallIntervalNs == 0 && packetCostNs == 0;
    }

    /**
     * Parses the text form, e.g. {@code wake=pareto:200us,stall=2ms-8ms@300ms,cost=1500ns,cold=400ms*6}.
     * An empty text is {@link #IDEAL}.
     *
     * @throws IllegalArgumentException naming the key and the accepted values.
     */
    public static MachineModel parse(final String text) {
        MachineModel m = IDEAL;
        if (text == null || text.isBlank()) {
            return m;
        }
        for (final String part : text.split(",")) {
            final String item = part.trim();
            final int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("machine: '" + item + "' is not key=value; accepted keys: " + KEYS);
            }
            final String key = item.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            final String value = item.substring(eq + 1).trim();
            switch (key) {
                case "wake": {
                    final int colon = value.indexOf(':');
                    final String kind = colon < 0 ? value : value.substring(0, colon);
                    if (kind.equalsIgnoreCase("none")) {
                        m = m.wake(Wake.NONE, 0);
                        break;
                    }
                    if (colon < 0) {
                        throw new IllegalArgumentException("wake: '" + value + "' needs a latency, e.g. wake=exp:100us; accepted: none, const:T, exp:T, pareto:T");
                    }
                    final long ns = Units.parseDurationNs("wake", value.substring(colon + 1));
                    switch (kind.toLowerCase(Locale.ROOT)) {
                        case "const":
                        case "constant":
                            m = m.wake(Wake.CONSTANT, ns);
                            break;
                        case "exp":
                        case "exponential":
                            m = m.wake(Wake.EXPONENTIAL, ns);
                            break;
                        case "pareto":
                            m = m.wake(Wake.PARETO, ns);
                            break;
                        default:
                            throw new IllegalArgumentException("wake: '" + kind + "' is not a distribution; accepted: none, const, exp, pareto");
                    }
                    break;
                }
                case "stall": {
                    final int at = value.indexOf('@');
                    if (at < 0) {
                        throw new IllegalArgumentException("stall: '" + value + "' needs an interval, e.g. stall=2ms-8ms@300ms");
                    }
                    final String range = value.substring(0, at);
                    final int dash = range.indexOf('-');
                    final long min = Units.parseDurationNs("stall", dash < 0 ? range : range.substring(0, dash));
                    final long max = dash < 0 ? min : Units.parseDurationNs("stall", range.substring(dash + 1));
                    m = m.stalls(Units.parseDurationNs("stall", value.substring(at + 1)), min, max);
                    break;
                }
                case "cost":
                    m = m.packetCost(Units.parseDurationNs("cost", value));
                    break;
                case "cold": {
                    final int star = value.indexOf('*');
                    if (star < 0) {
                        throw new IllegalArgumentException("cold: '" + value + "' needs a factor, e.g. cold=500ms*8");
                    }
                    final double factor;
                    try {
                        factor = Double.parseDouble(value.substring(star + 1).trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("cold: factor '" + value.substring(star + 1) + "' is not a number; accepted: 1 to 1000");
                    }
                    m = m.coldStart(Units.parseDurationNs("cold", value.substring(0, star)), factor);
                    break;
                }
                case "seed":
                    try {
                        m = m.withSeed(Long.parseLong(value));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("seed: '" + value + "' is not an integer");
                    }
                    break;
                default:
                    throw new IllegalArgumentException("machine: unknown key '" + key + "'; accepted keys: " + KEYS);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        if (isIdeal()) {
            return "ideal";
        }
        final StringBuilder b = new StringBuilder();
        if (wake != Wake.NONE) {
            b.append("wake=").append(wake == Wake.CONSTANT ? "const" : wake == Wake.EXPONENTIAL ? "exp" : "pareto")
                .append(':').append(text(wakeNs));
        }
        if (stallIntervalNs > 0) {
            b.append(b.length() > 0 ? "," : "").append("stall=").append(text(stallMinNs)).append('-')
                .append(text(stallMaxNs)).append('@').append(text(stallIntervalNs));
        }
        if (packetCostNs > 0) {
            b.append(b.length() > 0 ? "," : "").append("cost=").append(text(packetCostNs));
        }
        if (coldNs > 0 && coldFactor > 1) {
            b.append(b.length() > 0 ? "," : "").append("cold=").append(text(coldNs)).append('*')
                .append(coldFactor);
        }
        return b.append(",seed=").append(seed).toString();
    }

    /** A duration in the form {@link #parse} reads back exactly. */
    private static String text(final long ns) {
        if (ns % 1_000_000 == 0) {
            return ns / 1_000_000 + "ms";
        }
        return ns % 1_000 == 0 ? ns / 1_000 + "us" : ns + "ns";
    }

    /**
     * The mutable per-node state of a model: its random source, when the node is busy until, and
     * the next stall. Owned by the simulator.
     */
    final class State {
        private final SplittableRandom random;
        private final long bornNs;
        private long busyUntilNs;
        private long nextStallNs;

        State(final long bornNs, final long nodeSeed) {
            this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + nodeSeed);
            this.bornNs = bornNs;
            this.busyUntilNs = bornNs;
            this.nextStallNs = stallIntervalNs > 0 ? bornNs + exponential(stallIntervalNs) : Long.MAX_VALUE;
        }

        MachineModel model() {
            return MachineModel.this;
        }

        long busyUntilNs() {
            return busyUntilNs;
        }

        /**
         * When an event due at {@code nowNs} can run: now if the node is awake and free, later if it is
         * busy, stalled, or asleep and must first wake ({@code woken}: the wake-up latency was paid).
         */
        long readyAtNs(final long nowNs, final boolean woken) {
            long ready = Math.max(nowNs, busyUntilNs);
            while (nextStallNs - ready <= 0) {
                final long duration = stallMinNs + (stallMaxNs > stallMinNs ? random.nextLong(stallMaxNs - stallMinNs + 1) : 0);
                final long end = nextStallNs + duration;
                if (end - ready > 0) {
                    ready = end;
                }
                nextStallNs = end + exponential(stallIntervalNs);
            }
            if (!woken && busyUntilNs - nowNs < 0 && wake != Wake.NONE) {
                ready += wakeLatencyNs();
            }
            busyUntilNs = Math.max(busyUntilNs, ready);
            return ready;
        }

        /** Charges one datagram's CPU cost at {@code atNs}; @return when the CPU is free again. */
        long charge(final long atNs) {
            final long start = Math.max(atNs, busyUntilNs);
            if (packetCostNs == 0) {
                return start;
            }
            final long cost = start - bornNs < coldNs ? (long) (packetCostNs * coldFactor) : packetCostNs;
            busyUntilNs = start + cost;
            return busyUntilNs;
        }

        private long wakeLatencyNs() {
            switch (wake) {
                case CONSTANT:
                    return wakeNs;
                case EXPONENTIAL:
                    return Math.min(exponential(wakeNs), MAX_WAKE_LATENCY_MS * 1_000_000L);
                case PARETO: {
                    final double scale = wakeNs * (PARETO_SHAPE - 1) / PARETO_SHAPE;
                    final double u = 1.0 - random.nextDouble();
                    return (long) Math.min(scale / Math.pow(u, 1.0 / PARETO_SHAPE), MAX_WAKE_LATENCY_MS * 1e6);
                }
                default:
                    return 0;
            }
        }

        private long exponential(final long mean) {
            return (long) (-mean * Math.log(1.0 - random.nextDouble()));
        }
    }
}
