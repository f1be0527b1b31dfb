package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Coalesces consecutive datagrams of one local socket into UDP GSO batches
 * ({@link SegmentedDatagramPacket}: one {@code sendmsg} carrying up to {@value #MAX_SEGMENTS}
 * datagrams that the kernel, or the NIC, cuts apart). A batch holds datagrams for one recipient,
 * all of the batch's segment size except possibly the last, at most {@value #MAX_BYTES} bytes in all
 * (below the 65,507-byte limit of one UDP send). Without GSO each datagram is copied into its own
 * pooled buffer and written as a plain {@link DatagramPacket}; Netty then still sends the writes of
 * one flush with a single {@code sendmmsg}.
 *
 * <p>Bytes are copied into pooled direct buffers, so callers may reuse their source at once.
 * Not thread-safe: used on the owning event loop only.
 */
final class SegmentBatch {
    static final int MAX_SEGMENTS = 64;
    static final int MAX_BYTES = 65_000;

    private final ByteBufAllocator allocator;
    private final boolean gso;
    private ByteBuf buffer;
    private InetSocketAddress recipient;
    private int segmentSize;
    private int segments;
    private boolean sealed;
    private long batchesWritten;
    private long datagramsWritten;

    SegmentBatch(final ByteBufAllocator allocator, final boolean gso) {
        this.allocator = allocator;
        this.gso = gso;
    }

    boolean gso() {
        return gso;
    }

    /** Appends the bytes between position and limit of {@code data} (which is left unchanged). */
    void add(final ChannelOutboundInvoker out, final InetSocketAddress to, final ByteBuffer data) {
        final int length = data.remaining();
        final int position = data.position();
        if (!gso) {
            final ByteBuf single = allocator.directBuffer(length);
            single.writeBytes(data);
            data.position(position);
            writeSingle(out, to, single);
            return;
        }
        target(out, to, length).writeBytes(data);
        data.position(position);
    }

    /** Appends the readable bytes of {@code data} (which the caller still owns). */
    void add(final ChannelOutboundInvoker out, final InetSocketAddress to, final ByteBuf data) {
        final int length = data.readableBytes();
        if (!gso) {
            final ByteBuf single = allocator.directBuffer(length);
            single.writeBytes(data, data.readerIndex(), length);
            writeSingle(out, to, single);
            return;
        }
        target(out, to, length).writeBytes(data, data.readerIndex(), length);
    }

    private void writeSingle(final ChannelOutboundInvoker out, final InetSocketAddress to, final ByteBuf single) {
        datagramsWritten++;
        batchesWritten++;
        out.write(new DatagramPacket(single, to), out.voidPromise());
    }

    private ByteBuf target(final ChannelOutboundInvoker out, final InetSocketAddress to, final int length) {
        datagramsWritten++;
        if (buffer != null && (sealed || length > segmentSize || segments == MAX_SEGMENTS
            || buffer.readableBytes() + length > MAX_BYTES || !recipient.equals(to))) {
            finish(out);
        }
        if (buffer == null) {
            buffer = allocator.directBuffer(Math.max(length, MAX_BYTES));
            recipient = to;
            segmentSize = Math.max(length, 1);
            segments = 0;
            sealed = false;
        }
        segments++;
        if (length < segmentSize) {
            sealed = true;
        }
        return buffer;
    }

    /** Writes the open batch, if any (does not flush). */
    void finish(final ChannelOutboundInvoker out) {
        if (buffer == null) {
            return;
        }
        final ByteBuf b = buffer;
        buffer = null;
        batchesWritten++;
        if (segments == 1) {
            out.write(new DatagramPacket(b, recipient), out.voidPromise());
        } else {
            out.write(new SegmentedDatagramPacket(b, segmentSize, recipient), out.voidPromise());
        }
    }

    /** Drops an unwritten batch (channel closing). */
    void discard() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
    }

    long batchesWritten() {
        return batchesWritten;
    }

    long datagramsWritten() {
        return datagramsWritten;
    }
}
