package io.longhaul.jmh;

import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
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

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the sender's ACK processing on one path, {@link SentPacketTracker}, in steady state.
 *
 * <p>{@link #sendAndAck32Ranges}: a path keeps {@code inFlight} packets outstanding (1472-byte
 * datagrams every 1.2 us, about 10 Gbit/s, so the RTT is {@code inFlight} x 1.2 us). The receiver
 * misses 1 % of packets at random (seeded) and acknowledges every second packet, as
 * {@code ackEveryPackets = 2} does: each ACK carries the newest 32 SACK ranges, so it newly
 * acknowledges the 2 newest packets and repeats 31 ranges the sender has already seen. One
 * operation is what the sender does per ACK: send 2 packets ({@code onSent}), process the ACK
 * ({@code beginAck}, 32 x {@code onAckRange}, {@code endAck}), run loss detection (packet
 * threshold 3) and forget old packets ({@code advanceBase(now - 4 RTT)}), exactly the calls
 * {@code Connection.processAckBlock} makes. The ACKs are precomputed (a 16 Ki-packet loss pattern
 * repeated), so the receiver's work is not measured. {@code inFlight} = 1000 is the baseline: the
 * union-find tracker should cost the same with 100 times more packets in flight.
 *
 * <p>{@link #ackFrameEncodeDecode}: writing a 32-range ACK packet ({@code writeHeader},
 * {@code writePrefix}, {@code writeBlock}) and decoding its ranges ({@code readRanges}).
 *
 * <p>Target: at most 1 us per 32-range ACK and 0 B/op ({@code -prof gc}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class AckProcessingBenchmark {
    /** SACK ranges per ACK, as in the issue (the wire allows up to {@link AckFlyweight#MAX_RANGES}). */
    static final int RANGES = 32;

    /** A path in steady state with {@code inFlight} packets outstanding. */
    @State(Scope.Thread)
    public static class Window {
        @Param({"1000", "100000"})
        public int inFlight;

        SteadyFlow flow;
        private int capacityAfterSetup;

        @Setup(Level.Trial)
        public void setUp() {
            flow = new SteadyFlow(inFlight, 0.01, 0x10_46_4A_01L);
            flow.warmUp(RANGES, true);
            capacityAfterSetup = flow.tracker.capacity();
        }

        @TearDown(Level.Trial)
        public void checkSteadyState() {
            // A ring that grew during measurement would have allocated: the numbers would be void.
            if (flow.tracker.capacity() != capacityAfterSetup) {
                throw new IllegalStateException("tracker grew from " + capacityAfterSetup + " to " + flow.tracker.capacity());
            }
            flow.checkInFlight();
        }
    }

    /** Pre-built ranges of realistic 32-range ACKs and a direct buffer to encode them into. */
    @State(Scope.Thread)
    public static class Frame {
        private static final int SETS = 1024;

        final ByteBuffer packet = ByteBuffer.allocateDirect(65_536);
        final long[][] lo = new long[SETS][RANGES];
        final long[][] hi = new long[SETS][RANGES];
        final long[] decodedLo = new long[AckFlyweight.MAX_RANGES];
        final long[] decodedHi = new long[AckFlyweight.MAX_RANGES];
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            final boolean[] lost = SteadyFlow.lossPattern(0.01, 0x10_46_4A_02L);
            for (int i = 0; i < SETS; i++) {
                // Packet numbers around 10^9: a long transfer, gaps and lengths of realistic size.
                final int n = SteadyFlow.receivedRanges(lost, 1_000_000_001L + 2L * i, lo[i], hi[i], RANGES);
                if (n != RANGES) {
                    throw new IllegalStateException("expected " + RANGES + " ranges, got " + n);
                }
            }
        }
    }

    /** One ACK in steady state: 2 sends, a 32-range ACK, loss detection, base advance. */
    @Benchmark
    public long sendAndAck32Ranges(final Window window) {
        return window.flow.step(RANGES, true);
    }

    /** Encode a 32-range ACK packet, then decode its ranges. @return a digest of the decoded ranges. */
    @Benchmark
    public long ackFrameEncodeDecode(final Frame frame) {
        final int i = frame.next;
        frame.next = (i + 1) & (Frame.SETS - 1);
        final ByteBuffer p = frame.packet;
        PacketFlyweight.writeHeader(p, 0, PacketFlyweight.TYPE_ACK, 0, 0x5EED_CAFE_F00D_BEEFL, i);
        AckFlyweight.writePrefix(p, 0, 256L << 20, 1);
        AckFlyweight.writeBlock(p, AckFlyweight.BLOCKS_OFFSET, 0, 25, frame.lo[i], frame.hi[i], RANGES);

        final int n = AckFlyweight.readRanges(p, AckFlyweight.BLOCKS_OFFSET, frame.decodedLo, frame.decodedHi);
        return n + frame.decodedHi[0] + frame.decodedLo[n - 1];
    }

    /**
     * A sender and a lossy receiver in steady state, driving one {@link SentPacketTracker} with
     * precomputed ACKs. Shared by the ACK and loss-detection benchmarks.
     */
    static final class SteadyFlow {
        static final int PACKET_BYTES = 1472;
        static final long PACKET_INTERVAL_NS = 1_200;
        static final int PACKET_THRESHOLD = 3;
        /** Length of the repeated loss pattern, in packets (two per ACK). */
        private static final int PERIOD = 1 << 14;
        private static final int ACKS = PERIOD / 2;
        private static final Object MESSAGE = new Object();

        final SentPacketTracker<Object> tracker;
        final CountingListener listener = new CountingListener();
        private final int inFlight;
        private final long rttNs;
        private final long lossDelayNs;
        /** Per ACK: range count, then for each range (largest - lo, largest - hi), largest = 2g + 1. */
        private final int[] rangeCount = new int[ACKS];
        private final int[] loDelta = new int[ACKS * RANGES];
        private final int[] hiDelta = new int[ACKS * RANGES];
        private long nowNs;
        private long ackIndex;
        private int chunk;

        SteadyFlow(final int inFlight, final double lossRate, final long seed) {
            this.inFlight = inFlight;
            this.rttNs = inFlight * PACKET_INTERVAL_NS;
            // RttEstimator.lossDelayNs: 9/8 of the RTT.
            this.lossDelayNs = rttNs + rttNs / 8;
            // Lost packets are kept 4 RTT (Connection.detectLosses), so the ring spans ~5 windows.
            final int maxCapacity = Integer.highestOneBit(8 * inFlight + PERIOD) * 2;
            this.tracker = new SentPacketTracker<>(Math.min(1 << 12, maxCapacity), maxCapacity);

            final boolean[] lost = lossPattern(lossRate, seed);
            final long[] lo = new long[RANGES];
            final long[] hi = new long[RANGES];
            for (int k = 0; k < ACKS; k++) {
                // The ACK of step g acknowledges up to 2g + 1; the pattern repeats every ACKS steps.
                final long largest = 2L * k + 1 + PERIOD;
                final int n = receivedRanges(lost, largest, lo, hi, RANGES);
                rangeCount[k] = n;
                for (int r = 0; r < n; r++) {
                    loDelta[k * RANGES + r] = Math.toIntExact(largest - lo[r]);
                    hiDelta[k * RANGES + r] = Math.toIntExact(largest - hi[r]);
                }
            }
            // Packets 0 .. inFlight-1 leave 1.2 us apart; packet p leaves at p x 1.2 us.
            for (int p = 0; p < inFlight; p++) {
                tracker.onSent(p * PACKET_INTERVAL_NS, PACKET_BYTES, MESSAGE, chunk++);
            }
            nowNs = (inFlight - 1) * PACKET_INTERVAL_NS;
        }

        /** Runs long enough for the ring, the retained lost packets and the JIT to settle. */
        void warmUp(final int ranges, final boolean detect) {
            final long steps = 3L * inFlight + 4L * ACKS;
            for (long i = 0; i < steps; i++) {
                step(ranges, detect);
            }
            checkInFlight();
        }

        void checkInFlight() {
            final int packets = tracker.packetsInFlight();
            if (packets > inFlight + 2 || packets < inFlight * 9 / 10) {
                throw new IllegalStateException("not in steady state: " + packets + " packets in flight, expected ~" + inFlight);
            }
        }

        /**
         * Sends 2 packets, then processes the ACK for the packets sent {@code inFlight} earlier:
         * its newest {@code ranges} ranges, or with {@code ranges} = 1 only the 2 newest packets.
         *
         * @return a digest of the results, so nothing is dead code.
         */
        long step(final int ranges, final boolean detect) {
            final SentPacketTracker<Object> t = tracker;
            final long now = nowNs += 2 * PACKET_INTERVAL_NS;
            t.onSent(now - PACKET_INTERVAL_NS, PACKET_BYTES, MESSAGE, chunk++);
            t.onSent(now, PACKET_BYTES, MESSAGE, chunk++);

            final long g = ackIndex++;
            final int k = (int) (g & (ACKS - 1));
            final long largest = 2 * g + 1;
            final int at = k * RANGES;
            t.beginAck();
            if (ranges == 1) {
                final long lo = Math.max(largest - loDelta[at], largest - 1);
                final long hi = largest - hiDelta[at];
                if (lo <= hi) {
                    t.onAckRange(lo, hi, now, listener);
                }
            } else {
                final int n = Math.min(ranges, rangeCount[k]);
                for (int r = 0; r < n; r++) {
                    t.onAckRange(largest - loDelta[at + r], largest - hiDelta[at + r], now, listener);
                }
            }
            final long rate = t.endAck(rttNs);
            final int lost = detect ? t.detectLosses(now, lossDelayNs, PACKET_THRESHOLD, listener) : 0;
            t.advanceBase(now - 4 * rttNs);
            return rate + lost + t.bytesInFlight();
        }

        /** A seeded loss pattern of {@link #PERIOD} packets; {@code true} = the receiver never sees it. */
        static boolean[] lossPattern(final double lossRate, final long seed) {
            final SplittableRandom random = new SplittableRandom(seed);
            final boolean[] lost = new boolean[PERIOD];
            int count = 0;
            for (int i = 0; i < PERIOD; i++) {
                lost[i] = random.nextDouble() < lossRate;
                count += lost[i] ? 1 : 0;
            }
            if (lossRate > 0 && count < 2 * RANGES) {
                throw new IllegalStateException("loss pattern too sparse: " + count + " losses");
            }
            return lost;
        }

        /**
         * What a receiver that saw every packet up to {@code largest} except the pattern's losses
         * reports: its newest {@code max} ranges, descending (older history capped at 2 periods).
         */
        static int receivedRanges(final boolean[] lost, final long largest, final long[] lo, final long[] hi, final int max) {
            final long floor = largest - 2L * PERIOD;
            int n = 0;
            long pn = largest;
            while (n < max && pn > floor) {
                while (pn > floor && lost[(int) (pn & (PERIOD - 1))]) {
                    pn--;
                }
                if (pn <= floor) {
                    break;
                }
                hi[n] = pn;
                while (pn > floor && !lost[(int) (pn & (PERIOD - 1))]) {
                    pn--;
                }
                lo[n] = pn + 1;
                n++;
            }
            return n;
        }
    }

    /** Counts callbacks, as cheap as a listener can be (the real one queues retransmissions). */
    static final class CountingListener implements SentPacketTracker.Listener<Object> {
        long acked;
        long lost;

        @Override
        public void onAcked(final Object message, final int chunk, final boolean wasDeclaredLost) {
            acked++;
        }

        @Override
        public void onLost(final Object message, final int chunk) {
            lost++;
        }
    }
}
