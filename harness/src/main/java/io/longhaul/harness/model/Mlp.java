package io.longhaul.harness.model;

import java.util.SplittableRandom;

/**
 * A two-layer perceptron for classification, in plain Java: logits = W2·relu(W1·x + b1) + b2,
 * softmax cross-entropy loss. All parameters live in one float array (W1, b1, W2, b2, in that
 * order), and so does the gradient, so that one all-reduce carries it. With {@code hidden} = 0 it
 * is softmax regression (logits = W2·x + b2).
 */
public final class Mlp {
    private final int inputs;
    private final int hidden;
    private final int classes;
    private final int w1;
    private final int b1;
    private final int w2;
    private final int b2;
    private final int size;

    public Mlp(final int inputs, final int hidden, final int classes) {
        if (inputs < 1 || hidden < 0 || classes < 2) {
            throw new IllegalArgumentException("layer sizes " + inputs + "/" + hidden + "/" + classes
                + " out of range; accepted: inputs >= 1, hidden >= 0, classes >= 2");
        }
        this.inputs = inputs;
        this.hidden = hidden;
        this.classes = classes;
        final int width = hidden == 0 ? inputs : hidden;
        w1 = 0;
        b1 = hidden * inputs;
        w2 = b1 + hidden;
        b2 = w2 + classes * width;
        size = b2 + classes;
    }

    /** @return the number of parameters (and gradient elements). */
    public int parameterCount() {
        return size;
    }

    /** @return initial parameters from {@code seed} (He-scaled normal weights, zero biases). */
    public float[] initialParameters(final long seed) {
        final SplittableRandom rnd = new SplittableRandom(seed);
        final float[] p = new float[size];
        for (int i = w1; i < b1; i++) {
            p[i] = (float) (TeacherTask.gaussian(rnd) * Math.sqrt(2.0 / inputs));
        }
        final int width = hidden == 0 ? inputs : hidden;
        for (int i = w2; i < b2; i++) {
            p[i] = (float) (TeacherTask.gaussian(rnd) * Math.sqrt(1.0 / width));
        }
        return p;
    }

    /**
     * Computes the mean loss of {@code rows} samples and, if {@code grad} is not null, writes the
     * gradient of that mean loss into it.
     *
     * @param correct if not null, correct[0] receives the number of samples classified right.
     * @return the mean cross-entropy.
     */
    public double lossAndGradient(final float[] p, final float[] x, final int[] labels, final int rows, final float[] grad,
                                  final int[] correct) {
        if (grad != null) {
            java.util.Arrays.fill(grad, 0f);
        }
        final int width = hidden == 0 ? inputs : hidden;
        final float[] a = new float[width];
        final float[] z = new float[width];
        final double[] logits = new double[classes];
        final float[] dz2 = new float[classes];
        final float[] da = new float[width];
        double loss = 0;
        int right = 0;
        final float inv = 1f / rows;
        for (int r = 0; r < rows; r++) {
            final int xo = r * inputs;
            if (hidden == 0) {
                System.arraycopy(x, xo, a, 0, inputs);
            } else {
                for (int j = 0; j < hidden; j++) {
                    float s = p[b1 + j];
                    final int row = w1 + j * inputs;
                    for (int i = 0; i < inputs; i++) {
                        s += p[row + i] * x[xo + i];
                    }
                    z[j] = s;
                    a[j] = s > 0 ? s : 0;
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int c = 0; c < classes; c++) {
                float s = p[b2 + c];
                final int row = w2 + c * width;
                for (int j = 0; j < width; j++) {
                    s += p[row + j] * a[j];
                }
                logits[c] = s;
                if (s > max) {
                    max = s;
                    arg = c;
                }
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[c] - max);
            }
            final int y = labels[r];
            loss += Math.log(sum) - (logits[y] - max);
            if (arg == y) {
                right++;
            }
            if (grad == null) {
                continue;
            }
            for (int c = 0; c < classes; c++) {
                dz2[c] = (float) ((Math.exp(logits[c] - max) / sum - (c == y ? 1 : 0)) * inv);
            }
            java.util.Arrays.fill(da, 0f);
            for (int c = 0; c < classes; c++) {
                final float d = dz2[c];
                grad[b2 + c] += d;
                final int row = w2 + c * width;
                for (int j = 0; j < width; j++) {
                    grad[row + j] += d * a[j];
                    da[j] += d * p[row + j];
                }
            }
            if (hidden > 0) {
                for (int j = 0; j < hidden; j++) {
                    if (z[j] <= 0) {
                        continue;
                    }
                    final float d = da[j];
                    grad[b1 + j] += d;
                    final int row = w1 + j * inputs;
                    for (int i = 0; i < inputs; i++) {
                        grad[row + i] += d * x[xo + i];
                    }
                }
            }
        }
        if (correct != null) {
            correct[0] = right;
        }
        return loss / rows;
    }
}
