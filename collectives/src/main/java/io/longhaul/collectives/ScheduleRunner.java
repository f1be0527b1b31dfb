package io.longhaul.collectives;

import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.fabric.PeerFailureException;
import io.longhaul.collectives.fabric.Received;
import io.longhaul.collectives.kernel.Reductions;
import io.longhaul.collectives.schedule.Schedule;
import io.longhaul.collectives.schedule.Step;
import io.longhaul.transport.core.MissingRanges;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one rank's {@link Schedule} over a {@link Fabric}. Every RECV is posted at the start, so
 * messages may arrive in any order; a step runs as soon as its dependencies completed, so every
 * independent chunk is in flight at once. SEND copies its region behind a {@link MessageHeader}
 * and hands the copy to the fabric, so the region is free again at once.
 *
 * <p>Events (arrivals, send failures, the timeout, aborts) come from any thread; they are queued
 * and drained by one thread at a time (whichever signalled first), so the runner's state needs no
 * lock and callbacks never block.
 *
 * <p>Failure: a mismatched header, a failed peer or the timeout fail this rank's future with a
 * {@link CollectiveException} and send an abort message to every other rank, whose runners then
 * fail with the original reason, so no rank waits for the timeout when one rank knows better.
 *
 * <p><b>Bounded mode</b> (given a {@link BoundedPlan}): every message carries, besides its
 * payload, a table of how many ranks contributed to each of its elements (run-length encoded,
 * once after the header and once at the end, so one lost packet rarely loses both). The RECV of
 * hop level L of a bounded message is due at start + L·budget; a message that has not arrived by
 * then is discarded and treated as wholly missing, and the sender stops repairing it in time for
 * that deadline. An element combines only what arrived: reductions add the sender's counts to the
 * receiver's, copies take the sender's value and count where it arrived and keep the rank's own
 * (partial) value and count where it did not. At the end, sum is rescaled by n / count and avg
 * divides by count instead of n, element by element (never when count = n, so a loss-free run
 * is bit-for-bit the reliable one); min, max and prod are the op over the contributions that
 * arrived; an all-gather element that never arrived is zero. See {@link OperationReport}.
 */
public final class ScheduleRunner {
    /** Largest number of runs in a message's contribution-count table. */
    static final int MAX_COUNT_RUNS = 64;
    private static final int RUN_BYTES = 8;
    /** The body of a SEND of no elements. */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /**
     * How a bounded operation runs on this rank.
     *
     * @param levels        hop level of each of this rank's steps ({@link io.longhaul.collectives.schedule.HopLevels}).
     * @param messageLevels for each SEND, the hop level of the matching RECV at the peer.
     * @param bounded       for each SEND and RECV, whether the message is bounded (else reliable).
     * @param budgetNs      per-hop budget.
     * @param contributors  ranks whose contributions make a complete element (the world size).
     * @param policy        where to report the operation's per-hop sample (may be null).
     */
    record BoundedPlan(int[] levels, int[] messageLevels, boolean[] bounded, long budgetNs, int contributors,
                       DeadlinePolicy policy) {
    }

    private final Schedule schedule;
    private final CollectiveSpec spec;
    private final int seq;
    private final Fabric fabric;
    private final ByteBuffer[] buffers;
    private final long timeoutNs;
    private final int elementSize;
    private final int[] pendingDeps;
    private final boolean[] depsMet;
    private final boolean[] done;
    private final ByteBuffer[] arrived;
    private final List<CompletableFuture<ByteBuffer>> receives = new ArrayList<>();
    private final List<CompletableFuture<Received>> bounded = new ArrayList<>();
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private Fabric.Timer timer;
    private int completed;
    private boolean finished;
    /** In-place sends the fabric may still read (runner thread only). */
    private final List<InPlaceSend> inPlaceSends = new ArrayList<>();
    private long startNs;
    // bounded mode
    private final BoundedPlan plan;
    private final short[][] counts;
    private final Received[] arrivedMessage;
    private final boolean[] missed;
    private final int[] deadlineLevels;
    private int nextDeadline;
    private Fabric.Timer deadlineTimer;
    private short[] incoming;
    private final int[] runLengths = new int[MAX_COUNT_RUNS];
    private final short[] runCounts = new short[MAX_COUNT_RUNS];
    private long expectedBytes;
    private long receivedBytes;
    private int messages;
    private int partialMessages;
    private int missedMessages;
    private int tablesTruncated;
    private long maxPerHopNs;
    private boolean anyBoundedArrival;
    private OperationReport report;

