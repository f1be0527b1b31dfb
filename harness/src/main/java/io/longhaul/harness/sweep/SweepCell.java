package io.longhaul.harness.sweep;

import java.util.Locale;

/**
 * One point of a sweep grid: a scenario at a distance with a random-loss rate, a congestion
 * control and a collective algorithm. {@link #key()} identifies it in the results file.
 *
 * @param lossPercent random loss on every inter-DC link in percent, or negative for the scenario's own.
 */
public record SweepCell(String scenario, double distanceKm, double lossPercent, String cc, String algorithm, String mode) {
    /** The mode of cells that do not say: exact, reliable collectives. */
    public static final String RELIABLE = "reliable";

    /** A cell of the reliable mode. */
    public SweepCell(final String scenario, final double distanceKm, final double lossPercent, final String cc, final String algorithm) {
        this(scenario, distanceKm, lossPercent, cc, algorithm, RELIABLE);
    }

    /** @return whether the cell runs reliable collectives. */
    public boolean reliable() {
        return mode == null || RELIABLE.equals(mode);
    }

    /** @return a stable identifier, e.g. {@code dci-1000km|1000km|loss=0.1%|bbr|hier} (plus {@code |bounded} for another mode). */
    public String key() {
        return scenario + "|" + num(distanceKm) + "km|loss=" + (lossPercent < 0 ? "scenario" : num(lossPercent) + "%") + "|" + cc + "|" + algorithm
            + (reliable() ? "" : "|" + mode);
    }

    /** @return a short label for charts, e.g. {@code bbr hier loss 0.1%}. */
    public String label() {
        return cc + " " + algorithm + (lossPercent < 0 ? "" : " loss " + num(lossPercent) + "%") + (reliable() ? "" : " " + mode);
    }

    static String num(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
