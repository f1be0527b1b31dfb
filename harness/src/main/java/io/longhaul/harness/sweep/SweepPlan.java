package io.longhaul.harness.sweep;

import io.longhaul.harness.train.TrainConfig;
import io.longhaul.harness.train.TrainSchedule;
import io.longhaul.transport.TransportContext;
import io.longhaul.transport.path.PathSchedulers;

import java.util.ArrayList;
import java.util.List;

/**
 * A sweep grid: scenarios × distances × loss rates × congestion controls × algorithms × path
 * schedulers × paths × training schedules, and what
 * to run in each cell: an nccl-tests-style all-reduce size sweep ({@code benchMinBytes} to
 * {@code benchMaxBytes}, ×{@code benchFactor}) and/or the training model.
 *
 * @param distancesKm  distances to move each scenario to; empty = each scenario's own.
 * @param lossPercents random loss rates in percent; empty = each scenario's own loss.
 * @param ccs          congestion controls; empty = each scenario's own.
 * @param algorithms   collective algorithms by name; empty = each scenario's own.
 * @param train        the training model, or null for no training runs.
 * @param modes        collective modes: reliable, bounded, bounded+hadamard; empty = reliable. Cells of a
 *                     bounded mode run the all-reduce size sweep only (time, bytes received, error).
 * @param deadlineNs   per-step budget of the bounded modes, 0 = auto.
 * @param schedulers   path scheduler specs; empty = each scenario's own.
 * @param paths        paths per inter-DC session; empty = each scenario's own.
 * @param pairs        pairs of training runs (0 km twin and distance, interleaved) per cell on a
 *                     real-time backend; 0 = {@link io.longhaul.harness.train.TrainComparison#DEFAULT_PAIRS}.
 *                     An exact backend runs each once.
 * @param schedules    training schedule specs ({@link TrainSchedule#parse}); empty = ddp. Kept in their
 *                     canonical form, every parameter written out.
 */
