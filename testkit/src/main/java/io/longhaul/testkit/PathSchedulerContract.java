package io.longhaul.testkit;

import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link PathScheduler} must honour, as an abstract JUnit 5 suite. A plug-in
 * author extends it and implements {@link #create(PathSchedulerConfig)}:
 *
 * <pre>{@code
 * class MySchedulerContractTest extends PathSchedulerContract {
 *     @Override
 *     protected PathScheduler create(PathSchedulerConfig config) {
 *         return new MyScheduler(config);
 *     }
 * }
 * }</pre>
 *
 * <p>The scheduler is driven through a {@link ScriptedPathSet}: seeded random path states (for the
 * invariants that must hold whatever the paths look like), and fixed ones (for probing and work
 * conservation), at 1, 2, 4 and 16 paths. Probing is checked on bursty traffic (bursts with idle
 * gaps between them, as a paced sender makes), since a flowlet scheduler may only move in a gap. Failures print the seed. A scheduler that uses one path
 * by design overrides {@link #spreadsOverPaths()}.
 */
public abstract class PathSchedulerContract {
    /** Seeds of the random-sequence tests. */
    protected static final long[] SEEDS = {1L, 42L, 0xC0FFEEL, 20240601L, -7L};
    /** Path counts every test runs at. */
    protected static final int[] PATH_COUNTS = {1, 2, 4, 16};
    /** Picks per random sequence. */
    protected static final int PICKS = 20_000;
    /** Picks within which every path with window must have been chosen at least once. */
    protected static final int PROBE_BOUND = 4_096;

    /** Creates the scheduler under test. */
    protected abstract PathScheduler create(PathSchedulerConfig config);

    /** @return whether the scheduler spreads data over every path (false for one-path schedulers). */
    protected boolean spreadsOverPaths() {
        return true;
    }

    private PathScheduler create(final int paths, final long seed) {
        return create(new PathSchedulerConfig(paths, 1500, seed, Map.of()));
    }

    /** Feeds the scheduler what a connection would after a pick: a send on the path and, now and then, an ACK or a loss. */
    private static void afterPick(final PathScheduler s, final ScriptedPathSet paths, final SplittableRandom random,
                                  final long nowNs, final int pick) {
        if (pick >= 0) {
            s.onSent(nowNs, pick, 1500);
        }
        final int path = random.nextInt(paths.count());
        switch (random.nextInt(8)) {
            case 0 -> s.onAck(nowNs, path, 3000, paths.smoothedRttNs(path), paths);
            case 1 -> s.onLoss(nowNs, path, 1, paths);
            case 2 -> s.onPathStateChanged(nowNs, path, paths.usable(path), paths);
            case 3 -> s.onProbeTimeout(nowNs, path, !paths.usable(path), paths);
            default -> {
            }
        }
    }

    @Test
    void shouldNeverPickAPathWithoutWindow() {
        for (final int n : PATH_COUNTS) {
            for (final long seed : SEEDS) {
                final SplittableRandom random = new SplittableRandom(seed);
                final PathScheduler s = create(n, seed);
                final ScriptedPathSet paths = new ScriptedPathSet(n);
                long now = 1_000_000_000L;
                for (int i = 0; i < PICKS; i++) {
                    now += random.nextInt(200_000);
                    paths.randomize(random, now);
                    final int pick = s.pick(now, paths);
                    assertThat(pick).as("pick %d, %d paths, seed %d", i, n, seed).isBetween(-1, n - 1);
                    if (pick >= 0) {
                        assertThat(paths.hasWindow(pick)).as("pick %d chose path %d without window, %d paths, seed %d",
                            i, pick, n, seed).isTrue();
                    }
                    afterPick(s, paths, random, now, pick);
                }
            }
        }
    }

    @Test
    void shouldPickNothingWhenNoPathHasWindow() {
        for (final int n : PATH_COUNTS) {
            final PathScheduler s = create(n, 1);
            final ScriptedPathSet paths = new ScriptedPathSet(n);
            for (int i = 0; i < n; i++) {
                paths.window(i, false);
            }
            for (int k = 0; k < 100; k++) {
                assertThat(s.pick(1_000_000L * k, paths)).as("%d paths, none with window", n).isEqualTo(-1);
            }
        }
    }

    @Test
    void shouldSendWhenEveryPathHasWindowAndIsReady() {
        for (final int n : PATH_COUNTS) {
            final PathScheduler s = create(n, 1);
            final ScriptedPathSet paths = new ScriptedPathSet(n);
            long now = 0;
            for (int k = 0; k < 1_000; k++) {
                now += 1_000_000;
                final int pick = s.pick(now, paths);
                assertThat(pick).as("%d idle paths, pick %d", n, k).isNotNegative();
                s.onSent(now, pick, 1500);
            }
        }
    }

    @Test
    void shouldNeverPickAFailedPath() {
        for (final int n : new int[] {2, 4, 16}) {
            final PathScheduler s = create(n, 3);
            final ScriptedPathSet paths = new ScriptedPathSet(n);
            paths.usable(0, false);
            s.onPathStateChanged(0, 0, false, paths);
            long now = 0;
            for (int k = 0; k < 5_000; k++) {
                now += 10_000;
                final int pick = s.pick(now, paths);
                assertThat(pick).as("%d paths, path 0 failed, pick %d", n, k).isNotEqualTo(0).isNotNegative();
                s.onSent(now, pick, 1500);
            }
        }
    }

    @Test
    void shouldProbeEveryPathThatHasWindow() {
        assumeTrue(spreadsOverPaths(), "uses one path by design");
        for (final int n : PATH_COUNTS) {
            final PathScheduler s = create(n, 5);
            final ScriptedPathSet paths = new ScriptedPathSet(n);
            for (int i = 0; i < n; i++) {
                // Different RTTs and rates, so a scheduler with a favourite has one.
                paths.rtt(i, 1_000_000L + 100_000L * i, 1_000_000L + 100_000L * i).rate(i, 125_000_000L / (i + 1));
            }
            final boolean[] seen = new boolean[n];
            long now = 0;
            for (int k = 0; k < PROBE_BOUND * n; k++) {
                // Bursts of 32 packets 10 us apart and 2 ms (more than any RTT difference) between
                // bursts, as a paced sender sends its quanta: flowlet schedulers switch only in gaps.
                now += k % 32 == 0 ? 2_000_000 : 10_000;
                final int pick = s.pick(now, paths);
                if (pick >= 0) {
                    seen[pick] = true;
                    s.onSent(now, pick, 1500);
                }
            }
            for (int i = 0; i < n; i++) {
                assertThat(seen[i]).as("%d paths: path %d never picked in %d picks", n, i, PROBE_BOUND * n).isTrue();
            }
        }
    }

    @Test
    void shouldPickTheSameForTheSameInputs() {
        for (final int n : PATH_COUNTS) {
            for (final long seed : SEEDS) {
                assertThat(run(n, seed)).as("%d paths, seed %d", n, seed).isEqualTo(run(n, seed));
            }
        }
    }

    private List<Integer> run(final int n, final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final PathScheduler s = create(n, seed);
        final ScriptedPathSet paths = new ScriptedPathSet(n);
        final List<Integer> picks = new ArrayList<>();
        long now = 0;
        for (int i = 0; i < 2_000; i++) {
            now += random.nextInt(200_000);
            paths.randomize(random, now);
            final int pick = s.pick(now, paths);
            picks.add(pick);
            afterPick(s, paths, random, now, pick);
        }
        for (int i = 0; i < n; i++) {
            picks.add(-100 - paths.repathRequests(i));
        }
        return picks;
    }
}
