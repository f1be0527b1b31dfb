package io.longhaul.collectives.schedule;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds a {@link Schedule} from steps written in program order. Dependencies are derived from
 * the regions each step reads and writes (read-after-write, write-after-read, write-after-write),
 * so an algorithm states only what moves where, and independent chunks overlap by themselves.
 * SEND and RECV tags are numbered per peer and direction in the order steps are added, which
 * matches across ranks because both ends of every pair add their messages in the same logical order.
 */
public final class ScheduleBuilder {
    private static final class Access {
        final int step;
        final int buffer;
        final long from;
        final long to;
        final boolean write;

        Access(final int step, final int buffer, final long from, final long to, final boolean write) {
            this.step = step;
            this.buffer = buffer;
            this.from = from;
            this.to = to;
            this.write = write;
        }
    }

    private final int rank;
    private final int size;
    private final List<Step> steps = new ArrayList<>();
    private final List<Access> live = new ArrayList<>();
    private final int[] sendTags;
    private final int[] recvTags;
    private int scratchCount;

    public ScheduleBuilder(final int rank, final int size) {
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of " + size + " is out of range; accepted: [0, size)");
        }
        this.rank = rank;
        this.size = size;
        this.sendTags = new int[size];
        this.recvTags = new int[size];
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Reserves {@code count} elements of scratch memory. */
    public ScheduleBuilder scratch(final int count) {
        scratchCount = Math.max(scratchCount, count);
        return this;
    }

    public int send(final int peer, final int buffer, final int offset, final int count, final int... extraDeps) {
        checkPeer(peer);
        return add(Step.Kind.SEND, peer, sendTags[peer]++, buffer, offset, count, -1, -1, false, extraDeps);
    }

    public int recv(final int peer, final int buffer, final int offset, final int count, final boolean reduce,
                    final int... extraDeps) {
        checkPeer(peer);
        return add(Step.Kind.RECV, peer, recvTags[peer]++, buffer, offset, count, -1, -1, reduce, extraDeps);
    }

    public int copy(final int srcBuffer, final int srcOffset, final int buffer, final int offset, final int count) {
        return add(Step.Kind.COPY, -1, -1, buffer, offset, count, srcBuffer, srcOffset, false);
    }

    public int reduce(final int srcBuffer, final int srcOffset, final int buffer, final int offset, final int count) {
        return add(Step.Kind.REDUCE, -1, -1, buffer, offset, count, srcBuffer, srcOffset, true);
    }

    public int divide(final int buffer, final int offset, final int count) {
        return add(Step.Kind.DIVIDE, -1, -1, buffer, offset, count, -1, -1, false);
    }

    private void checkPeer(final int peer) {
        if (peer < 0 || peer >= size || peer == rank) {
            throw new IllegalArgumentException("peer " + peer + " is not another rank of " + size);
        }
    }

    private int add(final Step.Kind kind, final int peer, final int tag, final int buffer, final int offset, final int count,
                    final int srcBuffer, final int srcOffset, final boolean reduce, final int... extraDeps) {
        if (count < 0 || offset < 0) {
            throw new IllegalArgumentException("negative region " + offset + "+" + count);
        }
        final int index = steps.size();
        final TreeSet<Integer> deps = new TreeSet<>();
        for (final int d : extraDeps) {
            if (d >= 0) {
                deps.add(d);
            }
        }
        final List<Access> mine = new ArrayList<>(2);
        switch (kind) {
            case SEND:
                mine.add(new Access(index, buffer, offset, (long) offset + count, false));
                break;
            case RECV:
                mine.add(new Access(index, buffer, offset, (long) offset + count, true));
                break;
            case COPY:
            case REDUCE:
                mine.add(new Access(index, srcBuffer, srcOffset, (long) srcOffset + count, false));
                mine.add(new Access(index, buffer, offset, (long) offset + count, true));
                break;
            default:
                mine.add(new Access(index, buffer, offset, (long) offset + count, true));
                break;
        }
        for (final Access a : mine) {
            if (a.to <= a.from) {
                continue;
            }
            for (final Access b : live) {
                if (b.buffer == a.buffer && b.from < a.to && a.from < b.to && (a.write || b.write)) {
                    deps.add(b.step);
                }
            }
        }
        // A write that covers an earlier access orders every later conflicting access after that
        // earlier one too, so the covered access need not be tracked any more.
        for (final Access a : mine) {
            if (a.write && a.to > a.from) {
                live.removeIf(b -> b.buffer == a.buffer && b.from >= a.from && b.to <= a.to && b.step != index);
            }
        }
        for (final Access a : mine) {
            if (a.to > a.from) {
                live.add(a);
            }
        }
        final int[] depArray = deps.stream().mapToInt(Integer::intValue).toArray();
        steps.add(new Step(index, kind, peer, tag, buffer, offset, count, srcBuffer, srcOffset, reduce, depArray));
        return index;
    }

    /** @return the number of steps so far. */
    public int stepCount() {
        return steps.size();
    }

    public Schedule build(final Collective collective, final Algorithm algorithm) {
        return new Schedule(collective, algorithm, rank, size, steps, scratchCount);
    }

    @Override
    public String toString() {
        return "ScheduleBuilder[rank=" + rank + ", size=" + size + ", steps=" + steps.size() + ", sendTags="
            + Arrays.toString(sendTags) + "]";
    }
}