public record SweepPlan(List<String> scenarios, List<Double> distancesKm, List<Double> lossPercents, List<String> ccs, List<String> algorithms,
                        boolean bench, long benchMinBytes, long benchMaxBytes, int benchFactor, int benchIterations, int benchWarmup,
                        TrainConfig train, List<String> modes, long deadlineNs, List<String> schedulers, List<Integer> paths, int pairs,
                        List<String> schedules) {

    /** A plan of the ddp training schedule only. */
    public SweepPlan(final List<String> scenarios, final List<Double> distancesKm, final List<Double> lossPercents, final List<String> ccs,
                     final List<String> algorithms, final boolean bench, final long benchMinBytes, final long benchMaxBytes,
                     final int benchFactor, final int benchIterations, final int benchWarmup, final TrainConfig train, final List<String> modes,
                     final long deadlineNs, final List<String> schedulers, final List<Integer> paths, final int pairs) {
        this(scenarios, distancesKm, lossPercents, ccs, algorithms, bench, benchMinBytes, benchMaxBytes, benchFactor, benchIterations,
            benchWarmup, train, modes, deadlineNs, schedulers, paths, pairs, List.of());
    }

    /** A plan with the backend's default number of training pairs. */
    public SweepPlan(final List<String> scenarios, final List<Double> distancesKm, final List<Double> lossPercents, final List<String> ccs,
                     final List<String> algorithms, final boolean bench, final long benchMinBytes, final long benchMaxBytes,
                     final int benchFactor, final int benchIterations, final int benchWarmup, final TrainConfig train, final List<String> modes,
                     final long deadlineNs, final List<String> schedulers, final List<Integer> paths) {
        this(scenarios, distancesKm, lossPercents, ccs, algorithms, bench, benchMinBytes, benchMaxBytes, benchFactor, benchIterations,
            benchWarmup, train, modes, deadlineNs, schedulers, paths, 0);
    }

    /** A plan with each scenario's own scheduler and paths. */
    public SweepPlan(final List<String> scenarios, final List<Double> distancesKm, final List<Double> lossPercents, final List<String> ccs,
                     final List<String> algorithms, final boolean bench, final long benchMinBytes, final long benchMaxBytes,
                     final int benchFactor, final int benchIterations, final int benchWarmup, final TrainConfig train, final List<String> modes,
                     final long deadlineNs) {
        this(scenarios, distancesKm, lossPercents, ccs, algorithms, bench, benchMinBytes, benchMaxBytes, benchFactor, benchIterations,
            benchWarmup, train, modes, deadlineNs, List.of(), List.of());
    }

    /** A plan of the reliable mode only. */
    public SweepPlan(final List<String> scenarios, final List<Double> distancesKm, final List<Double> lossPercents, final List<String> ccs,
                     final List<String> algorithms, final boolean bench, final long benchMinBytes, final long benchMaxBytes,
                     final int benchFactor, final int benchIterations, final int benchWarmup, final TrainConfig train) {
        this(scenarios, distancesKm, lossPercents, ccs, algorithms, bench, benchMinBytes, benchMaxBytes, benchFactor, benchIterations,
            benchWarmup, train, List.of(), 0);
    }

    public SweepPlan {
        modes = List.copyOf(modes);
        scenarios = List.copyOf(scenarios);
        distancesKm = List.copyOf(distancesKm);
        lossPercents = List.copyOf(lossPercents);
        ccs = List.copyOf(ccs);
        algorithms = List.copyOf(algorithms);
        schedulers = List.copyOf(schedulers);
        paths = List.copyOf(paths);
        final List<String> specs = new ArrayList<>();
        for (final String sc : schedules) {
            specs.add(TrainSchedule.parse(sc).spec());
        }
        schedules = List.copyOf(specs);
        for (final String sc : schedulers) {
            PathSchedulers.validate(sc);
        }
        for (final int p : paths) {
            if (p < 1 || p > TransportContext.MAX_PATHS) {
                throw new IllegalArgumentException("paths " + p + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
            }
        }
        if (pairs < 0 || pairs > io.longhaul.harness.train.TrainComparison.MAX_PAIRS) {
            throw new IllegalArgumentException("--pairs " + pairs + " is out of range; accepted: 1 to "
                + io.longhaul.harness.train.TrainComparison.MAX_PAIRS);
        }
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one scenario");
        }
        if (!bench && train == null) {
            throw new IllegalArgumentException("a sweep needs something to run: the all-reduce benchmark, training, or both");
        }
        for (final double p : lossPercents) {
            if (!(p >= 0 && p <= 100)) {
                throw new IllegalArgumentException("loss " + p + "% is out of range; accepted: 0 to 100");
            }
        }
    }

    /** @return this plan with {@code n} training pairs per cell on a real-time backend. */
    public SweepPlan withPairs(final int n) {
        return new SweepPlan(scenarios, distancesKm, lossPercents, ccs, algorithms, bench, benchMinBytes, benchMaxBytes, benchFactor,
            benchIterations, benchWarmup, train, modes, deadlineNs, schedulers, paths, n, schedules);
    }

    /**
     * The default demo grid on the dci-1000km preset: 0/10/100/1000 km × 0/0.1 % loss × bbr/cubic ×
     * ring/hier, all-reduce 1–16 MiB and the default training model.
     */
    public static SweepPlan defaults() {
        return new SweepPlan(List.of("dci-1000km"), List.of(0.0, 10.0, 100.0, 1000.0), List.of(0.0, 0.1), List.of("bbr", "cubic"),
            List.of("ring", "hier"), true, 1L << 20, 16L << 20, 4, 2, 1, TrainConfig.defaults());
    }

    /**
     * @return the cells, distance varying fastest within each (scenario, algorithm, cc, loss,
     * scheduler, paths), modes inside distance; scenario values fill the empty axes.
     */
    public List<SweepCell> cells(final ScenarioDefaults defaults) {
        final List<SweepCell> out = new ArrayList<>();
        for (final String s : scenarios) {
            final ScenarioDefaults.Values d = defaults.of(s);
            for (final String alg : algorithms.isEmpty() ? List.of(d.algorithm()) : algorithms) {
                for (final String cc : ccs.isEmpty() ? List.of(d.cc()) : ccs) {
                    for (final double loss : lossPercents.isEmpty() ? List.of(-1.0) : lossPercents) {
                        for (final String sched : schedulers.isEmpty() ? List.of(d.scheduler()) : schedulers) {
                            for (final int p : paths.isEmpty() ? List.of(d.paths()) : paths) {
                                for (final String ts : schedules.isEmpty() ? java.util.Collections.<String>singletonList(null) : schedules) {
                                    for (final double km : distancesKm.isEmpty() ? List.of(d.distanceKm()) : distancesKm) {
                                        for (final String mode : modes.isEmpty() ? List.of(SweepCell.RELIABLE) : modes) {
                                            out.add(new SweepCell(s, km, loss, cc, alg, mode, sched, p, ts));
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** What a scenario contributes to axes the plan leaves empty. */
    @FunctionalInterface
    public interface ScenarioDefaults {
        /** A scenario's own distance, congestion control, algorithm, path scheduler and paths. */
        record Values(double distanceKm, String cc, String algorithm, String scheduler, int paths) {
            /** A scenario with the default scheduler and one path. */
            public Values(final double distanceKm, final String cc, final String algorithm) {
                this(distanceKm, cc, algorithm, PathSchedulers.DEFAULT, 1);
            }
        }

        Values of(String scenario);
    }
}
