package io.longhaul.transport.media;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What arming and firing the driver's timer costs, on the event loop (epoll where available), per
 * arm-and-fire, {@value #CYCLES} per invocation (the hand-over to the loop and back is spread over
 * them):
 * <ul>
 *   <li>{@link #deadlineTimerMoveAndFire}: {@link DeadlineTimer} on a {@link DriverEventLoop}: arm,
 *       move earlier, fire (called directly: the bookkeeping alone);</li>
 *   <li>{@link #nettyScheduleAndCancel}: the same with Netty's {@code schedule}: schedule, cancel,
 *       schedule earlier, cancel (what the driver's timer did before);</li>
 *   <li>{@link #deadlineTimerThroughLoop}: a {@link DeadlineTimer} that re-arms itself when it fires,
 *       due at once, so every firing is a real pass of the loop (an {@code epoll_wait} that returns at
 *       once);</li>
 *   <li>{@link #nettyScheduleThroughLoop}: the same with a task that schedules itself;</li>
 *   <li>{@link #baselineCopy}: a plain 1472-byte direct {@code ByteBuffer} copy.</li>
 * </ul>
 * Run with {@code -prof gc}: the {@link DeadlineTimer} ones allocate about 0 B/op, Netty's a
 * {@code ScheduledFutureTask} per schedule.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Benchmark)
public class DeadlineTimerBenchmark {
    static final int CYCLES = 1000;

    private EventLoopGroup driverGroup;
    private EventLoopGroup plainGroup;
    private EventLoop driverLoop;
    private EventLoop plainLoop;
    private DeadlineTimer timer;
    private DeadlineTimer selfArming;
    private final Runnable nothing = () -> { };
    private long fired;
    private int remaining;
    private CompletableFuture<Void> done;
    private Runnable selfScheduling;
    private final ByteBuffer source = ByteBuffer.allocateDirect(1472);
    private final ByteBuffer target = ByteBuffer.allocateDirect(1472);

    private static IoHandlerFactory factory() {
        return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        driverGroup = DriverEventLoop.group(1, new DefaultThreadFactory("bench-driver-loop", true), factory());
        plainGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-plain-loop", true), factory());
        driverLoop = driverGroup.next();
        plainLoop = plainGroup.next();
        driverLoop.submit(() -> {
            timer = new DeadlineTimer(driverLoop, () -> fired++);
            selfArming = new DeadlineTimer(driverLoop, () -> {
                if (--remaining == 0) {
                    done.complete(null);
                    return;
                }
                final long now = System.nanoTime();
                selfArming.arm(now, now);
            });
        }).get();
        selfScheduling = () -> {
            if (--remaining == 0) {
                done.complete(null);
                return;
            }
            plainLoop.schedule(selfScheduling, 0, TimeUnit.NANOSECONDS);
        };
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        driverGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        plainGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    @Benchmark
    @OperationsPerInvocation(CYCLES)
    public long deadlineTimerMoveAndFire() throws Exception {
        return driverLoop.submit(() -> {
            for (int i = 0; i < CYCLES; i++) {
                final long now = System.nanoTime();
                timer.arm(now + 1_000_000, now);
                timer.arm(now + 500_000, now);
                timer.fire();
            }
            return fired;
        }).get();
    }

    @Benchmark
    @OperationsPerInvocation(CYCLES)
    public long nettyScheduleAndCancel() throws Exception {
        return plainLoop.submit(() -> {
            long n = 0;
            for (int i = 0; i < CYCLES; i++) {
                final ScheduledFuture<?> a = plainLoop.schedule(nothing, 1_000_000, TimeUnit.NANOSECONDS);
                a.cancel(false);
                final ScheduledFuture<?> b = plainLoop.schedule(nothing, 500_000, TimeUnit.NANOSECONDS);
                b.cancel(false);
                n++;
            }
            return n;
        }).get();
    }

    @Benchmark
    @OperationsPerInvocation(CYCLES)
    public void deadlineTimerThroughLoop() throws Exception {
        final CompletableFuture<Void> d = new CompletableFuture<>();
        driverLoop.execute(() -> {
            done = d;
            remaining = CYCLES;
            final long now = System.nanoTime();
            selfArming.arm(now, now);
        });
        d.get();
    }

    @Benchmark
    @OperationsPerInvocation(CYCLES)
    public void nettyScheduleThroughLoop() throws Exception {
        final CompletableFuture<Void> d = new CompletableFuture<>();
        plainLoop.execute(() -> {
            done = d;
            remaining = CYCLES;
            plainLoop.schedule(selfScheduling, 0, TimeUnit.NANOSECONDS);
        });
        d.get();
    }

    @Benchmark
    public ByteBuffer baselineCopy() {
        target.put(0, source, 0, 1472);
        return target;
    }
}
