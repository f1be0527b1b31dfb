package io.longhaul.transport.media;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The driver's loop-resident deadlines: when they fire, which one wins, and that re-arming allocates nothing. */
class DeadlineTimerTest {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private EventLoopGroup group;

    private static IoHandlerFactory factory() {
        return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    private EventLoop driverLoop() {
        group = DriverEventLoop.group(1, new DefaultThreadFactory("timer-test", true), factory());
        return group.next();
    }

    private static <T> T on(final EventLoop loop, final java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(20)
    void shouldFireOnceNotBeforeTheEarlierOfTwoDeadlinesAndIgnoreALaterOne() throws Exception {
        final EventLoop loop = driverLoop();
        final AtomicInteger fired = new AtomicInteger();
        final AtomicLong firedAtNs = new AtomicLong();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final DeadlineTimer[] timer = new DeadlineTimer[1];
        final long[] deadlines = on(loop, () -> {
            timer[0] = new DeadlineTimer(loop, () -> {
                firedAtNs.set(System.nanoTime());
                fired.incrementAndGet();
                done.complete(null);
            });
            final long now = System.nanoTime();
            final long first = now + TimeUnit.MILLISECONDS.toNanos(20);
            final long earlier = now + TimeUnit.MILLISECONDS.toNanos(5);
            final boolean a = timer[0].arm(first, now);
            final boolean b = timer[0].arm(earlier, now);
            final boolean c = timer[0].arm(first, now);
            return new long[] {earlier, a ? 1 : 0, b ? 1 : 0, c ? 1 : 0};
        });
        assertThat(deadlines[1]).as("first arming").isEqualTo(1);
        assertThat(deadlines[2]).as("an earlier deadline replaces it").isEqualTo(1);
        assertThat(deadlines[3]).as("a later one is ignored").isEqualTo(0);
        assertThat(on(loop, timer[0]::allocationFree)).isTrue();
        done.get(5, TimeUnit.SECONDS);
        assertThat(firedAtNs.get() - deadlines[0]).as("fired at or after the deadline").isGreaterThanOrEqualTo(0);
        // A second pass of the loop must not fire it again.
        on(loop, () -> null);
        assertThat(fired.get()).isEqualTo(1);
        assertThat(on(loop, timer[0]::isArmed)).isFalse();
    }

    @Test
    @Timeout(20)
    void shouldNotFireACancelledDeadline() throws Exception {
        final EventLoop loop = driverLoop();
        final AtomicInteger cancelledFired = new AtomicInteger();
        final CompletableFuture<Long> later = new CompletableFuture<>();
        on(loop, () -> {
            final long now = System.nanoTime();
            final DeadlineTimer cancelled = new DeadlineTimer(loop, cancelledFired::incrementAndGet);
            cancelled.arm(now + TimeUnit.MILLISECONDS.toNanos(1), now);
            cancelled.cancel();
            new DeadlineTimer(loop, () -> later.complete(System.nanoTime())).arm(now + TimeUnit.MILLISECONDS.toNanos(5), now);
            return null;
        });
        later.get(5, TimeUnit.SECONDS);
        assertThat(cancelledFired.get()).isZero();
    }

    @Test
    @Timeout(20)
    void shouldFallBackToScheduledTasksOnALoopOfItsOwn() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("plain-loop", true), factory());
        final EventLoop loop = group.next();
        final CompletableFuture<Long> fired = new CompletableFuture<>();
        final long deadline = on(loop, () -> {
            final DeadlineTimer t = new DeadlineTimer(loop, () -> fired.complete(System.nanoTime()));
            assertThat(t.allocationFree()).isFalse();
            final long now = System.nanoTime();
            t.arm(now + TimeUnit.MILLISECONDS.toNanos(20), now);
            t.arm(now + TimeUnit.MILLISECONDS.toNanos(2), now);
            return now + TimeUnit.MILLISECONDS.toNanos(2);
        });
        assertThat(fired.get(5, TimeUnit.SECONDS) - deadline).isGreaterThanOrEqualTo(0);
    }

    /**
     * A timer that re-arms itself as soon as it fires (as the driver's does behind a pacer), 50,000
     * times: the loop thread's allocation from the 5,000th firing on, per firing, must stay under
     * one byte (a Netty {@code ScheduledFutureTask} per re-arm is about 80 B).
     */
    @Test
    @Timeout(60)
    void shouldReArmAndFireWithoutAllocating() throws Exception {
        final EventLoop loop = driverLoop();
        final int warmUp = 5_000;
        final int total = 50_000;
        final CompletableFuture<Double> perFiring = new CompletableFuture<>();
        on(loop, () -> {
            final DeadlineTimer[] t = new DeadlineTimer[1];
            final long[] state = new long[2];
            t[0] = new DeadlineTimer(loop, () -> {
                final long n = ++state[0];
                if (n == warmUp) {
                    state[1] = THREADS.getCurrentThreadAllocatedBytes();
                } else if (n == total) {
                    perFiring.complete((double) (THREADS.getCurrentThreadAllocatedBytes() - state[1]) / (total - warmUp));
                    return;
                }
                final long now = System.nanoTime();
                t[0].arm(now + 1_000, now);
            });
            final long now = System.nanoTime();
            t[0].arm(now, now);
            return null;
        });
        final double bytes = perFiring.get(50, TimeUnit.SECONDS);
        System.out.printf("deadline timer: %.3f B allocated on the loop per re-arm and firing%n", bytes);
        assertThat(bytes).as("bytes per re-arm and firing").isLessThan(1.0);
    }
}
