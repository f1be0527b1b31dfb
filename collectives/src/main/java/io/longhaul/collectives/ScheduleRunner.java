package io.longhaul.collectives;

import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.fabric.PeerFailureException;
import io.longhaul.collectives.kernel.Reductions;
import io.longhaul.collectives.schedule.Schedule;
import io.longhaul.collectives.schedule.Step;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 */
public final class ScheduleRunner {
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
    private final ArrayDeque<Integer> ready = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger wip = new AtomicInteger();
    private final CompletableFuture<Void> result = new CompletableFuture<>();
    private Fabric.Timer timer;
    private int completed;
    private boolean finished;
    private long startNs;

    /**
     * @param input   the caller's input (position 0 = element 0), or null if the schedule never reads it.
     * @param output  the caller's output, or null if the schedule never writes it.
     */
    public ScheduleRunner(final Schedule schedule, final CollectiveSpec spec, final int seq, final Fabric fabric,
                          final ByteBuffer input, final ByteBuffer output, final long timeoutNs) {
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
                final CompletableFuture<ByteBuffer> f = fabric.receive(s.peer(), MessageHeader.fabricTag(seq, s.tag()));
                receives.add(f);
                f.whenComplete((buf, err) -> signal(() -> onArrival(index, buf, err)));
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
                final int bytes = s.count() * elementSize;
                final ByteBuffer m = ByteBuffer.allocate(MessageHeader.LENGTH + bytes).order(ByteOrder.LITTLE_ENDIAN);
                MessageHeader.write(m, seq, spec, schedule.algorithm(), s.tag(), bytes, fabric.rank());
                if (bytes > 0) {
                    final ByteBuffer src = buffer(s.buffer());
                    m.put(MessageHeader.LENGTH, src, s.offset() * elementSize, bytes);
                }
                final int peer = s.peer();
                fabric.send(peer, MessageHeader.fabricTag(seq, s.tag()), m).whenComplete((v, err) -> {
                    if (err != null) {
                        signal(() -> onPeerError(peer, "sending to it", err));
                    }
                });
                complete(s.index());
                break;
            }
            case RECV:
                depsMet[s.index()] = true;
                if (arrived[s.index()] != null) {
                    apply(s);
                }
                break;
            case COPY: {
                final int bytes = s.count() * elementSize;
                buffer(s.buffer()).put(s.offset() * elementSize, buffer(s.srcBuffer()), s.srcOffset() * elementSize, bytes);
                complete(s.index());
                break;
            }
            case REDUCE:
                Reductions.reduce(spec.type(), spec.op(), buffer(s.buffer()), s.offset() * elementSize,
                    buffer(s.srcBuffer()), s.srcOffset() * elementSize, s.count());
                complete(s.index());
                break;
            case DIVIDE:
                Reductions.divide(spec.type(), buffer(s.buffer()), s.offset() * elementSize, s.count(), schedule.size());
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
        final String problem = MessageHeader.check(message, seq, spec, schedule.algorithm(), s.tag(), s.count() * elementSize);
        if (problem != null) {
            fail(problem, null, true);
            return;
        }
        arrived[index] = message.duplicate().position(message.position() + MessageHeader.LENGTH).slice().order(ByteOrder.LITTLE_ENDIAN);
        if (depsMet[index]) {
            apply(s);
        }
    }

    private void apply(final Step s) {
        final ByteBuffer payload = arrived[s.index()];
        arrived[s.index()] = null;
        if (s.count() > 0) {
            final ByteBuffer dst = buffer(s.buffer());
            if (s.reduce()) {
                Reductions.reduce(spec.type(), spec.op(), dst, s.offset() * elementSize, payload, 0, s.count());
            } else {
                dst.put(s.offset() * elementSize, payload, 0, s.count() * elementSize);
            }
        }
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
            finish();
        }
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        cleanup();
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
            if (s.kind() == Step.Kind.RECV && !done[s.index()] && arrived[s.index()] == null) {
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
        for (final CompletableFuture<ByteBuffer> f : receives) {
            f.cancel(false);
        }
    }

    /** @return the fabric time at which the schedule started. */
    public long startNs() {
        return startNs;
    }
}
