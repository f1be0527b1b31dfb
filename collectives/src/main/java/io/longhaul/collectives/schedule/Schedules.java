package io.longhaul.collectives.schedule;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.AlgorithmSelector;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.Topology;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Compiles collectives to per-rank {@link Schedule}s. The algorithms are written once over a
 * <em>group</em> of ranks and a region of a buffer, and composed: the ring all-reduce is a ring
 * reduce-scatter followed by a ring all-gather over all ranks; the hierarchical one runs the same
 * building blocks over a DC's ranks, then over the ranks holding the same shard in every DC.
 *
 * <p>Every message is cut into chunks of at most {@code chunkElements} elements; because
 * dependencies are per region, chunk k+1 of a step travels while chunk k is being reduced, and a
 * ring step may start on chunk 0 before the previous step finished chunk 7.
 */
public final class Schedules {
    private Schedules() {
    }

    /**
     * @param algorithm      a concrete algorithm ({@link Algorithm#AUTO} is resolved by
     *                       {@link AlgorithmSelector#select}).
     * @param chunkElements  largest message, in elements (at least 1).
     */
    public static Schedule compile(final CollectiveSpec spec, final int rank, final Topology topology,
                                   final Algorithm algorithm, final int chunkElements) {
        final int n = topology.size();
        final Algorithm algo = algorithm == Algorithm.AUTO
            ? AlgorithmSelector.select(spec.collective(), Algorithm.AUTO, (long) spec.count() * spec.type().size(), topology)
            : AlgorithmSelector.resolve(spec.collective(), algorithm);
        final int chunk = Math.max(1, chunkElements);
        final ScheduleBuilder b = new ScheduleBuilder(rank, n);
        final int[] world = range(n);
        final int count = spec.count();
        switch (spec.collective()) {
            case ALL_REDUCE:
                if (!spec.inPlace()) {
                    b.copy(Schedule.INPUT, 0, Schedule.OUTPUT, 0, count);
                }
                allReduce(b, algo, world, topology, Schedule.OUTPUT, 0, count, chunk);
                if (spec.op() == ReduceOp.AVG) {
                    b.divide(Schedule.OUTPUT, 0, count);
                }
                break;
            case REDUCE_SCATTER: {
                final int total = Math.multiplyExact(count, n);
                b.scratch(total);
                b.copy(Schedule.INPUT, 0, Schedule.SCRATCH, 0, total);
                ringReduceScatter(b, world, Schedule.SCRATCH, 0, equalSegments(count, n), chunk);
                b.copy(Schedule.SCRATCH, rank * count, Schedule.OUTPUT, 0, count);
                if (spec.op() == ReduceOp.AVG) {
                    b.divide(Schedule.OUTPUT, 0, count);
                }
                break;
            }
            case ALL_GATHER:
                Math.multiplyExact(count, n);
                if (!spec.inPlace()) {
                    b.copy(Schedule.INPUT, 0, Schedule.OUTPUT, rank * count, count);
                }
                ringAllGather(b, world, Schedule.OUTPUT, 0, equalSegments(count, n), chunk);
                break;
            case BROADCAST:
                if (spec.root() >= n) {
                    throw new IllegalArgumentException("broadcast root " + spec.root() + " is not a rank of " + n);
                }
                if (rank == spec.root() && !spec.inPlace()) {
                    b.copy(Schedule.INPUT, 0, Schedule.OUTPUT, 0, count);
                }
                if (algo == Algorithm.RING) {
                    chainBroadcast(b, world, spec.root(), Schedule.OUTPUT, 0, count, chunk);
                } else {
                    treeBroadcast(b, world, spec.root(), Schedule.OUTPUT, 0, count, chunk);
                }
                break;
            case BARRIER:
                disseminationBarrier(b);
                break;
            default:
                throw new IllegalArgumentException("unsupported collective " + spec.collective());
        }
        return b.build(spec.collective(), algo);
    }

