package io.longhaul.transport.media;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * A Netty I/O event loop that also runs the drivers' {@link DeadlineTimer}s: deadlines kept as
 * plain {@code long}s on the loop, so arming, moving and firing one allocates nothing (Netty's
 * {@code schedule} makes a {@code ScheduledFutureTask} per call, and the driver's timer is re-armed
 * after every wake-up of the pacer).
 *
 * <p>The loop tells its I/O handler (epoll, io_uring or NIO) the earliest of its own scheduled tasks
 * and of the armed deadlines, so the handler's wait ends at the earliest (through
 * {@code delayNanos}/{@code deadlineNanos}, which every handler asks before blocking); after each
 * I/O pass the due deadlines fire, each at most once per pass. A deadline already due counts as a
 * pending task, so the handler polls instead of waiting (and the wait asked for is at least one
 * nanosecond: a zero wait means "no timer" to the epoll handler).
 *
 * <p>Timers are registered, armed and fired on the loop only, so the loop needs no locks and no
 * wake-up for them.
 */
final class DriverEventLoop extends SingleThreadIoEventLoop {
    private static final long NONE = Long.MAX_VALUE;
    private final List<DeadlineTimer> timers = new ArrayList<>();
    /** Earliest armed deadline (System.nanoTime), or {@link #NONE}; may be early (recomputed on firing). */
    private long earliestNs = NONE;
    private boolean hasEarliest;

    DriverEventLoop(final IoEventLoopGroup parent, final Executor executor, final IoHandlerFactory factory) {
        super(parent, executor, factory);
    }

    /** A group of {@link DriverEventLoop}s. */
    static MultiThreadIoEventLoopGroup group(final int threads, final ThreadFactory threadFactory, final IoHandlerFactory factory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, factory) {
            @Override
            protected IoEventLoop newChild(final Executor executor, final IoHandlerFactory ioHandlerFactory, final Object... args) {
                return new DriverEventLoop(this, executor, ioHandlerFactory);
            }
        };
    }

    void register(final DeadlineTimer timer) {
        timers.add(timer);
    }

    void unregister(final DeadlineTimer timer) {
        timers.remove(timer);
    }

    /** A timer was armed at {@code deadlineNs}. Loop only. */
    void armed(final long deadlineNs) {
        if (!hasEarliest || deadlineNs - earliestNs < 0) {
            earliestNs = deadlineNs;
            hasEarliest = true;
        }
    }

    @Override
    protected long delayNanos(final long currentTimeNanos) {
        final long tasks = super.delayNanos(currentTimeNanos);
        if (!hasEarliest) {
            return tasks;
        }
        return Math.min(tasks, Math.max(1, earliestNs - currentTimeNanos));
    }

    @Override
    protected long deadlineNanos() {
        final long tasks = super.deadlineNanos();
        if (!hasEarliest) {
            return tasks;
        }
        // Netty counts deadlines from its ticker's start.
        final long own = earliestNs - ticker().initialNanoTime();
        return tasks == -1 ? own : Math.min(tasks, own);
    }

    /**
     * Also true while a deadline is due, so the I/O handler polls without blocking (as for a due
     * scheduled task) instead of arming its timer for a wait that is already over.
     */
    @Override
    protected boolean hasTasks() {
        return super.hasTasks() || (hasEarliest && earliestNs - System.nanoTime() <= 0);
    }

    @Override
    protected int runIo() {
        final int handled = super.runIo();
        if (hasEarliest) {
            fireDue(System.nanoTime());
        }
        return handled;
    }

    private void fireDue(final long nowNs) {
        if (earliestNs - nowNs > 0) {
            return;
        }
        hasEarliest = false;
        earliestNs = NONE;
        // Indexed: a callback may register or unregister timers; each fires at most once per pass.
        for (int i = 0; i < timers.size(); i++) {
            final DeadlineTimer t = timers.get(i);
            if (t.isArmed() && t.deadlineNs() - nowNs <= 0) {
                t.fire();
            }
        }
        for (int i = 0, n = timers.size(); i < n; i++) {
            final DeadlineTimer t = timers.get(i);
            if (t.isArmed()) {
                armed(t.deadlineNs());
            }
        }
    }
}
