package io.longhaul.transport.media;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * One re-armable deadline on an event loop: the driver's wake-up, or a link emulator's drain.
 * {@link #arm} keeps the earlier of the armed deadline and the new one (a later one is left to the
 * early wake-up, which re-arms); {@link #cancel} disarms.
 *
 * <p>On a {@link DriverEventLoop} the deadline is a field the loop reads before it blocks: arming,
 * moving and firing allocate nothing. On any other loop (a test's, or a user's) it falls back to
 * Netty's {@code schedule}, one task per arming, cancelled when an earlier deadline replaces it.
 * Loop only.
 */
final class DeadlineTimer {
    private final EventExecutor executor;
    private final DriverEventLoop loop;
    private final Runnable task;
    private final Runnable fallbackTask = this::fire;
    private boolean armed;
    private boolean registered;
    private long deadlineNs;
    private ScheduledFuture<?> future;
    private long armings;

    /** @param task run on the loop at the deadline (not before it). */
    DeadlineTimer(final EventExecutor executor, final Runnable task) {
        this.executor = executor;
        this.loop = executor instanceof DriverEventLoop ? (DriverEventLoop) executor : null;
        this.task = task;
    }

    /** Whether the loop-resident, allocation-free form is in use (else Netty's scheduled tasks). */
    boolean allocationFree() {
        return loop != null;
    }

    boolean isArmed() {
        return armed;
    }

    /** The armed deadline (meaningful while {@link #isArmed()}). */
    long deadlineNs() {
        return deadlineNs;
    }

    /** Times a deadline was set (first or earlier than the armed one). */
    long armings() {
        return armings;
    }

    /**
     * Arms at {@code atNs} unless an earlier or equal deadline is already armed.
     *
     * @return whether the deadline changed.
     */
    boolean arm(final long atNs, final long nowNs) {
        if (armed && deadlineNs - atNs <= 0) {
            return false;
        }
        armings++;
        deadlineNs = atNs;
        armed = true;
        if (loop != null) {
            if (!registered) {
                registered = true;
                loop.register(this);
            }
            loop.armed(atNs);
        } else {
            if (future != null) {
                future.cancel(false);
            }
            future = executor.schedule(fallbackTask, Math.max(0, atNs - nowNs), TimeUnit.NANOSECONDS);
        }
        return true;
    }

    /** Disarms; stays usable. */
    void cancel() {
        armed = false;
        if (future != null) {
            future.cancel(false);
            future = null;
        }
    }

    /** Disarms for good and leaves the loop's list. */
    void close() {
        cancel();
        if (registered) {
            registered = false;
            loop.unregister(this);
        }
    }

    /** Runs the task now (the loop calls it once the deadline is due). */
    void fire() {
        if (!armed) {
            return;
        }
        armed = false;
        future = null;
        task.run();
    }
}
