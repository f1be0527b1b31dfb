package io.longhaul.harness.model;

import java.util.SplittableRandom;

/**
 * A seeded synthetic classification task with a known answer: inputs are standard normal vectors
 * of {@code inputs} dimensions, and the label of x is the arg-max of a fixed random teacher
 * network, {@code classes} logits of tanh(T1·x)·T2 with {@value #TEACHER_HIDDEN} hidden units. No
 * file, no download: the same seed gives the same teacher and the same samples on every host.
 * Each rank draws its own mini-batches (a stream seeded by seed, rank and step), and the
 * evaluation set is a fixed sample of its own.
 */
public final class TeacherTask {
    /** Hidden units of the teacher. */
    public static final int TEACHER_HIDDEN = 32;
    /** Gain of the teacher's weights (larger: sharper class boundaries). */
    private static final double GAIN = 2.0;

    private final int inputs;
    private final int classes;
    private final long seed;
    private final float[] t1;
    private final float[] t2;

    public TeacherTask(final int inputs, final int classes, final long seed) {
        if (inputs < 1 || classes < 2) {
            throw new IllegalArgumentException("inputs " + inputs + " / classes " + classes + " out of range; accepted: >= 1 / >= 2");
        }
        this.inputs = inputs;
        this.classes = classes;
        this.seed = seed;
        final SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
        t1 = new float[TEACHER_HIDDEN * inputs];
        t2 = new float[classes * TEACHER_HIDDEN];
        for (int i = 0; i < t1.length; i++) {
            t1[i] = (float) (gaussian(rnd) * GAIN / Math.sqrt(inputs));
        }
        for (int i = 0; i < t2.length; i++) {
            t2[i] = (float) (gaussian(rnd) * GAIN / Math.sqrt(TEACHER_HIDDEN));
        }
    }

    static double gaussian(final SplittableRandom rnd) {
        // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
        final double u = 1.0 - rnd.nextDouble();
        final double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    public int inputs() {
        return inputs;
    }

    public int classes() {
        return classes;
    }

    /** Fills {@code x} (rows × inputs) with fresh samples from {@code rnd} and {@code labels} with the teacher's classes. */
    public void sample(final SplittableRandom rnd, final float[] x, final int[] labels, final int rows) {
        final double[] h = new double[TEACHER_HIDDEN];
        for (int r = 0; r < rows; r++) {
            final int xo = r * inputs;
            for (int i = 0; i < inputs; i++) {
                x[xo + i] = (float) gaussian(rnd);
            }
            for (int j = 0; j < TEACHER_HIDDEN; j++) {
                double s = 0;
                for (int i = 0; i < inputs; i++) {
                    s += t1[j * inputs + i] * x[xo + i];
                }
                h[j] = Math.tanh(s);
            }
            int best = 0;
            double bestLogit = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double s = 0;
                for (int j = 0; j < TEACHER_HIDDEN; j++) {
                    s += t2[c * TEACHER_HIDDEN + j] * h[j];
                }
                if (s > bestLogit) {
                    bestLogit = s;
                    best = c;
                }
            }
            labels[r] = best;
        }
    }

    /** @return the stream of rank {@code rank}'s mini-batch at {@code step}. */
    public SplittableRandom batchStream(final int rank, final int step) {
        return new SplittableRandom(seed * 1_000_003L + rank * 7_919L + step * 104_729L + 1);
    }

    /** @return the stream of the evaluation set. */
    public SplittableRandom evalStream() {
        return new SplittableRandom(seed * 31L + 0x5EED);
    }
}
