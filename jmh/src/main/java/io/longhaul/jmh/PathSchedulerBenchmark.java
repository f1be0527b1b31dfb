package io.longhaul.jmh;

import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.path.PathSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Cost of choosing the path for one packet: {@code pick} plus the {@code onSent} that follows it,
 * for each built-in scheduler at 2, 4 and 16 paths, the per-packet work a multipath sender adds.
 * Paths have different RTTs, rates and windows; every 16th packet one path runs out of window and
 * another stops being ready, so choices change as they do under load. {@code baseline} is the
 * loop without a scheduler (reading every path's window and readiness, as the connection does).
 * Target: tens of nanoseconds at 16 paths, 0 B/op ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class PathSchedulerBenchmark {
    @Param({"spray", "weighted", "minrtt", "flowlet", "plb", "single"})
    public String scheduler;

    @Param({"2", "4", "16"})
    public int paths;

    private PathScheduler instance;
    private Paths view;
    private long nowNs;

    /** A path set whose state shifts a little with every packet, without allocating. */
    static final class Paths implements PathSet {
        final int count;
        final boolean[] window;
        final long[] readyAtNs;
        final long[] srtt;
        final long[] rate;
        final long[] cwnd;
        final long[] inFlight;
        long sent;

        Paths(final int count) {
            this.count = count;
            window = new boolean[count];
            readyAtNs = new long[count];
            srtt = new long[count];
            rate = new long[count];
            cwnd = new long[count];
            inFlight = new long[count];
            for (int i = 0; i < count; i++) {
                window[i] = true;
                srtt[i] = 5_000_000L + 250_000L * i;
                rate[i] = 125_000_000L - 3_000_000L * i;
                cwnd[i] = 2_000_000L + 50_000L * i;
                inFlight[i] = cwnd[i] / 2;
            }
        }

        void step(final long nowNs) {
            sent++;
            if ((sent & 15) == 0) {
                final int off = (int) ((sent >>> 4) % count);
                window[off] = false;
                window[(off + 1) % count] = true;
                readyAtNs[(off + 2) % count] = nowNs + 50_000;
            }
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public boolean usable(final int path) {
            return true;
        }

        @Override
        public boolean hasWindow(final int path) {
            return window[path];
        }

        @Override
        public long readyAtNs(final int path) {
            return readyAtNs[path];
        }

        @Override
        public long congestionWindowBytes(final int path) {
            return cwnd[path];
        }

        @Override
        public long bytesInFlight(final int path) {
            return inFlight[path];
        }

        @Override
        public long smoothedRttNs(final int path) {
            return srtt[path];
        }

        @Override
        public long minRttNs(final int path) {
            return srtt[path] - 100_000;
        }

        @Override
        public long deliveryRateBytesPerSecond(final int path) {
            return rate[path];
        }

        @Override
        public long packetsSent(final int path) {
            return sent;
        }

        @Override
        public long lostPackets(final int path) {
            return 0;
        }

        @Override
        public void repath(final int path) {
        }
    }

    @Setup
    public void setUp() {
        instance = PathSchedulers.create(scheduler, new PathSchedulerConfig(paths, 1472, 1, Map.of()));
        view = new Paths(paths);
        nowNs = 1_000_000_000L;
    }

    @Benchmark
    public int pickAndSend() {
        nowNs += 12_000;
        view.step(nowNs);
        final int pick = instance.pick(nowNs, view);
        if (pick >= 0) {
            instance.onSent(nowNs, pick, 1472);
        }
        if ((view.sent & 63) == 0) {
            instance.onAck(nowNs, (int) (view.sent % paths), 2944, view.srtt[0], view);
        }
        return pick;
    }

    @Benchmark
    public int baseline() {
        nowNs += 12_000;
        view.step(nowNs);
        int ready = 0;
        for (int i = 0; i < paths; i++) {
            if (view.hasWindow(i) && view.readyAtNs(i) - nowNs <= 0) {
                ready++;
            }
        }
        return ready;
    }
}
