package io.longhaul.collectives.schedule;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;

import java.util.ArrayList;
import java.util.List;

/**
 * What one rank does in one collective: a list of {@link Step}s with dependencies, as data. One
 * executor runs any schedule over any fabric (in memory, the simulated network, the real
 * transport), and a simulator can cost it without running it.
 *
 * <p>Steps whose dependencies are met run concurrently, so chunked algorithms keep several chunks
 * in flight. Every RECV may be matched as soon as the collective starts: a message that arrives
 * early waits until the step's dependencies are met.
 */
public final class Schedule {
    /** The caller's send buffer (read only). */
    public static final int INPUT = 0;
    /** The caller's receive buffer. */
    public static final int OUTPUT = 1;
    /** Working memory of {@link #scratchCount()} elements allocated by the executor. */
    public static final int SCRATCH = 2;

    private final Collective collective;
    private final Algorithm algorithm;
    private final int rank;
    private final int size;
    private final List<Step> steps;
    private final int scratchCount;
    private final int[][] dependents;
    private final int[] sources;

    Schedule(final Collective collective, final Algorithm algorithm, final int rank, final int size,
             final List<Step> steps, final int scratchCount) {
        this.collective = collective;
        this.algorithm = algorithm;
        this.rank = rank;
        this.size = size;
        this.steps = List.copyOf(steps);
        this.scratchCount = scratchCount;
        final List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(new ArrayList<>());
        }
        int roots = 0;
        for (final Step s : steps) {
            for (final int d : s.deps()) {
                out.get(d).add(s.index());
            }
            if (s.deps().length == 0) {
                roots++;
            }
        }
        dependents = new int[steps.size()][];
        for (int i = 0; i < steps.size(); i++) {
            dependents[i] = out.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        sources = new int[roots];
        int k = 0;
        for (final Step s : steps) {
            if (s.deps().length == 0) {
                sources[k++] = s.index();
            }
        }
    }

    public Collective collective() {
        return collective;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public List<Step> steps() {
        return steps;
    }

    public Step step(final int index) {
        return steps.get(index);
    }

    /** @return elements of scratch memory the executor must provide. */
    public int scratchCount() {
        return scratchCount;
    }

    /** @return the steps that list {@code index} among their dependencies. */
    public int[] dependents(final int index) {
        return dependents[index].clone();
    }

    int[] dependentsUnsafe(final int index) {
        return dependents[index];
    }

    /** @return the steps without dependencies. */
    public int[] sources() {
        return sources.clone();
    }

    /** @return the number of steps of {@code kind}. */
    public int count(final Step.Kind kind) {
        int n = 0;
        for (final Step s : steps) {
            if (s.kind() == kind) {
                n++;
            }
        }
        return n;
    }

    /** @return the elements this rank sends in total. */
    public long elementsSent() {
        long n = 0;
        for (final Step s : steps) {
            if (s.kind() == Step.Kind.SEND) {
                n += s.count();
            }
        }
        return n;
    }

    static String bufferName(final int buffer) {
        switch (buffer) {
            case INPUT: return "in";
            case OUTPUT: return "out";
            case SCRATCH: return "scratch";
            default: return "buf" + buffer;
        }
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder().append(collective.ncclName()).append('/').append(algorithm.algorithmName())
            .append(" rank ").append(rank).append('/').append(size).append(", ").append(steps.size()).append(" steps");
        for (final Step s : steps) {
            sb.append("\n  ").append(s);
        }
        return sb.toString();
    }
}
