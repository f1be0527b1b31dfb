package io.longhaul.harness.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the {@link TrainingLoop} synchronizes ranks ({@code train --schedule NAME}).
 *
 * <ul>
 *   <li>{@link Kind#DDP}: synchronous data parallelism as PyTorch DDP runs it: every step's
 *       gradient all-reduced across all ranks, bucket by bucket, overlapping backward.</li>
 *   <li>{@link Kind#LOCALSGD} and {@link Kind#DILOCO}: local SGD (Stich 2019; Lin et al. 2020) and
 *       DiLoCo (Douillard et al. 2023, arXiv:2311.08105): every step's gradient all-reduced only
 *       inside each DC (bucketed and overlapped as in ddp); every {@code innerSteps} (H) steps an
 *       outer all-reduce across all ranks of the pseudo-gradient (the model's change since the
 *       last outer step, as many elements as the gradient), which the next step waits for. They
 *       differ only in the outer optimizer (plain averaging of the models vs an outer Nesterov
 *       step on the averaged pseudo-gradient), which the timing model does not see: they share
 *       the code and give the same times and bytes.</li>
 *   <li>{@link Kind#STREAMING_DILOCO}: Streaming DiLoCo (Douillard et al. 2025,
 *       arXiv:2501.18512): the model in {@code fragments} (F) contiguous slices; fragment f's
 *       outer all-reduce starts at the end of step s when (s + 1 - f·⌊H/F⌋) mod H = 0 and only
 *       the end of step s + {@code overlapSteps} (T) waits for it (T = 0: step s itself).</li>
 *   <li>{@link Kind#ASYNC1}: one-step-delayed gradients: the all-reduce (all ranks, bucketed) of
 *       step t's gradient overlaps step t+1's compute; step t+1's optimizer waits for step t's
 *       all-reduce, not its own (two gradient buffers alternate).</li>
 * </ul>
 *
 * <p>Defaults: H = {@link #DEFAULT_INNER_STEPS} (DiLoCo runs H = 500 on real models; 8 keeps a
 * testbed run of a few dozen steps showing several outer steps, and the DCI bytes per step scale
 * as 1/H, so they extrapolate), F = {@link #DEFAULT_FRAGMENTS}, T = {@link #DEFAULT_OVERLAP_STEPS},
 * outer type float for every schedule (the DiLoCo papers' baseline; {@code int8} is INTELLECT-1's
 * choice and {@code int4} Streaming DiLoCo's, both opt-in).
 *
 * @param innerSteps   H: steps between outer syncs (localsgd, diloco, streaming-diloco).
 * @param outerDtype   what the outer all-reduce carries.
 * @param fragments    F: streaming-diloco's fragments (1 to H; not checked for other schedules, which ignore it).
 * @param overlapSteps T: streaming-diloco's inner steps overlapping an outer sync (0 to H-1; not checked for other schedules).
 */
public record TrainSchedule(Kind kind, int innerSteps, OuterDtype outerDtype, int fragments, int overlapSteps) {
    /** Default H. */
    public static final int DEFAULT_INNER_STEPS = 8;
    /** Default F. */
    public static final int DEFAULT_FRAGMENTS = 4;
    /** Default T. */
    public static final int DEFAULT_OVERLAP_STEPS = 1;
    /** Largest H. */
    public static final int MAX_INNER_STEPS = 10_000;

    /** The schedules, by their {@code --schedule} names. */
    public enum Kind {
        DDP("ddp"), LOCALSGD("localsgd"), DILOCO("diloco"), STREAMING_DILOCO("streaming-diloco"), ASYNC1("async1");

        private final String flagName;

        Kind(final String flagName) {
            this.flagName = flagName;
        }

        public String flagName() {
            return flagName;
        }

        /** @return whether the schedule all-reduces gradients inside each DC and has outer syncs. */
        public boolean hasOuterSteps() {
            return this == LOCALSGD || this == DILOCO || this == STREAMING_DILOCO;
        }

        public static Kind parse(final String name) {
            final String n = name.trim().toLowerCase(Locale.ROOT);
            for (final Kind k : values()) {
                if (k.flagName.equals(n)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("--schedule " + name + " is unknown; accepted: " + names());
        }

        static String names() {
            return Arrays.stream(values()).map(Kind::flagName).collect(Collectors.joining(", "));
        }
    }

    /**
     * What the outer all-reduce carries. {@code bfloat16} all-reduces bfloat16 values (each rank
     * rounds its float pseudo-gradient to nearest even); {@code int8} and {@code int4} are a real
     * quantized exchange ({@link PseudoGradientCodec}): each rank quantizes its pseudo-gradient
     * blockwise, an all-gather across all ranks exchanges codes and scales, and every rank
     * dequantizes all contributions and averages them.
     */
    public enum OuterDtype {
        /** float32 values, all-reduced (average). */
        FLOAT("float", 32),
        /** bfloat16 values (rounded to nearest even from the float pseudo-gradient), all-reduced (average, reduced in float). */
        BFLOAT16("bfloat16", 16),
        /**
         * 8-bit blockwise codes + float32 scales, all-gathered, decoded and averaged: INTELLECT-1's outer all-reduce
         * (Jaghouar et al. 2024, arXiv:2412.01152, DiLoCo at scale with an int8 pseudo-gradient all-reduce).
         */
        INT8("int8", 8),
        /** 4-bit blockwise codes + float32 scales, as int8 (Streaming DiLoCo's 4-bit outer gradients). */
        INT4("int4", 4);

        private final String flagName;
        private final int bits;

        OuterDtype(final String flagName, final int bits) {
            this.flagName = flagName;
            this.bits = bits;
        }

        public String flagName() {
            return flagName;
        }

        /** @return bits per element of the values (scales excluded). */
        public int bits() {
            return bits;
        }

        public static OuterDtype parse(final String name) {
            final String n = name.trim().toLowerCase(Locale.ROOT);
            switch (n) {
                case "float": case "float32": case "fp32":
                    return FLOAT;
                case "bfloat16": case "bf16":
                    return BFLOAT16;
                case "int8":
                    return INT8;
                case "int4":
                    return INT4;
                default:
                    throw new IllegalArgumentException("--outer-dtype " + name + " is unknown; accepted: float, bfloat16, int8, int4");
            }
        }
    }

    public TrainSchedule {
        if (kind == null) {
            throw new IllegalArgumentException("--schedule is missing; accepted: " + Kind.names());
        }
        if (outerDtype == null) {
            throw new IllegalArgumentException("--outer-dtype is missing; accepted: float, bfloat16, int8, int4");
        }
        if (innerSteps < 1 || innerSteps > MAX_INNER_STEPS) {
            throw new IllegalArgumentException("--inner-steps " + innerSteps + " is out of range; accepted: 1 to " + MAX_INNER_STEPS);
        }
        // F and T matter to streaming-diloco only; other schedules carry them unchecked (--inner-steps 2 is fine for localsgd).
        if (kind == Kind.STREAMING_DILOCO && (fragments < 1 || fragments > innerSteps)) {
            throw new IllegalArgumentException("--fragments " + fragments + " is out of range; accepted: 1 to --inner-steps (" + innerSteps + ")");
        }
        if (kind == Kind.STREAMING_DILOCO && (overlapSteps < 0 || overlapSteps >= innerSteps)) {
            throw new IllegalArgumentException("--overlap-steps " + overlapSteps + " is out of range; accepted: 0 to --inner-steps - 1 ("
                + (innerSteps - 1) + ")");
        }
    }

    /**
     * Parses a schedule spec as sweeps take it: a name, then {@code :key=value} parameters
     * ({@code H}, {@code outer}, {@code F}, {@code T}), e.g. {@code diloco:H=16:outer=int8} or
     * {@code streaming-diloco:F=2:T=1}; what is not given is the default. Parameters a schedule
     * ignores are refused, as {@code train} refuses their flags.
     */
    public static TrainSchedule parse(final String spec) {
        final String[] parts = spec.trim().split(":");
        final Kind kind = Kind.parse(parts[0]);
        TrainSchedule s = of(kind);
        for (int i = 1; i < parts.length; i++) {
            final String[] kv = parts[i].split("=", 2);
            if (kv.length != 2 || kv[1].isBlank()) {
                throw new IllegalArgumentException("schedule '" + spec + "': '" + parts[i] + "' is not key=value; accepted keys: H, outer, F, T");
            }
            final String key = kv[0].trim();
            final boolean outerKey = key.equals("H") || key.equals("outer");
            final boolean streamingKey = key.equals("F") || key.equals("T");
            if (!outerKey && !streamingKey) {
                throw new IllegalArgumentException("schedule '" + spec + "': unknown key '" + key + "'; accepted: H, outer, F, T");
            }
            if (outerKey && !kind.hasOuterSteps() || streamingKey && kind != Kind.STREAMING_DILOCO) {
                throw new IllegalArgumentException("schedule '" + spec + "': " + kind.flagName() + " takes no " + key);
            }
            final String v = kv[1].trim();
            try {
                s = switch (key) {
                    case "H" -> s.withInnerSteps(Integer.parseInt(v));
                    case "outer" -> s.withOuterDtype(OuterDtype.parse(v));
                    case "F" -> s.withFragments(Integer.parseInt(v));
                    default -> s.withOverlapSteps(Integer.parseInt(v));
                };
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("schedule '" + spec + "': " + key + "=" + v + " is not a whole number");
            }
        }
        return s;
    }

    /** @return the spec {@link #parse} reads back: the name and every parameter the schedule uses, e.g. {@code diloco:H=8:outer=float}. */
    public String spec() {
        switch (kind) {
            case LOCALSGD:
            case DILOCO:
                return kind.flagName + ":H=" + innerSteps + ":outer=" + outerDtype.flagName;
            case STREAMING_DILOCO:
                return kind.flagName + ":H=" + innerSteps + ":outer=" + outerDtype.flagName + ":F=" + fragments + ":T=" + overlapSteps;
            default:
                return kind.flagName;
        }
    }

    /** Synchronous DDP, today's behaviour. */
    public static TrainSchedule ddp() {
        return of(Kind.DDP);
    }

    /** {@code kind} with the default H, F, T and outer type. */
    public static TrainSchedule of(final Kind kind) {
        return new TrainSchedule(kind, DEFAULT_INNER_STEPS, OuterDtype.FLOAT, DEFAULT_FRAGMENTS, DEFAULT_OVERLAP_STEPS);
    }

    public TrainSchedule withInnerSteps(final int h) {
        return new TrainSchedule(kind, h, outerDtype, fragments, overlapSteps);
    }

    public TrainSchedule withOuterDtype(final OuterDtype t) {
        return new TrainSchedule(kind, innerSteps, t, fragments, overlapSteps);
    }

    public TrainSchedule withFragments(final int f) {
        return new TrainSchedule(kind, innerSteps, outerDtype, f, overlapSteps);
    }

    public TrainSchedule withOverlapSteps(final int t) {
        return new TrainSchedule(kind, innerSteps, outerDtype, fragments, t);
    }

    /** @return fragment f's offset in steps: f·⌊H/F⌋ (streaming-diloco). */
    public int fragmentOffset(final int f) {
        return f * (innerSteps / fragments);
    }

    /**
     * @return whether an outer sync of fragment {@code f} (0 for localsgd and diloco, which sync the
     * whole model) starts at the end of step {@code s} (0-based, warm-up included).
     */
    public boolean syncsAfter(final int s, final int f) {
        if (!kind.hasOuterSteps()) {
            return false;
        }
        final int offset = kind == Kind.STREAMING_DILOCO ? fragmentOffset(f) : 0;
        return Math.floorMod(s + 1 - offset, innerSteps) == 0;
    }

    /** @return outer syncs' fragments: F for streaming-diloco, 1 for localsgd and diloco, 0 otherwise. */
    public int syncFragments() {
        return kind == Kind.STREAMING_DILOCO ? fragments : kind.hasOuterSteps() ? 1 : 0;
    }

    @Override
    public String toString() {
        switch (kind) {
            case LOCALSGD:
            case DILOCO:
                return kind.flagName + " (H=" + innerSteps + ", outer " + outerDtype.flagName + ")";
            case STREAMING_DILOCO:
                return kind.flagName + " (H=" + innerSteps + ", F=" + fragments + ", T=" + overlapSteps + ", outer " + outerDtype.flagName + ")";
            default:
                return kind.flagName;
        }
    }
}
