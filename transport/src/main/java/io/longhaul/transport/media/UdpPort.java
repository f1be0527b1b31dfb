package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * One local UDP socket of a {@link UdpDriver}: its channel, its GSO batch, its optional link
 * emulator, and the inbound handler that hands every received datagram to the endpoint without
 * copying (as a view of the socket's {@link ReceiveBuffer}). All on the driver's event loop.
 *
 * <p>Per datagram it allocates nothing: the sender's {@link Route} comes from a small cache keyed by
 * address (in a ring, DATA from one neighbour and ACKs from the other arrive on the same socket, so
 * the sender changes all the time), and the clock is read once per kernel read (the datagrams of one
 * recvmmsg or GRO read arrived together) rather than once per datagram.
 */
final class UdpPort extends ChannelInboundHandlerAdapter {
    /** Senders whose routes a port keeps; beyond it the cache starts again (a server port with many peers). */
    static final int MAX_CACHED_ROUTES = 1024;

    private final UdpDriver driver;
    private final int index;
    private final SegmentBatch batch;
    private final LinkEmulator emulator;
    private final ReceiveBuffer receive;
    private final Map<InetSocketAddress, Route> routes = new HashMap<>();
    private Channel channel;
    private boolean dirty;
    private InetSocketAddress lastSender;
    private Route lastRoute;
    /** The clock of the current kernel read; valid while {@link #reading}. */
    private long readNowNs;
    private boolean reading;
    private long datagramsReceived;
    private long bytesReceived;
    private long datagramsSent;

    UdpPort(final UdpDriver driver, final int index, final SegmentBatch batch, final LinkEmulator emulator) {
        this(driver, index, batch, emulator, null);
    }

    UdpPort(final UdpDriver driver, final int index, final SegmentBatch batch, final LinkEmulator emulator,
            final ReceiveBuffer receive) {
        this.driver = driver;
        this.index = index;
        this.batch = batch;
        this.emulator = emulator;
        this.receive = receive;
    }

    int index() {
        return index;
    }

    Channel channel() {
        return channel;
    }

    void channel(final Channel value) {
        channel = value;
        value.closeFuture().addListener(f -> closed());
    }

    LinkEmulator emulator() {
        return emulator;
    }

    InetSocketAddress localAddress() {
        return channel == null ? null : (InetSocketAddress) channel.localAddress();
    }

    /**
     * The route object the core sees for {@code remote} on this port: one per sender address, so a
     * route handed out once is handed out again (allocates only on a sender's first datagram).
     */
    Route route(final InetSocketAddress remote) {
        if (lastRoute != null && (remote == lastSender || remote.equals(lastSender))) {
            return lastRoute;
        }
        Route r = routes.get(remote);
        if (r == null) {
            if (routes.size() >= MAX_CACHED_ROUTES) {
                routes.clear();
            }
            r = new Route(this, remote);
            routes.put(remote, r);
        }
        lastSender = remote;
        lastRoute = r;
        return r;
    }

    /** Routes cached (for tests). */
    int cachedRoutes() {
        return routes.size();
    }

    /** Queues one datagram of the core for sending; written out by {@link #flushIfDirty()}. */
    void send(final InetSocketAddress to, final ByteBuffer datagram) {
        if (channel == null || !channel.isActive()) {
            return;
        }
        datagramsSent++;
        if (emulator != null) {
            emulator.offer(to, datagram);
        } else {
            batch.add(channel, to, datagram);
        }
        dirty = true;
    }

    void flushIfDirty() {
        if (dirty) {
            dirty = false;
            if (emulator == null) {
                batch.finish(channel);
                channel.flush();
            } else {
                emulator.flushOffered();
            }
        }
    }

    long datagramsReceived() {
        return datagramsReceived;
    }

    long bytesReceived() {
        return bytesReceived;
    }

    /** Datagrams the core handed to this port for sending (before any emulated loss). */
    long datagramsSent() {
        return datagramsSent;
    }

    /** Reads that could not reuse the receive buffer (for tests). */
    long receiveFallbacks() {
        return receive == null ? 0 : receive.fallbacks();
    }

    SegmentBatch batch() {
        return batch;
    }

    private void closed() {
        batch.close();
        if (receive != null) {
            receive.release();
        }
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        final DatagramPacket packet = (DatagramPacket) msg;
        try {
            final ByteBuf content = packet.content();
            final int length = content.readableBytes();
            datagramsReceived++;
            bytesReceived += length;
            ByteBuffer view = receive == null ? null : receive.viewOf(content);
            // A read's first datagram starts its buffer: the clock is read once per kernel read.
            if (view == null || view.position() == 0 || !reading) {
                readNowNs = System.nanoTime();
                reading = true;
            }
            if (view == null) {
                view = content.internalNioBuffer(content.readerIndex(), length);
            }
            driver.onDatagram(readNowNs, route(packet.sender()), view);
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
        reading = false;
        driver.runPoll();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        // ICMP port unreachable and friends: UDP is connectionless, the core's timers handle silence.
        driver.onSocketError(this, cause);
    }

    @Override
    public String toString() {
        return "port " + index + " " + localAddress();
    }
}
