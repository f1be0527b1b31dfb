package io.longhaul.transport.media;

import io.longhaul.transport.sim.LinkSpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
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
 * What the in-process link emulator ({@link LinkEmulator}) costs per datagram on its own, socket
 * aside: the link model's verdict, the copy into a recycled buffer, the delay queue, and the release
 * into a GSO batch. The emulator sits in an {@code EmbeddedChannel} whose head releases what
 * reaches it (as the socket would once sent); the benchmark thread is the channel's loop.
 * <ul>
 *   <li>{@link #offer}: the driver's path: one datagram offered, then what is due released (with a
 *       delay, about a millisecond of datagrams wait in the queue at any time);</li>
 *   <li>{@link #writeThroughPipeline}: what the driver did before (and what another writer of the
 *       channel still does): a pooled copy in a new {@code DatagramPacket} written through the
 *       pipeline into the emulator;</li>
 *   <li>{@link #baselineCopy}: a plain direct {@code ByteBuffer} copy of the same size.</li>
 * </ul>
 * Links: {@code loss=0.1%} (released at once) and {@code delay=1ms,loss=0.1%} (every datagram
 * through the queue). Run with {@code -prof gc}: {@link #offer} allocates 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class LinkEmulatorBenchmark {
    @Param({"loss=0.1%", "delay=1ms,loss=0.1%"})
    String link;

    @Param({"1472"})
    int datagramBytes;

    /** Releases whatever reaches the socket end of the pipeline, counting it. */
    static final class Sink extends ChannelOutboundHandlerAdapter {
        long packets;

        @Override
        public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise) {
            packets++;
            ReferenceCountUtil.release(msg);
        }
    }

    private final InetSocketAddress to = new InetSocketAddress("127.0.0.1", 9000);
    private final Sink sink = new Sink();
    private EmbeddedChannel channel;
    private LinkEmulator emulator;
    private ByteBuffer datagram;
    private ByteBuffer target;
    private int sinceFlush;

    @Setup(Level.Trial)
    public void setUp() {
        datagram = ByteBuffer.allocateDirect(datagramBytes);
        target = ByteBuffer.allocateDirect(datagramBytes);
        emulator = new LinkEmulator(LinkSpec.parse(link), 1, new SegmentBatch(PooledByteBufAllocator.DEFAULT, true, 1500));
        // The sink first, the emulator after it: outbound writes meet the emulator, then the sink.
        channel = new EmbeddedChannel(sink, emulator);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public long offer() {
        emulator.offer(to, datagram);
        if (++sinceFlush == 32) {
            sinceFlush = 0;
            emulator.releaseDue(System.nanoTime());
        }
        return sink.packets;
    }

    @Benchmark
    public long writeThroughPipeline() {
        final ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(datagramBytes);
        final int position = datagram.position();
        copy.writeBytes(datagram);
        datagram.position(position);
        channel.write(new DatagramPacket(copy, to), channel.voidPromise());
        if (++sinceFlush == 32) {
            sinceFlush = 0;
            emulator.releaseDue(System.nanoTime());
        }
        return sink.packets;
    }

    @Benchmark
    public ByteBuffer baselineCopy() {
        target.put(0, datagram, 0, datagramBytes);
        return target;
    }
}
