package io.longhaul.jmh;

import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
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
 * Throughput of the collectives' reduction kernel {@link Reductions#reduce}: {@code dst += src}
 * over two 1 MiB little-endian direct buffers, the work a ring step does per received chunk.
 * One op reduces {@value #BYTES} bytes of each operand, so <b>GB/s = ops/s × 1 048 576 / 10^9</b>
 * (the {@code copy} baseline, a bulk {@link ByteBuffer#put} of the same 1 MiB, bounds what memory
 * allows). Single-threaded: the figure is per core. Target: float32 ≥ 2 GB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class ReduceBenchmark {
    /** Bytes of each operand. */
    public static final int BYTES = 1 << 20;

    /** nccl-tests type name. */
    @Param({"float", "double", "bfloat16"})
    public String type;

    private DataType dataType;
    private ByteBuffer dst;
    private ByteBuffer src;
    private int count;

    @Setup(Level.Trial)
    public void setUp() {
        dataType = DataType.parse(type);
        count = BYTES / dataType.size();
        dst = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        src = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            Reductions.put(dataType, src, i, (i % 7) * 0.25);
            Reductions.put(dataType, dst, i, (i % 5) * 0.5);
        }
    }

    /** {@code dst += src} over 1 MiB; returns the buffer so the work is not dead code. */
    @Benchmark
    public ByteBuffer sum() {
        Reductions.reduce(dataType, ReduceOp.SUM, dst, 0, src, 0, count);
        return dst;
    }

    /** Baseline: copying the same 1 MiB (memory bandwidth with no arithmetic). */
    @Benchmark
    public ByteBuffer copy() {
        dst.put(0, src, 0, BYTES);
        return dst;
    }
}