    /**
     * @param input   the caller's input (position 0 = element 0), or null if the schedule never reads it.
     * @param output  the caller's output, or null if the schedule never writes it.
     */
    public ScheduleRunner(final Schedule schedule, final CollectiveSpec spec, final int seq, final Fabric fabric,
                          final ByteBuffer input, final ByteBuffer output, final long timeoutNs) {
        this(schedule, spec, seq, fabric, input, output, timeoutNs, null);
    }

    ScheduleRunner(final Schedule schedule, final CollectiveSpec spec, final int seq, final Fabric fabric,
                   final ByteBuffer input, final ByteBuffer output, final long timeoutNs, final BoundedPlan plan) {
        this.plan = plan;
        this.schedule = schedule;
        this.spec = spec;
        this.seq = seq;
        this.fabric = fabric;
        this.timeoutNs = timeoutNs;
        this.elementSize = spec.type().size();
        this.buffers = new ByteBuffer[] {
            input == null ? null : input.duplicate().order(ByteOrder.LITTLE_ENDIAN),
            output == null ? null : output.duplicate().order(ByteOrder.LITTLE_ENDIAN),
            schedule.scratchCount() == 0 ? null
                : ByteBuffer.allocateDirect(Math.multiplyExact(schedule.scratchCount(), elementSize)).order(ByteOrder.LITTLE_ENDIAN)
        };
        final int n = schedule.steps().size();
        pendingDeps = new int[n];
        depsMet = new boolean[n];
        done = new boolean[n];
        arrived = new ByteBuffer[n];
        if (plan != null) {
            arrivedMessage = new Received[n];
            missed = new boolean[n];
            counts = new short[3][];
            final int outCount = output == null ? 0 : output.remaining() / elementSize;
            counts[Schedule.OUTPUT] = new short[outCount];
            counts[Schedule.SCRATCH] = new short[schedule.scratchCount()];
            if (spec.inPlace()) {
                if (spec.collective() == Collective.ALL_GATHER) {
                    Arrays.fill(counts[Schedule.OUTPUT], schedule.rank() * spec.count(), (schedule.rank() + 1) * spec.count(), (short) 1);
                } else {
                    Arrays.fill(counts[Schedule.OUTPUT], (short) 1);
                }
            }
            final java.util.TreeSet<Integer> levels = new java.util.TreeSet<>();
            int maxRecv = 0;
            for (final Step s : schedule.steps()) {
                if (s.kind() == Step.Kind.RECV) {
                    maxRecv = Math.max(maxRecv, s.count());
                    if (plan.bounded()[s.index()]) {
                        levels.add(plan.levels()[s.index()]);
                    }
                }
            }
            incoming = new short[maxRecv];
            deadlineLevels = levels.stream().mapToInt(Integer::intValue).toArray();
        } else {
            arrivedMessage = null;
            missed = null;
            counts = null;
            deadlineLevels = new int[0];
        }
        for (final Step s : schedule.steps()) {
            pendingDeps[s.index()] = s.deps().length;
            if ((s.kind() == Step.Kind.SEND || s.kind() == Step.Kind.RECV) && s.tag() > MessageHeader.MAX_STEP_TAG) {
                throw new IllegalArgumentException("schedule needs " + s.tag() + " messages to one peer; the limit is "
                    + MessageHeader.MAX_STEP_TAG + " (raise chunkBytes)");
            }
        }
    }

    /** Starts the schedule; the future completes when every step has. */
    public CompletableFuture<Void> start() {
        signal(this::begin);
        return result;
    }

