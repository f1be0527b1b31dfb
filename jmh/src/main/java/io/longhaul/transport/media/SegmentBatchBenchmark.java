package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
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

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What framing one outgoing datagram costs in the driver's {@link SegmentBatch}: copying the core's
 * datagram into a send buffer and, every {@value SegmentBatch#MAX_SEGMENTS} datagrams or 65,000
 * bytes, handing a GSO batch to the socket (here a stand-in that releases it at once, as Netty does
 * once the kernel took it):
 * <ul>
 *   <li>{@link #gso}: the default on Linux, datagrams coalesced into {@code SegmentedDatagramPacket}s;</li>
 *   <li>{@link #plain}: without GSO, one reused buffer and packet per datagram;</li>
 *   <li>{@link #plainAllocating}: what the plain path did before its buffers were reused: a pooled
 *       buffer and a new {@code DatagramPacket} per datagram;</li>
 *   <li>{@link #baselineCopy}: a plain direct {@code ByteBuffer} copy of the same size, the floor.</li>
 * </ul>
 * Run with {@code -prof gc}: the reused paths allocate 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class SegmentBatchBenchmark {
    @Param({"1472"})
    int datagramBytes;

    private final ReleasingOutbound out = new ReleasingOutbound();
    private final InetSocketAddress to = new InetSocketAddress("127.0.0.1", 9000);
    private ByteBuffer datagram;
    private ByteBuffer target;
    private SegmentBatch gso;
    private SegmentBatch plain;

    @Setup(Level.Trial)
    public void setUp() {
        datagram = ByteBuffer.allocateDirect(datagramBytes);
        for (int i = 0; i < datagramBytes; i++) {
            datagram.put(i, (byte) i);
        }
        target = ByteBuffer.allocateDirect(datagramBytes);
        gso = new SegmentBatch(PooledByteBufAllocator.DEFAULT, true, 1500);
        plain = new SegmentBatch(PooledByteBufAllocator.DEFAULT, false, 1500);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gso.close();
        plain.close();
    }

    @Benchmark
    public long gso() {
        gso.add(out, to, datagram);
        return out.packets;
    }

    @Benchmark
    public long plain() {
        plain.add(out, to, datagram);
        return out.packets;
    }

    @Benchmark
    public long plainAllocating() {
        final ByteBuf single = PooledByteBufAllocator.DEFAULT.directBuffer(datagramBytes);
        final int position = datagram.position();
        single.writeBytes(datagram);
        datagram.position(position);
        out.write(new DatagramPacket(single, to), null);
        return out.packets;
    }

    @Benchmark
    public ByteBuffer baselineCopy() {
        target.put(0, datagram, 0, datagramBytes);
        return target;
    }
}
