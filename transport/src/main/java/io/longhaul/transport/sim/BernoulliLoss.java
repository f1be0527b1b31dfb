package io.longhaul.transport.sim;

import java.util.SplittableRandom;

/** Independent loss: each packet is lost with the same probability, netem's {@code loss P}. */
public final class BernoulliLoss implements LossModel {
    static final BernoulliLoss NONE = new BernoulliLoss(0);

    private final double probability;

    /** @param probability loss probability in [0, 1]. */
    public BernoulliLoss(final double probability) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("loss probability: " + probability + " is out of range; accepted: 0 to 1");
        }
        this.probability = probability;
    }

    @Override
    public boolean isLost(final SplittableRandom random) {
        // No draw when the probability is 0, so a lossless link costs nothing.
        return probability > 0 && random.nextDouble() < probability;
    }

    @Override
    public double meanLossProbability() {
        return probability;
    }

    @Override
    public String toString() {
        return "BernoulliLoss{p=" + probability + '}';
    }
}
