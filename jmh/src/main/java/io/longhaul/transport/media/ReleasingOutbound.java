package io.longhaul.transport.media;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.SocketAddress;

/**
 * A stand-in for a socket's outbound side in benchmarks: every written packet counts as sent at
 * once and is released, as Netty releases a packet once the kernel took it, so reused slots come
 * back free. Allocates nothing.
 */
final class ReleasingOutbound implements ChannelOutboundInvoker {
    long packets;
    long bytes;

    @Override
    public ChannelFuture write(final Object msg, final ChannelPromise promise) {
        packets++;
        if (msg instanceof DatagramPacket) {
            bytes += ((DatagramPacket) msg).content().readableBytes();
        }
        ReferenceCountUtil.release(msg);
        return null;
    }

    @Override
    public ChannelFuture writeAndFlush(final Object msg, final ChannelPromise promise) {
        return write(msg, promise);
    }

    @Override
    public ChannelOutboundInvoker flush() {
        return this;
    }

    @Override
    public ChannelPromise voidPromise() {
        return null;
    }

    @Override
    public ChannelFuture bind(final SocketAddress localAddress, final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture connect(final SocketAddress remoteAddress, final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture connect(final SocketAddress remoteAddress, final SocketAddress localAddress, final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture disconnect(final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture close(final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture deregister(final ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelOutboundInvoker read() {
        return this;
    }

    @Override
    public ChannelPromise newPromise() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelProgressivePromise newProgressivePromise() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture newSucceededFuture() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture newFailedFuture(final Throwable cause) {
        throw new UnsupportedOperationException();
    }
}
