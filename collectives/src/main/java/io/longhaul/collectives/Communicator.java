package io.longhaul.collectives;

import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.kernel.Hadamard;
import io.longhaul.collectives.schedule.HopLevels;
import io.longhaul.collectives.schedule.Schedule;
import io.longhaul.collectives.schedule.Schedules;
import io.longhaul.collectives.schedule.Step;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * One rank's handle on a group of ranks: all-reduce, reduce-scatter, all-gather, broadcast and
 * barrier, asynchronous ({@code *Async}, returning a {@link CompletableFuture}) or blocking,
 * out-of-place (separate input and output) or in-place (one buffer).
 *
 * <p>Every rank must issue the same collectives in the same order with the same count, type, op,
 * root and algorithm; a disagreement fails the collective on every rank with a
 * {@link CollectiveException} naming both sides. So does a peer that dies, and a collective that
 * outlives {@link CommunicatorConfig#timeoutNs()}. After a failure the communicator refuses new
 * collectives.
 *
 * <p>Buffers: {@link ByteBuffer}s (direct or heap) are used from their position; their contents
 * are little-endian whatever their {@code order()}, and they must not be touched until the
 * future completes. Java arrays ({@code float[]}, {@code double[]}, {@code int[]}, {@code long[]})
 * are copied in and out. Several collectives may be in flight at once.
 *
 * <p>Blocking calls wait on the future, so they need a fabric driven by other threads (in-memory,
 * real transport). On the simulated fabric, start collectives with the async calls and run the
 * network ({@link io.longhaul.collectives.fabric.SimCluster#await}).
 */
public final class Communicator {
    private static final int SCHEDULE_CACHE_SIZE = 64;

    private final Fabric fabric;
    private final Topology topology;
    private final CommunicatorConfig config;
    private final Map<ScheduleKey, Schedule> schedules = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(final Map.Entry<ScheduleKey, Schedule> eldest) {
            return size() > SCHEDULE_CACHE_SIZE;
        }
    };
    private int nextSeq;
    private volatile CollectiveException failure;

    private record ScheduleKey(CollectiveSpec spec, Algorithm algorithm, int chunkElements) {
    }

    private record LevelKey(CollectiveSpec spec, String topology, Algorithm algorithm, int chunkElements) {
    }

    /** Hop levels shared by every communicator of this JVM (they depend on the call and the topology only). */
    private static final Map<LevelKey, HopLevels> LEVELS = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(final Map.Entry<LevelKey, HopLevels> eldest) {
            return size() > SCHEDULE_CACHE_SIZE;
        }
    };
    private final Map<Integer, DeadlinePolicy> deadlines = new java.util.HashMap<>();
    private volatile OperationReport lastReport;
    private volatile BitSet lastAffected;

    public Communicator(final Fabric fabric, final Topology topology, final CommunicatorConfig config) {
        if (topology.size() != fabric.size()) {
            throw new IllegalArgumentException("topology " + topology + " has " + topology.size() + " ranks but the fabric has "
                + fabric.size());
        }
        this.fabric = fabric;
        this.topology = topology;
        this.config = config.copy().validate();
    }

    /** A communicator over a single DC with default configuration. */
    public Communicator(final Fabric fabric) {
        this(fabric, Topology.flat(fabric.size()), new CommunicatorConfig());
    }

    /**
     * A communicator over a subset of this one's ranks (MPI's {@code MPI_Comm_split}, NCCL's
     * {@code ncclCommSplit}): group rank i is this communicator's rank {@code members[i]}, the
     * topology keeps each member's DC (DC indices renumbered in order of first appearance), the
     * configuration is this one's. Its messages travel in {@code tagSpace} (see
     * {@link io.longhaul.collectives.fabric.GroupFabric}), so collectives on the group and on this
     * communicator may run at the same time. Purely local: every member must call it with the same
     * members and tag space, and this rank must be one of them.
     */
    public Communicator group(final int[] members, final int tagSpace) {
        final io.longhaul.collectives.fabric.GroupFabric view = io.longhaul.collectives.fabric.GroupFabric.of(fabric, members, tagSpace);
        final int[] dcIndex = new int[topology.dcCount()];
        java.util.Arrays.fill(dcIndex, -1);
        final int[] dcs = new int[members.length];
        int next = 0;
        for (int i = 0; i < members.length; i++) {
            final int dc = topology.dcOf(members[i]);
            if (dcIndex[dc] < 0) {
                dcIndex[dc] = next++;
            }
            dcs[i] = dcIndex[dc];
        }
        return new Communicator(view, Topology.of(dcs), config);
    }

    /** @return {@link #group} over the ranks of this rank's DC (ascending), in {@code tagSpace}. */
    public Communicator dcGroup(final int tagSpace) {
        return group(topology.ranksIn(topology.dcOf(rank())), tagSpace);
    }

    public int rank() {
        return fabric.rank();
    }

    public int size() {
        return fabric.size();
    }

    public Topology topology() {
        return topology;
    }

    public Fabric fabric() {
        return fabric;
    }

    public CommunicatorConfig config() {
        return config.copy();
    }

    /** @return the algorithm a collective with {@code spec} would run. */
    public Algorithm algorithmFor(final CollectiveSpec spec) {
        return schedule(spec).algorithm();
    }

    /** @return this rank's schedule for {@code spec} (cached). */
    public synchronized Schedule schedule(final CollectiveSpec spec) {
        final int chunkElements = Math.max(1, config.chunkBytes() / spec.type().size());
        final ScheduleKey key = new ScheduleKey(spec, config.algorithm(), chunkElements);
        return schedules.computeIfAbsent(key, k -> Schedules.compile(spec, rank(), topology, config.algorithm(), chunkElements));
    }

    // ------------------------------------------------------------------ core entry point

    /**
     * Runs {@code spec} with raw buffers (elements from each buffer's position).
     *
     * @param input  read-only input; may be the same object as {@code output} only if {@code spec.inPlace()}.
     */
    public CompletableFuture<Void> runAsync(final CollectiveSpec spec, final ByteBuffer input, final ByteBuffer output) {
        return runReportedAsync(spec, input, output).thenApply(r -> null);
    }

    /**
     * As {@link #runAsync}, completing with this rank's {@link OperationReport}. In
     * {@link Mode#BOUNDED} (all-reduce, reduce-scatter and all-gather) the operation runs in
     * bounded time and may return estimates:
     * <ul>
     *   <li>sum: each element is the sum of the contributions that arrived, times n / (their
     *       number), an unbiased estimate of the exact sum when which contributions are lost does
     *       not depend on their values;</li>
     *   <li>avg: the mean of the contributions that arrived;</li>
     *   <li>min, max: the minimum or maximum of the contributions that arrived (never rescaled: a
     *       missing contribution can only make min larger and max smaller);</li>
     *   <li>prod: the product of the contributions that arrived (not rescaled);</li>
     *   <li>all-gather: a block element that never arrived is 0 (reported as affected); inside an
     *       all-reduce a rank that misses part of the gathered result keeps its own partially
     *       reduced value, rescaled by its own count.</li>
     * </ul>
     * A bounded operation at zero loss is bit-for-bit the reliable one (same steps, same order,
     * no rescaling when every contribution arrived).
     */
    public CompletableFuture<OperationReport> runReportedAsync(final CollectiveSpec spec, final ByteBuffer input,
                                                               final ByteBuffer output) {
        return run(spec, input, output, config.mode());
    }

    /**
     * As {@link #runReportedAsync} but always {@link Mode#RELIABLE}, whatever the configured mode:
     * for bookkeeping that must be exact (benchmark statistics, control values).
     */
    public CompletableFuture<OperationReport> runReliableAsync(final CollectiveSpec spec, final ByteBuffer input,
                                                               final ByteBuffer output) {
        return run(spec, input, output, Mode.RELIABLE);
    }

    /** Exact, reliable in-place all-reduce of {@code values} whatever the mode (see {@link #runReliableAsync}). */
    public void allReduceExact(final double[] values, final ReduceOp op) {
        final ArrayBuffers.Wrapped b = ArrayBuffers.wrap(values);
        await(runReliableAsync(new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT64, op, values.length, -1, true), b.buffer(),
            b.buffer()).thenRun(() -> b.copyBack(values)));
    }

    private CompletableFuture<OperationReport> run(final CollectiveSpec spec, final ByteBuffer input, final ByteBuffer output,
                                                   final Mode mode) {
        final CollectiveException broken = failure;
        if (broken != null) {
            return CompletableFuture.failedFuture(new CollectiveException("communicator of rank " + rank()
                + " is unusable after an earlier failure: " + broken.getMessage(), broken));
        }
        final int n = size();
        final long inBytes = spec.inputCount(n) * spec.type().size();
        final long outBytes = spec.outputCount(n) * spec.type().size();
        final ByteBuffer in = spec.inPlace() ? null : window(input, inBytes, "input");
        final ByteBuffer out = window(output, outBytes, "output");
        final boolean bounded = mode == Mode.BOUNDED && (spec.collective() == Collective.ALL_REDUCE
            || spec.collective() == Collective.REDUCE_SCATTER || spec.collective() == Collective.ALL_GATHER);
        final boolean hadamard = bounded && config.hadamard();
        if (hadamard) {
            if (spec.collective() != Collective.ALL_REDUCE) {
                throw new IllegalArgumentException("the Hadamard transform applies to all-reduce only, not " + spec.collective().ncclName());
            }
            if (spec.type() != DataType.FLOAT32 && spec.type() != DataType.FLOAT64) {
                throw new IllegalArgumentException("the Hadamard transform needs float or double data, not " + spec.type().ncclName());
            }
            if (spec.op() != ReduceOp.SUM && spec.op() != ReduceOp.AVG) {
                throw new IllegalArgumentException("the Hadamard transform needs a linear op (sum or avg), not " + spec.op().ncclName());
            }
        }
        final CollectiveSpec runSpec = hadamard && !spec.inPlace()
            ? new CollectiveSpec(spec.collective(), spec.type(), spec.op(), spec.count(), spec.root(), true) : spec;
        final ByteBuffer inView;
        if (runSpec.inPlace()) {
            inView = spec.collective() == Collective.ALL_GATHER
                ? out.duplicate().position((int) ((long) rank() * spec.count() * spec.type().size())).slice()
                : out;
        } else {
            inView = in;
        }
        final Schedule schedule = schedule(runSpec);
        final int seq;
        synchronized (this) {
            seq = nextSeq++;
        }
        final ScheduleRunner runner;
        final long hadamardSeed = config.hadamardSeed() * 0x9E3779B97F4A7C15L + seq;
        if (bounded) {
            final HopLevels levels = hopLevels(runSpec, schedule.algorithm());
            final BoundedScope scope = config.boundedScope().resolve(schedule.algorithm());
            final boolean[] flags = new boolean[schedule.steps().size()];
            long rttFloor = -1;
            final boolean[] asked = new boolean[n];
            for (final Step st : schedule.steps()) {
                if (st.kind() == Step.Kind.SEND || st.kind() == Step.Kind.RECV) {
                    flags[st.index()] = scope == BoundedScope.ALL || topology.dcOf(st.peer()) != topology.dcOf(rank());
                    if (flags[st.index()] && !asked[st.peer()]) {
                        asked[st.peer()] = true;
                        rttFloor = Math.max(rttFloor, fabric.rttNs(st.peer()));
                    }
                }
            }
            final DeadlinePolicy policy = deadlinePolicy((long) spec.count() * spec.type().size());
            final long budget = policy.budgetNs(rttFloor, levels.maxLevel(), config.timeoutNs());
            if (hadamard) {
                if (!spec.inPlace()) {
                    out.put(0, in, 0, (int) inBytes);
                }
                Hadamard.forward(spec.type(), out, 0, spec.count(), config.hadamardBlock(), hadamardSeed);
            }
            runner = new ScheduleRunner(schedule, runSpec, seq, fabric, inView, out, config.timeoutNs(),
                new ScheduleRunner.BoundedPlan(levels.levels(rank()), levels.messageLevels(rank()), flags, budget, n, policy));
        } else {
            runner = new ScheduleRunner(schedule, runSpec, seq, fabric, inView, out, config.timeoutNs());
        }
        final CompletableFuture<OperationReport> f = runner.start().thenApply(v -> {
            OperationReport report = runner.report();
            final short[] counts = runner.outputCounts();
            BitSet affected = null;
            if (bounded && !hadamard) {
                affected = new BitSet(counts.length);
                final boolean gather = spec.collective() == Collective.ALL_GATHER;
                for (int e = 0; e < counts.length; e++) {
                    if (gather ? counts[e] == 0 : counts[e] != n) {
                        affected.set(e);
                    }
                }
            }
            if (hadamard) {
                Hadamard.inverse(spec.type(), out, 0, spec.count(), config.hadamardBlock(), hadamardSeed);
                affected = new BitSet(counts.length);
                int start = 0;
                while (start < spec.count()) {
                    final int size = Hadamard.blockAt(start, spec.count(), config.hadamardBlock());
                    for (int e = start; e < start + size; e++) {
                        if (counts[e] != n) {
                            affected.set(start, start + size);
                            break;
                        }
                    }
                    start += size;
                }
                report = report.withAffected(affected.cardinality());
            }
            lastAffected = affected;
            lastReport = report;
            return report;
        });
        f.whenComplete((v, e) -> {
            if (e != null && failure == null) {
                failure = unwrap(e);
            }
        });
        return f;
    }

    /**
     * @return the output elements the last operation on this rank marked as affected (see
     * {@link OperationReport#affectedElements()}), or null if it was reliable.
     */
    public BitSet lastAffected() {
        return lastAffected;
    }

    /** @return the report of the last operation that completed on this rank, or null. */
    public OperationReport lastReport() {
        return lastReport;
    }

    /** @return the per-hop budget policy of this communicator's bounded operations of {@code bytes} per rank (by size class). */
    public DeadlinePolicy deadlinePolicy(final long bytes) {
        final int sizeClass = 64 - Long.numberOfLeadingZeros(Math.max(1, bytes));
        synchronized (deadlines) {
            return deadlines.computeIfAbsent(sizeClass, k -> new DeadlinePolicy(config.deadlineNs()));
        }
    }

    private HopLevels hopLevels(final CollectiveSpec spec, final Algorithm algorithm) {
        final int chunkElements = Math.max(1, config.chunkBytes() / spec.type().size());
        final LevelKey key = new LevelKey(spec, topology.toString(), algorithm, chunkElements);
        synchronized (LEVELS) {
            final HopLevels cached = LEVELS.get(key);
            if (cached != null) {
                return cached;
            }
        }
        final List<Schedule> all = new ArrayList<>();
        for (int r = 0; r < size(); r++) {
            all.add(r == rank() ? schedule(spec) : Schedules.compile(spec, r, topology, algorithm, chunkElements));
        }
        final HopLevels levels = HopLevels.compute(all);
        synchronized (LEVELS) {
            LEVELS.put(key, levels);
        }
        return levels;
    }

    private static ByteBuffer window(final ByteBuffer b, final long bytes, final String what) {
        if (b == null) {
            if (bytes == 0) {
                return ByteBuffer.allocate(0);
            }
            throw new IllegalArgumentException(what + " buffer is null");
        }
        if (b.remaining() < bytes) {
            throw new IllegalArgumentException(what + " buffer has " + b.remaining() + " bytes remaining; the collective needs "
                + bytes);
        }
        if (b.isReadOnly() && what.equals("output")) {
            throw new IllegalArgumentException("output buffer is read-only");
        }
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN).slice().limit((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ------------------------------------------------------------------ ByteBuffer API

    public CompletableFuture<Void> allReduceAsync(final ByteBuffer send, final ByteBuffer recv, final int count,
                                                  final DataType type, final ReduceOp op) {
        final boolean inPlace = send == recv;
        return runAsync(new CollectiveSpec(Collective.ALL_REDUCE, type, op, count, -1, inPlace), send, recv);
    }

    /** In-place all-reduce of {@code buffer}. */
    public CompletableFuture<Void> allReduceAsync(final ByteBuffer buffer, final int count, final DataType type, final ReduceOp op) {
        return allReduceAsync(buffer, buffer, count, type, op);
    }

    public void allReduce(final ByteBuffer send, final ByteBuffer recv, final int count, final DataType type, final ReduceOp op) {
        await(allReduceAsync(send, recv, count, type, op));
    }

    public void allReduce(final ByteBuffer buffer, final int count, final DataType type, final ReduceOp op) {
        await(allReduceAsync(buffer, count, type, op));
    }

    /**
     * Reduce-scatter: {@code send} holds size()·recvCount elements; rank r receives the reduction
     * of block r. In place when {@code send == recv}: the result lands in block {@code rank} of the buffer.
     */
    public CompletableFuture<Void> reduceScatterAsync(final ByteBuffer send, final ByteBuffer recv, final int recvCount,
                                                      final DataType type, final ReduceOp op) {
        if (send == recv) {
            final ByteBuffer block = send.duplicate().position(send.position() + rank() * recvCount * type.size()).slice();
            return runAsync(new CollectiveSpec(Collective.REDUCE_SCATTER, type, op, recvCount, -1, false), send, block);
        }
        return runAsync(new CollectiveSpec(Collective.REDUCE_SCATTER, type, op, recvCount, -1, false), send, recv);
    }

    public void reduceScatter(final ByteBuffer send, final ByteBuffer recv, final int recvCount, final DataType type,
                              final ReduceOp op) {
        await(reduceScatterAsync(send, recv, recvCount, type, op));
    }

    /**
     * All-gather: every rank contributes {@code sendCount} elements; {@code recv} receives
     * size()·sendCount, rank r's block at r·sendCount. In place when {@code send == recv}: the
     * contribution is read from block {@code rank} of the buffer.
     */
    public CompletableFuture<Void> allGatherAsync(final ByteBuffer send, final ByteBuffer recv, final int sendCount,
                                                  final DataType type) {
        final boolean inPlace = send == recv;
        return runAsync(new CollectiveSpec(Collective.ALL_GATHER, type, ReduceOp.SUM, sendCount, -1, inPlace), send, recv);
    }

    public void allGather(final ByteBuffer send, final ByteBuffer recv, final int sendCount, final DataType type) {
        await(allGatherAsync(send, recv, sendCount, type));
    }

    /** Broadcast: {@code root}'s {@code send} lands in every rank's {@code recv} (send is read on the root only). */
    public CompletableFuture<Void> broadcastAsync(final ByteBuffer send, final ByteBuffer recv, final int count,
                                                  final DataType type, final int root) {
        final boolean inPlace = send == recv || rank() != root;
        return runAsync(new CollectiveSpec(Collective.BROADCAST, type, ReduceOp.SUM, count, root, inPlace),
            rank() == root ? send : recv, recv);
    }

    /** In-place broadcast of {@code buffer} from {@code root}. */
    public CompletableFuture<Void> broadcastAsync(final ByteBuffer buffer, final int count, final DataType type, final int root) {
        return broadcastAsync(buffer, buffer, count, type, root);
    }

    public void broadcast(final ByteBuffer send, final ByteBuffer recv, final int count, final DataType type, final int root) {
        await(broadcastAsync(send, recv, count, type, root));
    }

    public void broadcast(final ByteBuffer buffer, final int count, final DataType type, final int root) {
        await(broadcastAsync(buffer, count, type, root));
    }

    public CompletableFuture<Void> barrierAsync() {
        return runAsync(new CollectiveSpec(Collective.BARRIER, DataType.INT32, ReduceOp.SUM, 0, -1, true), null, null);
    }

    public void barrier() {
        await(barrierAsync());
    }

    // ------------------------------------------------------------------ arrays

    /** Out-of-place all-reduce of float arrays (lengths must match). */
    public void allReduce(final float[] send, final float[] recv, final ReduceOp op) {
        await(allReduceArraysAsync(send, recv, op));
    }

    public void allReduce(final float[] buffer, final ReduceOp op) {
        await(allReduceArraysAsync(buffer, buffer, op));
    }

    public void allReduce(final double[] send, final double[] recv, final ReduceOp op) {
        await(allReduceArraysAsync(send, recv, op));
    }

    public void allReduce(final double[] buffer, final ReduceOp op) {
        await(allReduceArraysAsync(buffer, buffer, op));
    }

    public void allReduce(final int[] send, final int[] recv, final ReduceOp op) {
        await(allReduceArraysAsync(send, recv, op));
    }

    public void allReduce(final int[] buffer, final ReduceOp op) {
        await(allReduceArraysAsync(buffer, buffer, op));
    }

    public void allReduce(final long[] send, final long[] recv, final ReduceOp op) {
        await(allReduceArraysAsync(send, recv, op));
    }

    public void allReduce(final long[] buffer, final ReduceOp op) {
        await(allReduceArraysAsync(buffer, buffer, op));
    }

    /**
     * All-reduce of Java arrays ({@code float[]}, {@code double[]}, {@code int[]} or {@code long[]},
     * both of the same type and length; the same array for in place). {@code recv} is written when
     * the future completes.
     */
    public CompletableFuture<Void> allReduceArraysAsync(final Object send, final Object recv, final ReduceOp op) {
        final ArrayBuffers.Wrapped in = ArrayBuffers.wrap(send);
        final ArrayBuffers.Wrapped out = send == recv ? in : ArrayBuffers.wrap(recv);
        ArrayBuffers.requireSame(in, out, in.count());
        return allReduceAsync(in.buffer(), out.buffer(), in.count(), in.type(), op).thenRun(() -> out.copyBack(recv));
    }

    /** All-gather of arrays: {@code recv.length == size() * send.length}. */
    public void allGather(final Object send, final Object recv) {
        final ArrayBuffers.Wrapped in = ArrayBuffers.wrap(send);
        final ArrayBuffers.Wrapped out = ArrayBuffers.wrap(recv);
        ArrayBuffers.requireSame(in, out, in.count() * size());
        await(allGatherAsync(in.buffer(), out.buffer(), in.count(), in.type()).thenRun(() -> out.copyBack(recv)));
    }

    /** Reduce-scatter of arrays: {@code send.length == size() * recv.length}. */
    public void reduceScatter(final Object send, final Object recv, final ReduceOp op) {
        final ArrayBuffers.Wrapped in = ArrayBuffers.wrap(send);
        final ArrayBuffers.Wrapped out = ArrayBuffers.wrap(recv);
        ArrayBuffers.requireSame(out, in, out.count() * size());
        await(reduceScatterAsync(in.buffer(), out.buffer(), out.count(), in.type(), op).thenRun(() -> out.copyBack(recv)));
    }

    /** In-place broadcast of an array from {@code root}. */
    public void broadcast(final Object array, final int root) {
        final ArrayBuffers.Wrapped b = ArrayBuffers.wrap(array);
        await(broadcastAsync(b.buffer(), b.count(), b.type(), root).thenRun(() -> b.copyBack(array)));
    }

    // ------------------------------------------------------------------ helpers

    /** Waits for {@code f}; failures surface as {@link CollectiveException}. */
    public static void await(final CompletableFuture<?> f) {
        try {
            f.get();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while waiting for a collective", e);
        } catch (final ExecutionException e) {
            throw unwrap(e);
        }
    }

    static CollectiveException unwrap(final Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof CollectiveException ? (CollectiveException) t : new CollectiveException(String.valueOf(t.getMessage()), t);
    }

    @Override
    public String toString() {
        return "Communicator[rank=" + rank() + "/" + size() + ", topology=" + topology + ", " + config + "]";
    }
}
