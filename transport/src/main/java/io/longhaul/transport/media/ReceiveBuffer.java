package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;

import java.nio.ByteBuffer;

/**
 * One socket's receive buffer, allocated once and read into again and again, with one NIO view over
 * it made once: the received datagrams (Netty's slices of it, one per datagram of a recvmmsg or GRO
 * read) are handed to the core as that view with its position and limit set, so receiving allocates
 * no buffer and no NIO view per datagram.
 *
 * <p>As a {@link io.netty.channel.RecvByteBufAllocator} (one per channel; Netty asks it for the
 * buffer of each read): it hands out its buffer whenever nobody holds it any more (reference count
 * back to its own one reference, i.e. every datagram of the previous read released, which
 * {@link UdpPort} does before returning from {@code channelRead}); if the buffer is still held (a
 * transport that keeps reads in flight), it falls back to a buffer of the channel's allocator for
 * that read, counted in {@link #fallbacks()}.
 *
 * <p>The buffer comes from Netty's pooled allocator so that Netty's per-datagram slices of it are
 * its recycled pooled slices (a slice of an unpooled buffer is a new object each time). Loop only.
 */
final class ReceiveBuffer extends DefaultMaxMessagesRecvByteBufAllocator {
    private final ByteBufAllocator allocator;
    private final int capacity;
    private ByteBuf buffer;
    private ByteBuffer view;
    private long address;
    private long fallbacks;
    private boolean released;

    /**
     * @param allocator          where the one buffer comes from.
     * @param capacity           bytes of one read (e.g. datagrams per recvmmsg times the slot size).
     * @param maxMessagesPerRead reads per socket wake-up.
     */
    ReceiveBuffer(final ByteBufAllocator allocator, final int capacity, final int maxMessagesPerRead) {
        super(maxMessagesPerRead);
        this.allocator = allocator;
        this.capacity = capacity;
    }

    @Override
    @SuppressWarnings("deprecation") // Netty's own allocators return the deprecated Handle type too
    public Handle newHandle() {
        return new MaxMessageHandle() {
            @Override
            public int guess() {
                return capacity;
            }

            @Override
            public ByteBuf allocate(final ByteBufAllocator alloc) {
                return acquire(alloc);
            }
        };
    }

    private ByteBuf acquire(final ByteBufAllocator fallback) {
        if (buffer == null && !released) {
            buffer = untracked(allocator, capacity);
            view = buffer.nioBuffer(0, capacity);
            address = buffer.hasMemoryAddress() ? buffer.memoryAddress() : 0;
        }
        if (buffer != null && buffer.refCnt() == 1) {
            return buffer.retain().clear();
        }
        fallbacks++;
        return fallback.ioBuffer(capacity);
    }

    /**
     * A buffer the leak detector does not wrap: it samples allocations, and a wrapped buffer's
     * slices are wrapped (allocated) again on every use. Under paranoid detection every buffer is
     * wrapped and the last one is kept.
     */
    private static ByteBuf untracked(final ByteBufAllocator allocator, final int capacity) {
        ByteBuf b = allocator.directBuffer(capacity, capacity);
        for (int i = 0; i < 8 && b.unwrap() != null; i++) {
            b.release();
            b = allocator.directBuffer(capacity, capacity);
        }
        return b;
    }

    /**
     * The bytes of {@code content} (a datagram Netty read) as this buffer's reused view, or null when
     * {@code content} is not a part of this buffer (a fallback read, or no memory address).
     */
    ByteBuffer viewOf(final ByteBuf content) {
        final ByteBuf b = buffer;
        if (b == null || address == 0 || (content != b && content.unwrap() != b) || !content.hasMemoryAddress()) {
            return null;
        }
        final long offset = content.memoryAddress() + content.readerIndex() - address;
        final int length = content.readableBytes();
        if (offset < 0 || offset + length > capacity) {
            return null;
        }
        final ByteBuffer v = view;
        v.limit(capacity);
        v.position((int) offset);
        v.limit((int) offset + length);
        return v;
    }

    /** Reads that could not use the buffer because it was still held. */
    long fallbacks() {
        return fallbacks;
    }

    int capacity() {
        return capacity;
    }

    /** Gives the buffer back (channel closed); later reads, if any, use the channel's allocator. */
    void release() {
        released = true;
        if (buffer != null) {
            buffer.release();
            buffer = null;
            view = null;
            address = 0;
        }
    }
}
