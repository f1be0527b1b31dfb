package io.longhaul.harness.sweep;

import io.longhaul.transport.path.PathSchedulers;

import java.util.Locale;

/**
 * One point of a sweep grid: a scenario at a distance with a random-loss rate, a congestion
 * control, a collective algorithm, a mode, and the sessions' path scheduler and paths.
 * {@link #key()} identifies it in the results file.
 *
 * @param lossPercent random loss on every inter-DC link in percent, or negative for the scenario's own.
 * @param scheduler   the path scheduler spec of every session.
 * @param paths       paths per inter-DC session.
 * @param schedule    the training schedule's spec ({@code ddp} when null).
 */
public record SweepCell(String scenario, double distanceKm, double lossPercent, String cc, String algorithm, String mode, String scheduler,
                        int paths, String schedule) {
    /** The mode of cells that do not say: exact, reliable collectives. */
    public static final String RELIABLE = "reliable";

    /** A cell of the ddp training schedule. */
    public SweepCell(final String scenario, final double distanceKm, final double lossPercent, final String cc, final String algorithm,
                     final String mode, final String scheduler, final int paths) {
        this(scenario, distanceKm, lossPercent, cc, algorithm, mode, scheduler, paths, null);
    }

    /** A cell of the default scheduler and one path. */
    public SweepCell(final String scenario, final double distanceKm, final double lossPercent, final String cc, final String algorithm,
                     final String mode) {
        this(scenario, distanceKm, lossPercent, cc, algorithm, mode, PathSchedulers.DEFAULT, 1);
    }

    /** A cell of the reliable mode, the default scheduler and one path. */
    public SweepCell(final String scenario, final double distanceKm, final double lossPercent, final String cc, final String algorithm) {
        this(scenario, distanceKm, lossPercent, cc, algorithm, RELIABLE);
    }

    /** @return whether the cell runs reliable collectives. */
    public boolean reliable() {
        return mode == null || RELIABLE.equals(mode);
    }

    /**
     * @return a stable identifier, e.g. {@code dci-1000km|1000km|loss=0.1%|bbr|hier}, plus
     * {@code |bounded} for another mode and {@code |sched=plb|paths=4} unless the scheduler is the
     * default and there is one path, {@code |schedule=diloco:H=8:outer=float} unless ddp (so results
     * of earlier sweeps keep their keys).
     */
    public String key() {
        return scenario + "|" + num(distanceKm) + "km|loss=" + (lossPercent < 0 ? "scenario" : num(lossPercent) + "%") + "|" + cc + "|" + algorithm
            + (reliable() ? "" : "|" + mode) + (isDefaultMultipath(scheduler, paths) ? "" : "|sched=" + scheduler + "|paths=" + paths)
            + (isDdp(schedule) ? "" : "|schedule=" + schedule);
    }

    /** @return a short label for charts, e.g. {@code bbr hier loss 0.1%} or {@code bbr hier plb x4}. */
    public String label() {
        return cc + " " + algorithm + (lossPercent < 0 ? "" : " loss " + num(lossPercent) + "%") + (reliable() ? "" : " " + mode)
            + multipathLabel(scheduler, paths) + scheduleLabel(schedule);
    }

    static boolean isDdp(final String schedule) {
        return schedule == null || "ddp".equals(schedule);
    }

    /** @return {@code " diloco:H=8:outer=float"}, or empty for ddp. */
    static String scheduleLabel(final String schedule) {
        return isDdp(schedule) ? "" : " " + schedule;
    }

    static boolean isDefaultMultipath(final String scheduler, final int paths) {
        return (scheduler == null || PathSchedulers.DEFAULT.equals(scheduler)) && paths == 1;
    }

    /** @return {@code " plb x4"}, or empty for the default scheduler and one path. */
    static String multipathLabel(final String scheduler, final int paths) {
        return isDefaultMultipath(scheduler, paths) ? "" : " " + (scheduler == null ? PathSchedulers.DEFAULT : scheduler) + " x" + paths;
    }

    static String num(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