    private static void allReduce(final ScheduleBuilder b, final Algorithm algo, final int[] group, final Topology topology,
                                  final int buf, final int off, final int count, final int chunk) {
        switch (algo) {
            case RING:
                ringAllReduce(b, group, buf, off, count, chunk);
                break;
            case RHD:
                rhdAllReduce(b, group, buf, off, count, chunk);
                break;
            case TREE:
                treeReduce(b, group, 0, buf, off, count, chunk);
                treeBroadcast(b, group, 0, buf, off, count, chunk);
                break;
            case HIER:
                hierAllReduce(b, topology, buf, off, count, chunk);
                break;
            default:
                throw new IllegalArgumentException("unsupported all-reduce algorithm " + algo);
        }
    }

    // ------------------------------------------------------------------ building blocks

    static int[] range(final int n) {
        final int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static int position(final int[] group, final int rank) {
        for (int i = 0; i < group.length; i++) {
            if (group[i] == rank) {
                return i;
            }
        }
        return -1;
    }

    /** @return m+1 segment boundaries splitting {@code count} into m near-equal parts (larger first). */
    static int[] split(final int count, final int m) {
        final int[] bounds = new int[m + 1];
        final int base = count / m;
        final int extra = count % m;
        for (int i = 0; i < m; i++) {
            bounds[i + 1] = bounds[i] + base + (i < extra ? 1 : 0);
        }
        return bounds;
    }

    static int[] equalSegments(final int each, final int m) {
        final int[] bounds = new int[m + 1];
        for (int i = 0; i < m; i++) {
            bounds[i + 1] = bounds[i] + each;
        }
        return bounds;
    }

    static void sendChunked(final ScheduleBuilder b, final int peer, final int buf, final int off, final int count, final int chunk) {
        for (int c = 0; c < count; c += chunk) {
            b.send(peer, buf, off + c, Math.min(chunk, count - c));
        }
    }

    static void recvChunked(final ScheduleBuilder b, final int peer, final int buf, final int off, final int count,
                            final boolean reduce, final int chunk) {
        for (int c = 0; c < count; c += chunk) {
            b.recv(peer, buf, off + c, Math.min(chunk, count - c), reduce);
        }
    }

    /**
     * Ring reduce-scatter over {@code group}: afterwards the member at position p holds segment p
     * (bounds[p]..bounds[p+1], relative to {@code off}) reduced over the group. Round s: send
     * segment p-s-1 to p+1, receive segment p-s-2 from p-1 and reduce it in.
     */
    static void ringReduceScatter(final ScheduleBuilder b, final int[] group, final int buf, final int off,
                                  final int[] bounds, final int chunk) {
        final int m = group.length;
        final int p = position(group, b.rank());
        if (m < 2 || p < 0) {
            return;
        }
        final int next = group[(p + 1) % m];
        final int prev = group[(p - 1 + m) % m];
        for (int s = 0; s < m - 1; s++) {
            final int sendSeg = Math.floorMod(p - s - 1, m);
            final int recvSeg = Math.floorMod(p - s - 2, m);
            sendChunked(b, next, buf, off + bounds[sendSeg], bounds[sendSeg + 1] - bounds[sendSeg], chunk);
            recvChunked(b, prev, buf, off + bounds[recvSeg], bounds[recvSeg + 1] - bounds[recvSeg], true, chunk);
        }
    }

    /** Ring all-gather over {@code group}: the member at position p starts with segment p; all end with all. */
    static void ringAllGather(final ScheduleBuilder b, final int[] group, final int buf, final int off,
                              final int[] bounds, final int chunk) {
        final int m = group.length;
        final int p = position(group, b.rank());
        if (m < 2 || p < 0) {
            return;
        }
        final int next = group[(p + 1) % m];
        final int prev = group[(p - 1 + m) % m];
        for (int s = 0; s < m - 1; s++) {
            final int sendSeg = Math.floorMod(p - s, m);
            final int recvSeg = Math.floorMod(p - s - 1, m);
            sendChunked(b, next, buf, off + bounds[sendSeg], bounds[sendSeg + 1] - bounds[sendSeg], chunk);
            recvChunked(b, prev, buf, off + bounds[recvSeg], bounds[recvSeg + 1] - bounds[recvSeg], false, chunk);
        }
    }

    /** Ring all-reduce: 2(m-1) rounds, each sending one of m segments. */
    static void ringAllReduce(final ScheduleBuilder b, final int[] group, final int buf, final int off, final int count,
                              final int chunk) {
        final int[] bounds = split(count, group.length);
        ringReduceScatter(b, group, buf, off, bounds, chunk);
        ringAllGather(b, group, buf, off, bounds, chunk);
    }

    /**
     * Recursive halving-doubling all-reduce (R. Rabenseifner, "Optimization of Collective Reduction
     * Operations", ICCS 2004; R. Thakur, R. Rabenseifner, W. Gropp, "Optimization of Collective
     * Communication Operations in MPICH", IJHPCA 2005). With p the largest power of two ≤ m and
     * r = m - p, the first 2r members fold pairwise (even sends all to odd, which reduces), leaving p
     * participants; reduce-scatter by recursive halving (distance p/2 … 1), all-gather by recursive
     * doubling (1 … p/2), and the odd members of the folded pairs send the result back.
     */
    static void rhdAllReduce(final ScheduleBuilder b, final int[] group, final int buf, final int off, final int count,
                             final int chunk) {
        final int m = group.length;
        final int pos = position(group, b.rank());
        if (m < 2 || pos < 0) {
            return;
        }
        final int p = Integer.highestOneBit(m);
        final int rem = m - p;
        final int newRank;
        if (pos < 2 * rem) {
            if (pos % 2 == 0) {
                sendChunked(b, group[pos + 1], buf, off, count, chunk);
                newRank = -1;
            } else {
                recvChunked(b, group[pos - 1], buf, off, count, true, chunk);
                newRank = pos / 2;
            }
        } else {
            newRank = pos - rem;
        }
        if (newRank >= 0) {
            final int[] bounds = split(count, p);
            int lo = 0;
            int hi = p;
            final Deque<int[]> ranges = new ArrayDeque<>();
            for (int mask = p >> 1; mask >= 1; mask >>= 1) {
                final int partner = group[realPosition(newRank ^ mask, rem)];
                final int mid = (lo + hi) >>> 1;
                ranges.push(new int[] {lo, hi});
                final int keepLo = (newRank & mask) == 0 ? lo : mid;
                final int keepHi = (newRank & mask) == 0 ? mid : hi;
                final int giveLo = (newRank & mask) == 0 ? mid : lo;
                final int giveHi = (newRank & mask) == 0 ? hi : mid;
                sendChunked(b, partner, buf, off + bounds[giveLo], bounds[giveHi] - bounds[giveLo], chunk);
                recvChunked(b, partner, buf, off + bounds[keepLo], bounds[keepHi] - bounds[keepLo], true, chunk);
                lo = keepLo;
                hi = keepHi;
            }
            for (int mask = 1; mask < p; mask <<= 1) {
                final int partner = group[realPosition(newRank ^ mask, rem)];
                final int[] outer = ranges.pop();
                final int otherLo = lo == outer[0] ? hi : outer[0];
                final int otherHi = lo == outer[0] ? outer[1] : lo;
                sendChunked(b, partner, buf, off + bounds[lo], bounds[hi] - bounds[lo], chunk);
                recvChunked(b, partner, buf, off + bounds[otherLo], bounds[otherHi] - bounds[otherLo], false, chunk);
                lo = outer[0];
                hi = outer[1];
            }
        }
        if (pos < 2 * rem) {
            if (pos % 2 == 1) {
                sendChunked(b, group[pos - 1], buf, off, count, chunk);
            } else {
                recvChunked(b, group[pos + 1], buf, off, count, false, chunk);
            }
        }
    }

    private static int realPosition(final int newRank, final int rem) {
        return newRank < rem ? 2 * newRank + 1 : newRank + rem;
    }

    /** Binomial-tree reduce to the member at {@code rootPos}: children at distance 1, 2, 4, … reduce in, then send up. */
    static void treeReduce(final ScheduleBuilder b, final int[] group, final int rootPos, final int buf, final int off,
                           final int count, final int chunk) {
        final int m = group.length;
        final int pos = position(group, b.rank());
        if (m < 2 || pos < 0) {
            return;
        }
        final int vr = Math.floorMod(pos - rootPos, m);
        for (int mask = 1; mask < m; mask <<= 1) {
            if ((vr & mask) != 0) {
                sendChunked(b, group[(vr - mask + rootPos) % m], buf, off, count, chunk);
                break;
            }
            if (vr + mask < m) {
                recvChunked(b, group[(vr + mask + rootPos) % m], buf, off, count, true, chunk);
            }
        }
    }

    /** Binomial-tree broadcast from the member at {@code rootPos} (MPICH's binomial order). */
    static void treeBroadcast(final ScheduleBuilder b, final int[] group, final int rootPos, final int buf, final int off,
                              final int count, final int chunk) {
        final int m = group.length;
        final int pos = position(group, b.rank());
        if (m < 2 || pos < 0) {
            return;
        }
        final int vr = Math.floorMod(pos - rootPos, m);
        int mask = 1;
        while (mask < m) {
            if ((vr & mask) != 0) {
                recvChunked(b, group[(vr - mask + rootPos) % m], buf, off, count, false, chunk);
                break;
            }
            mask <<= 1;
        }
        for (mask >>= 1; mask > 0; mask >>= 1) {
            if (vr + mask < m) {
                sendChunked(b, group[(vr + mask + rootPos) % m], buf, off, count, chunk);
            }
        }
    }

    /** Pipelined chain broadcast: root → root+1 → … ; chunk k moves on while chunk k+1 arrives. */
    static void chainBroadcast(final ScheduleBuilder b, final int[] group, final int rootPos, final int buf, final int off,
                               final int count, final int chunk) {
        final int m = group.length;
        final int pos = position(group, b.rank());
        if (m < 2 || pos < 0) {
            return;
        }
        final int vr = Math.floorMod(pos - rootPos, m);
        final int prev = group[(pos - 1 + m) % m];
        final int next = group[(pos + 1) % m];
        for (int c = 0; c < count; c += chunk) {
            final int len = Math.min(chunk, count - c);
            if (vr > 0) {
                b.recv(prev, buf, off + c, len, false);
            }
            if (vr < m - 1) {
                b.send(next, buf, off + c, len);
            }
        }
    }

    /**
     * Hierarchical all-reduce. With the same number M of ranks in every DC: ring reduce-scatter
     * into M shards inside the DC, ring all-reduce of shard i across the DCs among the ranks of local
     * index i, ring all-gather inside the DC. With unequal DCs: binomial reduce to each DC's first
     * rank, ring all-reduce among those leaders, binomial broadcast inside each DC.
     */
    static void hierAllReduce(final ScheduleBuilder b, final Topology topology, final int buf, final int off,
                              final int count, final int chunk) {
        final int rank = b.rank();
        final int dc = topology.dcOf(rank);
        final int[] local = topology.ranksIn(dc);
        final int li = position(local, rank);
        final int dcs = topology.dcCount();
        if (topology.isUniform()) {
            final int m = local.length;
            final int[] cross = new int[dcs];
            for (int d = 0; d < dcs; d++) {
                cross[d] = topology.ranksIn(d)[li];
            }
            final int[] bounds = split(count, m);
            ringReduceScatter(b, local, buf, off, bounds, chunk);
            ringAllReduce(b, cross, buf, off + bounds[li], bounds[li + 1] - bounds[li], chunk);
            ringAllGather(b, local, buf, off, bounds, chunk);
        } else {
            final int[] leaders = new int[dcs];
            for (int d = 0; d < dcs; d++) {
                leaders[d] = topology.ranksIn(d)[0];
            }
            treeReduce(b, local, 0, buf, off, count, chunk);
            if (li == 0) {
                ringAllReduce(b, leaders, buf, off, count, chunk);
            }
            treeBroadcast(b, local, 0, buf, off, count, chunk);
        }
    }

    /**
     * Dissemination barrier (Hensgen, Finkel, Manber 1988): in round k each rank sends an empty
     * message to rank+2^k and waits for one from rank-2^k; ⌈log2 n⌉ rounds.
     */
    static void disseminationBarrier(final ScheduleBuilder b) {
        final int n = b.size();
        final int r = b.rank();
        int lastRecv = -1;
        for (int d = 1; d < n; d <<= 1) {
            b.send((r + d) % n, Schedule.SCRATCH, 0, 0, lastRecv);
            lastRecv = b.recv(Math.floorMod(r - d, n), Schedule.SCRATCH, 0, 0, false, lastRecv);
        }
    }
}
