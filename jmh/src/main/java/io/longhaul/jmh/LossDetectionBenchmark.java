package io.longhaul.jmh;

import io.longhaul.jmh.AckProcessingBenchmark.SteadyFlow;
import io.longhaul.transport.recovery.SentPacketTracker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Cost of one {@link SentPacketTracker#detectLosses} pass in steady state, 100,000 packets in
 * flight (the {@link AckProcessingBenchmark} flow: 1472-byte packets every 1.2 us, ACK every 2
 * packets, loss detection after every ACK, packet threshold 3, loss delay 9/8 RTT).
 *
 * <p>A pass cannot be timed alone (repeating it on the same state finds nothing after the first
 * call, and {@code Level.Invocation} setup would swamp a few-ns operation with timer overhead), so
 * every operation drives the tracker one ACK forward with the least possible work: 2 sends and an
 * ACK of only the 2 newest packets (1 range, so the ACK's own cost stays small), then
 * {@code advanceBase}. The methods differ only in the pass:
 *
 * <ul>
 *   <li>{@link #ackThenDetectLossy}: 1 % random loss, so a pass scans the 2 newly acknowledged
 *       packets and finds one newly lost packet in about one call out of 50;</li>
 *   <li>{@link #ackThenDetectLossless}: no loss, a pass that finds nothing;</li>
 *   <li>{@link #ackNoDetectLossless}: the baseline, the same driving work with no pass at all
 *       (possible only without loss: a lost packet never declared lost would pin the window).</li>
 * </ul>
 *
 * The cost of a pass is the difference from the baseline. Expect a few ns and 0 B/op
 * ({@code -prof gc}); the pass must not grow with the window.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class LossDetectionBenchmark {
    /** A path whose receiver misses 1 % of packets. */
    @State(Scope.Thread)
    public static class Lossy {
        @Param({"100000"})
        public int inFlight;

        SteadyFlow flow;

        @Setup(Level.Trial)
        public void setUp() {
            flow = new SteadyFlow(inFlight, 0.01, 0x10_55_DE_01L);
            flow.warmUp(1, true);
        }

        @TearDown(Level.Trial)
        public void checkSteadyState() {
            flow.checkInFlight();
            if (flow.listener.lost == 0) {
                throw new IllegalStateException("no packet was declared lost");
            }
        }
    }

    /** A path without loss. */
    @State(Scope.Thread)
    public static class Lossless {
        @Param({"100000"})
        public int inFlight;

        SteadyFlow flow;

        @Setup(Level.Trial)
        public void setUp() {
            flow = new SteadyFlow(inFlight, 0.0, 0x10_55_DE_02L);
            flow.warmUp(1, true);
        }

        @TearDown(Level.Trial)
        public void checkSteadyState() {
            flow.checkInFlight();
        }
    }

    /** Drive one ACK forward, then a loss pass that finds a lost packet about once in 50 calls. */
    @Benchmark
    public long ackThenDetectLossy(final Lossy path) {
        return path.flow.step(1, true);
    }

    /** Drive one ACK forward, then a loss pass that finds nothing. */
    @Benchmark
    public long ackThenDetectLossless(final Lossless path) {
        return path.flow.step(1, true);
    }

    /** Baseline: drive one ACK forward with no loss pass. */
    @Benchmark
    public long ackNoDetectLossless(final Lossless path) {
        return path.flow.step(1, false);
    }
}
