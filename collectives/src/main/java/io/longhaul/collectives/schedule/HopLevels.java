package io.longhaul.collectives.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * The hop level of every step of a collective, over the schedules of all its ranks: how many
 * messages lie on the longest chain of messages and local dependencies that ends at the step. A
 * RECV is one hop after the SEND it matches and after its own dependencies; any other step is at
 * the level of its latest dependency. A bounded-time collective gives hop k the deadline
 * start + k·budget, so that a late message delays nothing but itself and the whole operation
 * ends by start + {@link #maxLevel()}·budget.
 *
 * <p>Computed by relaxing all ranks' steps in index order until no level changes (the schedules
 * together form a DAG, so this ends after at most max-level + 1 passes).
 */
public final class HopLevels {
    private final int[][] levels;
    private final int[][] messageLevels;
    private final int maxLevel;

    private HopLevels(final int[][] levels, final int[][] messageLevels, final int maxLevel) {
        this.levels = levels;
        this.messageLevels = messageLevels;
        this.maxLevel = maxLevel;
    }

    /** @param schedules the schedule of every rank, indexed by rank, all of the same collective call. */
    public static HopLevels compute(final List<Schedule> schedules) {
        final int n = schedules.size();
        // recvByTag[r][peer] = step indices of r's RECVs from peer, by tag; same for sends.
        final List<List<List<Integer>>> recvByTag = new ArrayList<>();
        final List<List<List<Integer>>> sendByTag = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final List<List<Integer>> recv = new ArrayList<>();
            final List<List<Integer>> send = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                recv.add(new ArrayList<>());
                send.add(new ArrayList<>());
            }
            for (final Step s : schedules.get(r).steps()) {
                if (s.kind() == Step.Kind.RECV) {
                    addAt(recv.get(s.peer()), s.tag(), s.index());
                } else if (s.kind() == Step.Kind.SEND) {
                    addAt(send.get(s.peer()), s.tag(), s.index());
                }
            }
            recvByTag.add(recv);
            sendByTag.add(send);
        }
        final int[][] level = new int[n][];
        final int[][] matching = new int[n][];
        for (int r = 0; r < n; r++) {
            final List<Step> steps = schedules.get(r).steps();
            level[r] = new int[steps.size()];
            matching[r] = new int[steps.size()];
            for (final Step s : steps) {
                matching[r][s.index()] = -1;
                if (s.kind() == Step.Kind.RECV) {
                    final List<Integer> sends = sendByTag.get(s.peer()).get(r);
                    if (s.tag() >= sends.size() || sends.get(s.tag()) == null) {
                        throw new IllegalArgumentException("rank " + r + " receives message " + s.tag() + " from rank " + s.peer()
                            + " which never sends it");
                    }
                    matching[r][s.index()] = sends.get(s.tag());
                }
            }
        }
        boolean changed = true;
        int passes = 0;
        while (changed) {
            if (++passes > 1_000_000) {
                throw new IllegalStateException("hop levels did not converge: the schedules have a cycle");
            }
            changed = false;
            for (int r = 0; r < n; r++) {
                for (final Step s : schedules.get(r).steps()) {
                    int l = 0;
                    for (final int d : s.deps()) {
                        l = Math.max(l, level[r][d]);
                    }
                    if (s.kind() == Step.Kind.RECV) {
                        l = Math.max(l, level[s.peer()][matching[r][s.index()]] + 1);
                    }
                    if (l != level[r][s.index()]) {
                        level[r][s.index()] = l;
                        changed = true;
                    }
                }
            }
        }
        final int[][] messageLevel = new int[n][];
        int max = 0;
        for (int r = 0; r < n; r++) {
            final List<Step> steps = schedules.get(r).steps();
            messageLevel[r] = new int[steps.size()];
            for (final Step s : steps) {
                max = Math.max(max, level[r][s.index()]);
                if (s.kind() == Step.Kind.SEND) {
                    final List<Integer> recvs = recvByTag.get(s.peer()).get(r);
                    if (s.tag() >= recvs.size() || recvs.get(s.tag()) == null) {
                        throw new IllegalArgumentException("rank " + r + " sends message " + s.tag() + " to rank " + s.peer()
                            + " which never receives it");
                    }
                    messageLevel[r][s.index()] = level[s.peer()][recvs.get(s.tag())];
                }
            }
        }
        return new HopLevels(level, messageLevel, max);
    }

    private static void addAt(final List<Integer> list, final int index, final int value) {
        while (list.size() <= index) {
            list.add(null);
        }
        list.set(index, value);
    }

    /** @return the level of step {@code step} of rank {@code rank}. */
    public int level(final int rank, final int step) {
        return levels[rank][step];
    }

    /** @return rank {@code rank}'s step levels (shared; do not modify). */
    public int[] levels(final int rank) {
        return levels[rank];
    }

    /**
     * @return for each SEND of rank {@code rank}, the level of the RECV that matches it at the
     * peer (its deadline there); 0 for other steps. Shared; do not modify.
     */
    public int[] messageLevels(final int rank) {
        return messageLevels[rank];
    }

    /** @return the highest level of any step of any rank. */
    public int maxLevel() {
        return maxLevel;
    }
}
