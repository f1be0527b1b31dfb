package io.longhaul.jmh;

import io.longhaul.collectives.DataType;
import io.longhaul.collectives.kernel.Hadamard;
import io.longhaul.collectives.kernel.Reductions;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the seeded randomized Hadamard transform that bounded all-reduce applies to its
 * input before and to its result after ({@link Hadamard#forward}, {@link Hadamard#inverse}): one
 * op transforms {@value #BYTES} bytes of float32 in place, in blocks of {@code block} elements, so
 * <b>GB/s per core = ops/s × 4 194 304 / 10^9</b>. The {@code copy} baseline (a bulk copy of the
 * same 4 MiB) bounds what memory allows; the transform costs log2(block) butterfly passes over
 * each block on top. Single-threaded: the figure is per core.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class HadamardBenchmark {
    /** Bytes transformed per op (1 Mi float32). */
    public static final int BYTES = 4 << 20;

    /** Largest block of the transform. */
    @Param({"4096", "65536"})
    public int block;

    private ByteBuffer data;
    private ByteBuffer copy;
    private int count;

    @Setup(Level.Trial)
    public void setUp() {
        count = BYTES / 4;
        data = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        copy = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            Reductions.put(DataType.FLOAT32, data, i, (i % 7) * 0.25 - 0.75);
        }
    }

    /** Forward transform of 4 MiB in place (the inverse costs the same). */
    @Benchmark
    public ByteBuffer forward() {
        Hadamard.forward(DataType.FLOAT32, data, 0, count, block, 7);
        return data;
    }

    /** Forward then inverse: what one bounded all-reduce with --hadamard adds per byte. */
    @Benchmark
    public ByteBuffer roundTrip() {
        Hadamard.forward(DataType.FLOAT32, data, 0, count, block, 7);
        Hadamard.inverse(DataType.FLOAT32, data, 0, count, block, 7);
        return data;
    }

    /** Baseline: copying the same 4 MiB. */
    @Benchmark
    public ByteBuffer copy() {
        copy.put(0, data, 0, BYTES);
        return copy;
    }
}
