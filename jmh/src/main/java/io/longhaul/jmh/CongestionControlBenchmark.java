package io.longhaul.jmh;

import io.longhaul.transport.cc.AckSample;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.CongestionControls;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-packet cost of the congestion-control built-ins: what the core pays for each ACK
 * ({@code onRttSample} + {@code onAck}, then reading cwnd and pacing rate) and for each packet sent
 * ({@code onPacketSent}). The controllers are fed a pre-computed, steady-state stream of samples
 * resembling a 1 Gbit/s, 10 ms path (RTT jitter up to 0.5 ms, delivery rate within 5% of the
 * link rate, one 1250-byte packet per ACK), cycled through a 4096-entry table, so that the
 * benchmark measures the controller and not the sample generation. Baseline: {@code fixed}, which
 * does nothing per ACK. Expected allocation: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(3)
public class CongestionControlBenchmark {
    private static final int DATAGRAM_BYTES = 1250;
    private static final int SAMPLES = 4096;
    private static final long PACKET_INTERVAL_NS = 10_000L;
    private static final long BASE_RTT_NS = 10_000_000L;
    private static final long LINK_BYTES_PER_SECOND = 125_000_000L;
    private static final long BDP_BYTES = LINK_BYTES_PER_SECOND * BASE_RTT_NS / 1_000_000_000L;

    @Param({"newreno", "cubic", "bbr", "delay", "fixed"})
    public String algorithm;

    private CongestionControl cc;
    private final AckSample ack = new AckSample();
    private final long[] rttNs = new long[SAMPLES];
    private final long[] rateBytesPerSecond = new long[SAMPLES];
    private int index;
    private long nowNs;
    private long delivered;
    private long smoothedRttNs = BASE_RTT_NS;

    @Setup
    public void setUp() {
        cc = CongestionControls.create(algorithm, CongestionControlConfig.defaults(DATAGRAM_BYTES));
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < SAMPLES; i++) {
            rttNs[i] = BASE_RTT_NS + random.nextLong(500_000L);
            rateBytesPerSecond[i] = (long) (LINK_BYTES_PER_SECOND * (0.95 + 0.05 * random.nextDouble()));
        }
        nowNs = 1_000_000_000L;
        delivered = BDP_BYTES;
    }

    /** One ACK of one packet: RTT sample, ACK, then what the core reads back. */
    @Benchmark
    public long onAck(final Blackhole blackhole) {
        final int i = index++ & (SAMPLES - 1);
        nowNs += PACKET_INTERVAL_NS;
        final long rtt = rttNs[i];
        smoothedRttNs = (7 * smoothedRttNs + rtt) >> 3;
        final long prior = delivered - BDP_BYTES;
        delivered += DATAGRAM_BYTES;
        cc.onRttSample(nowNs, rtt, BASE_RTT_NS, smoothedRttNs);
        cc.onAck(nowNs, ack.set(DATAGRAM_BYTES, BDP_BYTES, nowNs - rtt, delivered, prior, rateBytesPerSecond[i], false,
            rtt, BASE_RTT_NS, smoothedRttNs));
        blackhole.consume(cc.pacingRateBytesPerSecond());
        return cc.congestionWindowBytes();
    }

    /** One packet sent, then the window check the core makes before the next one. */
    @Benchmark
    public long onPacketSent() {
        nowNs += PACKET_INTERVAL_NS;
        cc.onPacketSent(nowNs, DATAGRAM_BYTES, BDP_BYTES);
        return cc.congestionWindowBytes();
    }
}
