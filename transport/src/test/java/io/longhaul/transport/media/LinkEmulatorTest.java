package io.longhaul.transport.media;

import io.longhaul.transport.sim.LinkSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The real-time emulator against the wall clock: delay and rate as measured by a plain socket. */
class LinkEmulatorTest {
    static {
        UdpDriver.preciseTimers();
    }

    private final boolean epoll = io.netty.channel.epoll.Epoll.isAvailable();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        epoll ? io.netty.channel.epoll.EpollIoHandler.newFactory() : NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    private Channel sender(final String spec) throws InterruptedException {
        final LinkEmulator emulator = new LinkEmulator(LinkSpec.parse(spec), 1, new SegmentBatch(PooledByteBufAllocator.DEFAULT, false));
        final Channel ch = new Bootstrap().group(group).channel(epoll ? io.netty.channel.epoll.EpollDatagramChannel.class : NioDatagramChannel.class)
            .handler(new ChannelInboundHandlerAdapter()).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        ch.pipeline().addFirst(emulator);
        return ch;
    }

    private static DatagramPacket packet(final Channel ch, final int size, final InetSocketAddress to, final int seq) {
        final ByteBuf b = ch.alloc().directBuffer(size);
        b.writeInt(seq).writeZero(size - 4);
        return new DatagramPacket(b, to);
    }

    /** A closing port's queued datagrams (a closing transport's last ACKs and its CLOSE) still go out. */
    @Test
    @Timeout(20)
    void shouldSendWhatIsQueuedWhenThePortCloses() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final Channel ch = sender("delay=10s");
            final InetSocketAddress to = (InetSocketAddress) receiver.getLocalSocketAddress();
            for (int i = 0; i < 5; i++) {
                ch.writeAndFlush(packet(ch, 100, to, i)).sync();
            }
            ch.close().sync();
            receiver.setSoTimeout(5_000);
            final java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
            for (int i = 0; i < 5; i++) {
                receiver.receive(in);
                assertThat(java.nio.ByteBuffer.wrap(in.getData()).getInt()).as("datagram %d, in order", i).isEqualTo(i);
            }
        }
    }

    @Test
    @Timeout(20)
    void shouldDelayEachDatagramByTheConfiguredDelayWithinFivePercent() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final Channel ch = sender("delay=10ms");
            final InetSocketAddress to = (InetSocketAddress) receiver.getLocalSocketAddress();
            final java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
            // The first datagrams pay for class loading and compilation on both threads.
            final int warmup = 3;
            final int n = 21;
            final long[] samples = new long[n];
            for (int i = 0; i < warmup + n; i++) {
                final long t0 = System.nanoTime();
                ch.writeAndFlush(packet(ch, 100, to, i));
                receiver.receive(in);
                if (i >= warmup) {
                    samples[i - warmup] = System.nanoTime() - t0;
                }
            }
            java.util.Arrays.sort(samples);
            // The fastest sample is the emulated delay plus the least the two threads' wake-ups
            // cost; a shared VM adds up to milliseconds to the others (scheduling, not emulation).
            final double ratio = samples[0] / 10e6;
            assertThat(ratio).as("fastest one-way delay / 10 ms").isBetween(0.95, 1.05);
            assertThat(samples[n / 2] / 10e6).as("median one-way delay / 10 ms").isBetween(0.95, 1.25);
            ch.close().sync();
        }
    }

    @Test
    @Timeout(20)
    void shouldSerializeAtTheConfiguredRateWithinFivePercent() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            receiver.setReceiveBufferSize(4 << 20);
            final Channel ch = sender("rate=50mbit,queue=8M");
            final InetSocketAddress to = (InetSocketAddress) receiver.getLocalSocketAddress();
            final int n = 2000;
            final int size = 1000;
            ch.eventLoop().execute(() -> {
                for (int i = 0; i < n; i++) {
                    ch.write(packet(ch, size, to, i), ch.voidPromise());
                }
                ch.flush();
            });
            final java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
            final long[] at = new long[n];
            for (int i = 0; i < n; i++) {
                receiver.receive(in);
                at[i] = System.nanoTime();
            }
            // The rate over windows of 100 datagrams after the first quarter (once the receiving
            // thread has caught up); the median window is free of a one-off stall of the receiver,
            // which would shorten or stretch a single measured span.
            final int window = 100;
            final double windowBits = window * (double) (size + LinkEmulator.IP_UDP_OVERHEAD_BYTES) * 8;
            final double[] rates = java.util.stream.IntStream.iterate(n / 4, i -> i + window < n, i -> i + window)
                .mapToDouble(i -> windowBits / ((at[i + window] - at[i]) / 1e9)).sorted().toArray();
            final double ratio = rates[rates.length / 2] / 50e6;
            assertThat(ratio).as("median windowed rate / 50 Mbit/s").isBetween(0.95, 1.05);
            ch.close().sync();
        }
    }
}
