package io.longhaul.transport.sim;

import java.util.SplittableRandom;

/**
 * Decides, packet by packet, whether a link loses a packet. Implementations may keep state (a
 * Gilbert–Elliott chain does), so each {@link LinkModel} owns its own instance; randomness comes
 * from the caller's generator so that one seed replays a whole link.
 */
public interface LossModel {
    /** Whether the next packet is lost; advances the model's state by one packet. */
    boolean isLost(SplittableRandom random);

    /** The long-run fraction of packets lost. */
    double meanLossProbability();

    /** A model that never loses. */
    static LossModel none() {
        return BernoulliLoss.NONE;
    }

    /**
     * The loss model of a spec: Bernoulli {@code loss} and Gilbert–Elliott {@code burst}; a packet
     * is lost if either loses it (both are drawn for every packet, so their streams stay aligned).
     */
    static LossModel of(final LinkSpec spec) {
        final LossModel bernoulli = spec.lossProbability() > 0 ? new BernoulliLoss(spec.lossProbability()) : none();
        if (!spec.hasBurstLoss()) {
            return bernoulli;
        }
        final GilbertElliottLoss ge = new GilbertElliottLoss(spec.burstP(), spec.burstR(), spec.burstH(), spec.burstK());
        if (spec.lossProbability() == 0) {
            return ge;
        }
        return new LossModel() {
            @Override
            public boolean isLost(final SplittableRandom random) {
                final boolean a = bernoulli.isLost(random);
                final boolean b = ge.isLost(random);
                return a | b;
            }

            @Override
            public double meanLossProbability() {
                return 1 - (1 - bernoulli.meanLossProbability()) * (1 - ge.meanLossProbability());
            }

            @Override
            public String toString() {
                return bernoulli + " + " + ge;
            }
        };
    }
}
