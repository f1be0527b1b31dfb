package io.longhaul.jmh;

import io.longhaul.transport.sim.LinkModel;
import io.longhaul.transport.sim.LinkSpec;
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

import java.util.concurrent.TimeUnit;

/**
 * Cost of deciding one datagram's fate in {@link LinkModel#offer}, the per-packet work of the
 * simulator and the in-process emulator. Datagrams of 1500 bytes arrive every 13 us (92 % of
 * 1 Gbit/s), so the queue stays short and all branches of a lossy link are exercised. The
 * {@code perfect} spec is the baseline: bookkeeping only, no random draws. Expect tens of ns/op
 * and 0 B/op ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class LinkModelBenchmark {
    private static final int DATAGRAM_BYTES = 1500;
    private static final long INTERVAL_NS = 13_000;

    /** Every effect at once: 1000 km of fiber behind a 1 Gbit/s bottleneck, lossy and bursty. */
    static final String FULL_SPEC =
        "delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=0.01:r=0.3,reorder=1%,dup=0.01%,corrupt=0.01%";

    /** {@code perfect}: {@link LinkSpec#perfect()}; {@code full}: {@link #FULL_SPEC}. */
    @Param({"perfect", "full"})
    public String spec;

    private LinkModel link;
    private final LinkModel.Fate fate = new LinkModel.Fate();
    private long nowNs;

    @Setup(Level.Trial)
    public void setUp() {
        link = new LinkModel("perfect".equals(spec) ? LinkSpec.perfect() : LinkSpec.parse(FULL_SPEC));
        nowNs = 0;
    }

    /** Offers one datagram and returns its delivery time, so the work is not dead code. */
    @Benchmark
    public long offer() {
        final long now = nowNs += INTERVAL_NS;
        link.offer(now, DATAGRAM_BYTES, fate);
        return fate.deliverAtNs();
    }

    /** Baseline: the clock advance and the return, without the link. */
    @Benchmark
    public long baseline() {
        return nowNs += INTERVAL_NS;
    }
}