    private void signal(final Runnable event) {
        events.add(event);
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Runnable e;
            while ((e = events.poll()) != null) {
                try {
                    e.run();
                    runReady();
                } catch (final RuntimeException ex) {
                    fail("internal error: " + ex, ex, true);
                }
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void begin() {
        startNs = fabric.nowNs();
        for (final Step s : schedule.steps()) {
            if (s.kind() == Step.Kind.RECV) {
                final int index = s.index();
                if (plan != null) {
                    final CompletableFuture<Received> f = fabric.receiveMessage(s.peer(), MessageHeader.fabricTag(seq, s.tag()));
                    bounded.add(f);
                    f.whenComplete((msg, err) -> signal(() -> onBoundedArrival(index, msg, err)));
                } else {
                    final CompletableFuture<ByteBuffer> f = fabric.receive(s.peer(), MessageHeader.fabricTag(seq, s.tag()));
                    receives.add(f);
                    f.whenComplete((buf, err) -> signal(() -> onArrival(index, buf, err)));
                }
            }
        }
        for (int p = 0; p < fabric.size(); p++) {
            if (p != fabric.rank()) {
                final int peer = p;
                final CompletableFuture<ByteBuffer> f = fabric.receive(p, MessageHeader.fabricTag(seq, MessageHeader.ABORT_STEP));
                receives.add(f);
                f.whenComplete((buf, err) -> {
                    if (buf != null) {
                        signal(() -> fail("rank " + peer + " aborted it: " + MessageHeader.abortReason(buf), null, false));
                    }
                });
            }
        }
        timer = fabric.schedule(timeoutNs, () -> signal(this::onTimeout));
        scheduleNextDeadline();
        for (final int s : schedule.sources()) {
            ready.add(s);
        }
        if (schedule.steps().isEmpty()) {
            finish();
        }
    }

    private void runReady() {
        Integer next;
        while (!finished && (next = ready.poll()) != null) {
            execute(schedule.step(next));
        }
    }

    private ByteBuffer buffer(final int id) {
        final ByteBuffer b = buffers[id];
        if (b == null) {
            throw new IllegalStateException("schedule step uses buffer " + id + " which was not provided");
        }
        return b;
    }

    private void execute(final Step s) {
        switch (s.kind()) {
            case SEND: {
                if (plan != null) {
                    sendBounded(s);
                    complete(s.index());
                    break;
                }
                // The region is sent in place; a later write to it first has the fabric let go of
                // it (see writable).
                final int bytes = s.count() * elementSize;
                final ByteBuffer header = ByteBuffer.allocate(MessageHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
                MessageHeader.write(header, seq, spec, schedule.algorithm(), s.tag(), bytes, fabric.rank());
                final int from = s.offset() * elementSize;
                final ByteBuffer body = bytes == 0 ? EMPTY : buffer(s.buffer()).duplicate().limit(from + bytes).position(from);
                final int peer = s.peer();
                final CompletableFuture<Void> sending = fabric.send(peer, MessageHeader.fabricTag(seq, s.tag()), header, body);
                final InPlaceSend sent = bytes == 0 ? null : new InPlaceSend(memory(s.buffer()), from, from + bytes, sending);
                if (sent != null) {
                    inPlaceSends.add(sent);
                }
                sending.whenComplete((v, err) -> signal(() -> {
                    inPlaceSends.remove(sent);
                    if (err != null) {
                        onPeerError(peer, "sending to it", err);
                    }
                }));
                complete(s.index());
                break;
            }
            case RECV:
                depsMet[s.index()] = true;
                if (plan != null) {
                    if (arrivedMessage[s.index()] != null || missed[s.index()]) {
                        applyBounded(s);
                    }
                } else if (arrived[s.index()] != null) {
                    apply(s);
                }
                break;
            case COPY: {
                if (!writable(s, () -> execute(s))) {
                    break;
                }
                final int bytes = s.count() * elementSize;
                buffer(s.buffer()).put(s.offset() * elementSize, buffer(s.srcBuffer()), s.srcOffset() * elementSize, bytes);
                if (plan != null) {
                    final short[] dst = counts[s.buffer()];
                    final short[] src = counts[s.srcBuffer()];
                    if (src == null) {
                        Arrays.fill(dst, s.offset(), s.offset() + s.count(), (short) 1);
                    } else {
                        System.arraycopy(src, s.srcOffset(), dst, s.offset(), s.count());
                    }
                }
                complete(s.index());
                break;
            }
            case REDUCE:
                if (!writable(s, () -> execute(s))) {
                    break;
                }
                Reductions.reduce(spec.type(), spec.op(), buffer(s.buffer()), s.offset() * elementSize,
                    buffer(s.srcBuffer()), s.srcOffset() * elementSize, s.count());
                if (plan != null) {
                    final short[] dst = counts[s.buffer()];
                    final short[] src = counts[s.srcBuffer()];
                    for (int i = 0; i < s.count(); i++) {
                        dst[s.offset() + i] += src == null ? 1 : src[s.srcOffset() + i];
                    }
                }
                complete(s.index());
                break;
            case DIVIDE:
                if (!writable(s, () -> execute(s))) {
                    break;
                }
                if (plan != null) {
                    divideByCounts(s);
                } else {
                    Reductions.divide(spec.type(), buffer(s.buffer()), s.offset() * elementSize, s.count(), schedule.size());
                }
                complete(s.index());
                break;
            default:
                throw new IllegalStateException("unknown step kind " + s.kind());
        }
    }

    private void onArrival(final int index, final ByteBuffer message, final Throwable err) {
        if (finished) {
            return;
        }
        final Step s = schedule.step(index);
        if (err != null) {
            onPeerError(s.peer(), "waiting for its message", err);
            return;
        }
        final String problem = MessageHeader.check(message, seq, spec, schedule.algorithm(), s.tag(), s.count() * elementSize, true);
        if (problem != null) {
            fail(problem, null, true);
            return;
        }
        arrived[index] = message;
        if (depsMet[index]) {
            apply(s);
        }
    }

    private void apply(final Step s) {
        if (!writable(s, () -> apply(s))) {
            return;
        }
        final ByteBuffer message = arrived[s.index()];
        arrived[s.index()] = null;
        if (s.count() > 0) {
            final ByteBuffer payload = message.duplicate().position(message.position() + MessageHeader.LENGTH).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer dst = buffer(s.buffer());
            if (s.reduce()) {
                Reductions.reduce(spec.type(), spec.op(), dst, s.offset() * elementSize, payload, 0, s.count());
            } else {
                dst.put(s.offset() * elementSize, payload, 0, s.count() * elementSize);
            }
        }
        fabric.release(message);
        complete(s.index());
    }

    private void complete(final int index) {
        done[index] = true;
        completed++;
        for (final int d : schedule.dependents(index)) {
            if (--pendingDeps[d] == 0) {
                ready.add(d);
            }
        }
        if (completed == schedule.steps().size()) {
            if (inPlaceSends.isEmpty()) {
                finish();
            } else {
                // The caller gets its buffers back with the result: the fabric copies what it
                // still has to send rather than hold the operation for the acknowledgements.
                whenReleased(new ArrayList<>(inPlaceSends), () -> {
                    if (!finished) {
                        finish();
                    }
                });
            }
        }
    }

    /** An in-place send: which memory it reads ({@link #memory}), the byte range, and the fabric's future. */
    private static final class InPlaceSend {
        final int memory;
        final long from;
        final long to;
        final CompletableFuture<Void> sending;
        /** Once asked: completes when the fabric no longer reads the range. */
        CompletableFuture<Void> detached;

        InPlaceSend(final int memory, final long from, final long to, final CompletableFuture<Void> sending) {
            this.memory = memory;
            this.from = from;
            this.to = to;
            this.sending = sending;
        }
    }

    /** Input and output may be the same memory (in place): writes to one are writes to the other. */
    private static int memory(final int buffer) {
        return buffer == Schedule.INPUT ? Schedule.OUTPUT : buffer;
    }

    /**
     * @return whether step {@code s} may write its region now: no in-place send still reads it.
     *         Otherwise the fabric is asked to copy what those sends still need and {@code retry}
     *         runs once it has; the step waits for a copy of what is still in flight, never for an
     *         acknowledgement.
     */
    private boolean writable(final Step s, final Runnable retry) {
        if (inPlaceSends.isEmpty() || s.count() == 0) {
            return true;
        }
        final int memory = memory(s.buffer());
        final long from = (long) s.offset() * elementSize;
        final long to = from + (long) s.count() * elementSize;
        List<InPlaceSend> readers = null;
        for (final InPlaceSend f : inPlaceSends) {
            if (f.detached != null && f.detached.isDone()) {
                continue;
            }
            if (f.memory == memory && f.from < to && from < f.to) {
                if (readers == null) {
                    readers = new ArrayList<>();
                }
                readers.add(f);
            }
        }
        if (readers == null) {
            return true;
        }
        whenReleased(readers, retry);
        return false;
    }

    /** Detaches {@code sends} (once each) and runs {@code then} on the runner when all have let go. */
    private void whenReleased(final List<InPlaceSend> sends, final Runnable then) {
        final CompletableFuture<?>[] waits = new CompletableFuture<?>[sends.size()];
        for (int i = 0; i < waits.length; i++) {
            final InPlaceSend f = sends.get(i);
            if (f.detached == null) {
                f.detached = fabric.detach(f.sending);
                f.detached.whenComplete((v, err) -> signal(() -> inPlaceSends.remove(f)));
            }
            waits[i] = f.detached;
        }
        CompletableFuture.allOf(waits).whenComplete((v, err) -> signal(then));
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        cleanup();
        if (plan != null) {
            finishBounded();
        } else {
            long expected = 0;
            int msgs = 0;
            for (final Step s : schedule.steps()) {
                if (s.kind() == Step.Kind.RECV) {
                    expected += (long) s.count() * elementSize;
                    msgs++;
                }
            }
            final long outElements = buffers[Schedule.OUTPUT] == null ? 0 : buffers[Schedule.OUTPUT].remaining() / elementSize;
            report = new OperationReport(fabric.rank(), Mode.RELIABLE, 0, 0, fabric.nowNs() - startNs, expected, expected, msgs, 0, 0,
                outElements, 0, 0);
        }
        result.complete(null);
    }

    private void onPeerError(final int peer, final String doing, final Throwable err) {
        final Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        final String what = cause instanceof PeerFailureException ? cause.getMessage() : String.valueOf(cause);
        fail("rank " + peer + " failed while " + doing + ": " + what, cause, true);
    }

    private void onTimeout() {
        if (finished) {
            return;
        }
        final TreeSet<Integer> waitingFor = new TreeSet<>();
        int waitingSteps = 0;
        for (final Step s : schedule.steps()) {
            if (s.kind() == Step.Kind.RECV && !done[s.index()] && arrived[s.index()] == null
                && (plan == null || arrivedMessage[s.index()] == null)) {
                waitingFor.add(s.peer());
                waitingSteps++;
            }
        }
        fail("timed out after " + timeoutNs / 1_000_000 + " ms with " + completed + " of " + schedule.steps().size()
            + " steps done; waiting for " + waitingSteps + " message(s) from rank(s) " + waitingFor, null, true);
    }

    private void fail(final String reason, final Throwable cause, final boolean broadcast) {
        if (finished) {
            return;
        }
        finished = true;
        cleanup();
        for (final InPlaceSend f : inPlaceSends) {
            // Failed or not, the caller may reuse its buffers now: the fabric stops reading them.
            if (f.detached == null) {
                f.detached = fabric.detach(f.sending);
            }
        }
        final String message = MessageHeader.describe(spec.collective(), spec.type(), spec.op(), schedule.algorithm(), spec.count(),
            spec.root()) + " #" + seq + " failed on rank " + fabric.rank() + " of " + fabric.size() + ": " + reason;
        if (broadcast) {
            for (int p = 0; p < fabric.size(); p++) {
                if (p != fabric.rank()) {
                    fabric.send(p, MessageHeader.fabricTag(seq, MessageHeader.ABORT_STEP), MessageHeader.abort(seq, fabric.rank(), message));
                }
            }
        }
        result.completeExceptionally(new CollectiveException(message, cause));
    }

    private void cleanup() {
        if (timer != null) {
            timer.cancel();
        }
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
        }
        for (final CompletableFuture<ByteBuffer> f : receives) {
            f.cancel(false);
        }
        if (plan != null) {
            for (final Step s : schedule.steps()) {
                if (s.kind() == Step.Kind.RECV && !done[s.index()] && arrivedMessage[s.index()] == null) {
                    fabric.discard(s.peer(), MessageHeader.fabricTag(seq, s.tag()));
                }
            }
            for (final CompletableFuture<Received> f : bounded) {
                f.cancel(false);
            }
        }
    }

    /** @return this rank's report of the operation, once the future completed normally (else null). */
    public OperationReport report() {
        return report;
    }

    /** @return per-element contribution counts of the output (bounded mode, after completion), else null. */
    short[] outputCounts() {
        return counts == null ? null : counts[Schedule.OUTPUT];
    }

    // ------------------------------------------------------------------ bounded mode

    private void scheduleNextDeadline() {
        if (nextDeadline >= deadlineLevels.length || finished) {
            return;
        }
        final int level = deadlineLevels[nextDeadline];
        final long due = startNs + level * plan.budgetNs();
        deadlineTimer = fabric.schedule(Math.max(0, due - fabric.nowNs()), () -> signal(() -> onDeadline(level)));
    }

    /** Hop {@code level}'s budget ran out: every bounded RECV up to it that has not arrived is missing. */
    private void onDeadline(final int level) {
        if (finished) {
            return;
        }
        nextDeadline++;
        for (final Step s : schedule.steps()) {
            final int i = s.index();
            if (s.kind() == Step.Kind.RECV && plan.bounded()[i] && plan.levels()[i] <= level && arrivedMessage[i] == null
                && !missed[i] && !done[i]) {
                missed[i] = true;
                fabric.discard(s.peer(), MessageHeader.fabricTag(seq, s.tag()));
                if (depsMet[i]) {
                    applyBounded(s);
                }
            }
        }
        scheduleNextDeadline();
    }

    private void onBoundedArrival(final int index, final Received message, final Throwable err) {
        if (finished || missed[index]) {
            return;
        }
        final Step s = schedule.step(index);
        if (err != null) {
            onPeerError(s.peer(), "waiting for its message", err);
            return;
        }
        final ByteBuffer m = message.data();
        if (!rangeMissing(message.missing(), 0, MessageHeader.LENGTH)) {
            final String problem = MessageHeader.check(m, seq, spec, schedule.algorithm(), s.tag(), s.count() * elementSize, false);
            if (problem != null) {
                fail(problem, null, true);
                return;
            }
        }
        if (plan.bounded()[index]) {
            anyBoundedArrival = true;
            final int level = Math.max(1, plan.levels()[index]);
            maxPerHopNs = Math.max(maxPerHopNs, (fabric.nowNs() - startNs) / level);
        }
        arrivedMessage[index] = message;
        if (depsMet[index]) {
            applyBounded(s);
        }
    }

    private static boolean rangeMissing(final MissingRanges missing, final long from, final long length) {
        for (int i = 0; i < missing.count(); i++) {
            if (missing.offset(i) < from + length && from < missing.offset(i) + missing.length(i)) {
                return true;
            }
        }
        return false;
    }

    private void sendBounded(final Step s) {
        final int k = s.count();
        final int payload = k * elementSize;
        final short[] src = counts[s.buffer()];
        int runs = 0;
        if (k > 0) {
            if (src == null) {
                runLengths[0] = k;
                runCounts[0] = 1;
                runs = 1;
            } else {
                int i = 0;
                while (i < k) {
                    final short c = src[s.offset() + i];
                    int j = i + 1;
                    while (j < k && src[s.offset() + j] == c) {
                        j++;
                    }
                    if (runs == MAX_COUNT_RUNS - 1 && j < k) {
                        // table full: the rest goes as not contributing
                        runLengths[runs] = k - i;
                        runCounts[runs] = 0;
                        runs++;
                        tablesTruncated++;
                        break;
                    }
                    runLengths[runs] = j - i;
                    runCounts[runs] = c;
                    runs++;
                    i = j;
                }
            }
        }
        final int table = 4 + RUN_BYTES * runs;
        final ByteBuffer m = ByteBuffer.allocate(MessageHeader.LENGTH + 2 * table + payload).order(ByteOrder.LITTLE_ENDIAN);
        MessageHeader.write(m, seq, spec, schedule.algorithm(), s.tag(), payload, fabric.rank());
        writeTable(m, MessageHeader.LENGTH, runs);
        if (payload > 0) {
            m.put(MessageHeader.LENGTH + table, buffer(s.buffer()), s.offset() * elementSize, payload);
        }
        writeTable(m, MessageHeader.LENGTH + table + payload, runs);
        final int peer = s.peer();
        final int tag = MessageHeader.fabricTag(seq, s.tag());
        final CompletableFuture<Void> sent;
        if (plan.bounded()[s.index()]) {
            final long due = startNs + plan.messageLevels()[s.index()] * plan.budgetNs();
            sent = fabric.send(peer, tag, m, due - plan.budgetNs() / 16);
        } else {
            sent = fabric.send(peer, tag, m);
        }
        sent.whenComplete((v, err) -> {
            if (err != null) {
                signal(() -> onPeerError(peer, "sending to it", err));
            }
        });
    }

    private void writeTable(final ByteBuffer m, final int at, final int runs) {
        m.putInt(at, runs);
        for (int r = 0; r < runs; r++) {
            m.putInt(at + 4 + RUN_BYTES * r, runLengths[r]);
            m.putInt(at + 8 + RUN_BYTES * r, runCounts[r]);
        }
    }

    /**
     * Expands the count table of {@code msg} into {@code incoming[0..k)} and zeroes the elements
     * with a missing byte.
     *
     * @return null, or why the message is malformed.
     */
    private String decode(final Received msg, final int k) {
        Arrays.fill(incoming, 0, k, (short) 0);
        final ByteBuffer m = msg.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        final int base = m.position();
        final int total = m.remaining();
        final int payload = k * elementSize;
        final int rest = total - MessageHeader.LENGTH - payload;
        if (rest < 8 || rest % 2 != 0 || (rest / 2 - 4) % RUN_BYTES != 0) {
            return "bounded message of " + total + " bytes cannot hold a " + payload + "-byte payload and its count tables";
        }
        final int table = rest / 2;
        final int runs = (table - 4) / RUN_BYTES;
        final MissingRanges missing = msg.missing();
        int at;
        if (!rangeMissing(missing, MessageHeader.LENGTH, table)) {
            at = base + MessageHeader.LENGTH;
        } else if (!rangeMissing(missing, MessageHeader.LENGTH + table + payload, table)) {
            at = base + MessageHeader.LENGTH + table + payload;
        } else {
            return null;
        }
        if (m.getInt(at) != runs) {
            return "count table of " + m.getInt(at) + " runs in a table sized for " + runs;
        }
        int e = 0;
        for (int r = 0; r < runs; r++) {
            final int len = m.getInt(at + 4 + RUN_BYTES * r);
            final int c = m.getInt(at + 8 + RUN_BYTES * r);
            if (len < 0 || e + len > k || c < 0 || c > Short.MAX_VALUE) {
                return "count table run " + r + " (" + len + " elements, count " + c + ") does not fit " + k + " elements";
            }
            Arrays.fill(incoming, e, e + len, (short) c);
            e += len;
        }
        if (e != k) {
            return "count table covers " + e + " of " + k + " elements";
        }
        final int payloadStart = MessageHeader.LENGTH + table;
        for (int i = 0; i < missing.count(); i++) {
            final long from = Math.max(missing.offset(i), payloadStart);
            final long to = Math.min(missing.offset(i) + missing.length(i), payloadStart + payload);
            if (from < to) {
                final int first = (int) ((from - payloadStart) / elementSize);
                final int last = (int) ((to - 1 - payloadStart) / elementSize);
                Arrays.fill(incoming, first, last + 1, (short) 0);
            }
        }
        return null;
    }

    private void applyBounded(final Step s) {
        final int index = s.index();
        final int k = s.count();
        final Received msg = arrivedMessage[index];
        arrivedMessage[index] = null;
        messages++;
        expectedBytes += (long) k * elementSize;
        if (msg == null) {
            missedMessages++;
            complete(index);
            return;
        }
        if (k > 0) {
            final String problem = decode(msg, k);
            if (problem != null) {
                fail(problem, null, true);
                return;
            }
            final ByteBuffer payload = msg.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            final int table = (payload.remaining() - MessageHeader.LENGTH - k * elementSize) / 2;
            final int payloadAt = payload.position() + MessageHeader.LENGTH + table;
            final ByteBuffer dst = buffer(s.buffer());
            final short[] dstCounts = counts[s.buffer()];
            int got = 0;
            int i = 0;
            while (i < k) {
                if (incoming[i] == 0) {
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < k && incoming[j] != 0) {
                    j++;
                }
                final int len = j - i;
                if (s.reduce()) {
                    Reductions.reduce(spec.type(), spec.op(), dst, (s.offset() + i) * elementSize, payload, payloadAt + i * elementSize, len);
                    for (int e = i; e < j; e++) {
                        dstCounts[s.offset() + e] += incoming[e];
                    }
                } else {
                    dst.put((s.offset() + i) * elementSize, payload, payloadAt + i * elementSize, len * elementSize);
                    System.arraycopy(incoming, i, dstCounts, s.offset() + i, len);
                }
                got += len;
                i = j;
            }
            if (!msg.isComplete()) {
                partialMessages++;
            }
            receivedBytes += (long) got * elementSize;
        }
        complete(index);
    }

    private void divideByCounts(final Step s) {
        final ByteBuffer b = buffer(s.buffer());
        final short[] c = counts[s.buffer()];
        final int n = plan.contributors();
        int i = 0;
        while (i < s.count()) {
            final int e = s.offset() + i;
            if (c[e] == n) {
                int j = i + 1;
                while (j < s.count() && c[s.offset() + j] == n) {
                    j++;
                }
                Reductions.divide(spec.type(), b, e * elementSize, j - i, n);
                i = j;
            } else {
                if (c[e] > 0) {
                    final double v = Reductions.get(spec.type(), b, e);
                    Reductions.put(spec.type(), b, e, spec.type().isFloatingPoint() ? v / c[e] : (double) ((long) v / c[e]));
                }
                i++;
            }
        }
    }

    private void finishBounded() {
        final ByteBuffer out = buffers[Schedule.OUTPUT];
        final short[] c = counts[Schedule.OUTPUT];
        final int n = plan.contributors();
        long affected = 0;
        if (spec.collective() == Collective.ALL_GATHER) {
            for (int e = 0; e < c.length; e++) {
                if (c[e] == 0) {
                    Reductions.put(spec.type(), out, e, 0);
                    affected++;
                }
            }
        } else {
            final boolean rescale = spec.op() == ReduceOp.SUM;
            for (int e = 0; e < c.length; e++) {
                if (c[e] != n) {
                    affected++;
                    if (rescale && c[e] > 0) {
                        final double v = Reductions.get(spec.type(), out, e) * n / c[e];
                        Reductions.put(spec.type(), out, e, spec.type().isFloatingPoint() ? v : Math.rint(v));
                    }
                }
            }
        }
        if (plan.policy() != null) {
            int boundedMissed = 0;
            for (final Step s : schedule.steps()) {
                if (s.kind() == Step.Kind.RECV && plan.bounded()[s.index()] && missed[s.index()]) {
                    boundedMissed++;
                }
            }
            plan.policy().record(boundedMissed > 0 ? (long) (plan.budgetNs() * DeadlinePolicy.BACKOFF)
                : anyBoundedArrival ? maxPerHopNs : plan.budgetNs());
        }
        // Every step counts, reliable ones too: a reliable step after the last bounded deadline
        // (hier's intra-DC all-gather after a missed inter-DC message) still runs in its own hop.
        int levels = 0;
        for (final int l : plan.levels()) {
            levels = Math.max(levels, l);
        }
        report = new OperationReport(fabric.rank(), Mode.BOUNDED, plan.budgetNs(), levels, fabric.nowNs() - startNs, expectedBytes,
            receivedBytes, messages, partialMessages, missedMessages, c.length, affected, tablesTruncated);
    }

    /** @return the fabric time at which the schedule started. */
    public long startNs() {
        return startNs;
    }
}
