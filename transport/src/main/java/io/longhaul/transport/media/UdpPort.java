package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One local UDP socket of a {@link UdpDriver}: its channel, its GSO batch, its optional link
 * emulator, and the inbound handler that hands every received datagram to the endpoint without
 * copying ({@code content().internalNioBuffer(...)}). All on the driver's event loop.
 */
final class UdpPort extends ChannelInboundHandlerAdapter {
    private final UdpDriver driver;
    private final int index;
    private final SegmentBatch batch;
    private final LinkEmulator emulator;
    private Channel channel;
    private boolean dirty;
    private InetSocketAddress lastSender;
    private Route lastRoute;
    private long datagramsReceived;
    private long bytesReceived;

    UdpPort(final UdpDriver driver, final int index, final SegmentBatch batch, final LinkEmulator emulator) {
        this.driver = driver;
        this.index = index;
        this.batch = batch;
        this.emulator = emulator;
    }

    int index() {
        return index;
    }

    Channel channel() {
        return channel;
    }

    void channel(final Channel value) {
        channel = value;
    }

    LinkEmulator emulator() {
        return emulator;
    }

    InetSocketAddress localAddress() {
        return channel == null ? null : (InetSocketAddress) channel.localAddress();
    }

    /** The route object the core sees for {@code remote} on this port (cached for the last sender). */
    Route route(final InetSocketAddress remote) {
        if (lastRoute != null && remote.equals(lastSender)) {
            return lastRoute;
        }
        lastSender = remote;
        lastRoute = new Route(this, remote);
        return lastRoute;
    }

    /** Queues one datagram of the core for sending; written out by {@link #flushIfDirty()}. */
    void send(final InetSocketAddress to, final ByteBuffer datagram) {
        if (channel == null || !channel.isActive()) {
            return;
        }
        if (emulator != null) {
            final int length = datagram.remaining();
            final ByteBuf copy = channel.alloc().directBuffer(length);
            final int position = datagram.position();
            copy.writeBytes(datagram);
            datagram.position(position);
            channel.write(new DatagramPacket(copy, to), channel.voidPromise());
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
            }
            channel.flush();
        }
    }

    long datagramsReceived() {
        return datagramsReceived;
    }

    long bytesReceived() {
        return bytesReceived;
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
            final ByteBuffer view = content.internalNioBuffer(content.readerIndex(), length);
            driver.onDatagram(route(packet.sender()), view);
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext ctx) {
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
