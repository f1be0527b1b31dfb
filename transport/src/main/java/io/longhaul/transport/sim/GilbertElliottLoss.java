package io.longhaul.transport.sim;

import java.util.SplittableRandom;

/**
 * Gilbert–Elliott bursty loss: a two-state Markov chain (good, bad) with a loss probability per
 * state, as netem's {@code gemodel p r 1-h 1-k} (Linux {@code net/sched/sch_netem.c},
 * {@code loss_gilbert_elliott}; Hasslinger and Hohlfeld, "The Gilbert-Elliott Model for Packet
 * Loss in Real Time Services on the Internet", 2008).
 *
 * <p>For each packet, in the current state: first the chain may move (good → bad with
 * probability p, bad → good with probability r), then the packet is lost with the loss
 * probability of the state it was offered in (1 − k in good, 1 − h in bad). The chain starts in
 * the good state. Stationary P(bad) = p / (p + r), so the mean loss is
 * p/(p+r)·(1−h) + r/(p+r)·(1−k); with h = 0 a burst lasts 1/r packets on average.
 */
public final class GilbertElliottLoss implements LossModel {
    private final double p;
    private final double r;
    private final double h;
    private final double k;
    private final double lossInBad;
    private final double lossInGood;
    private boolean bad;

    /**
     * @param p P(good → bad), in [0, 1].
     * @param r P(bad → good), in (0, 1].
     * @param h 1 − h is the loss probability in the bad state.
     * @param k 1 − k is the loss probability in the good state.
     */
    public GilbertElliottLoss(final double p, final double r, final double h, final double k) {
        check("p", p);
        check("r", r);
        check("h", h);
        check("k", k);
        if (r == 0) {
            throw new IllegalArgumentException("Gilbert-Elliott r: must be > 0");
        }
        this.p = p;
        this.r = r;
        this.h = h;
        this.k = k;
        this.lossInBad = 1 - h;
        this.lossInGood = 1 - k;
    }

    private static void check(final String name, final double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException("Gilbert-Elliott " + name + ": " + v + " is out of range; accepted: 0 to 1");
        }
    }

    /** Mean loss of the stationary chain: p/(p+r)·(1−h) + r/(p+r)·(1−k). */
    public static double meanLossProbability(final double p, final double r, final double h, final double k) {
        return p / (p + r) * (1 - h) + r / (p + r) * (1 - k);
    }

    @Override
    public boolean isLost(final SplittableRandom random) {
        final double loss;
        if (bad) {
            loss = lossInBad;
            if (random.nextDouble() < r) {
                bad = false;
            }
        } else {
            loss = lossInGood;
            if (random.nextDouble() < p) {
                bad = true;
            }
        }
        // Skip the draw when the outcome is certain (the defaults h = 0, k = 1).
        if (loss == 0) {
            return false;
        }
        return loss == 1 || random.nextDouble() < loss;
    }

    /** Whether the chain is in the bad state. */
    public boolean isBad() {
        return bad;
    }

    @Override
    public double meanLossProbability() {
        return meanLossProbability(p, r, h, k);
    }

    @Override
    public String toString() {
        return "GilbertElliottLoss{p=" + p + ", r=" + r + ", h=" + h + ", k=" + k + ", bad=" + bad + '}';
    }
}
