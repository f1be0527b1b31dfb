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
 * buffer and written as a plain {@link DatagramPacket}; Netty then still sends the writes of one
 * flush with a single {@code sendmmsg}.
 *
 * <p>Bytes are copied, so callers may reuse their source at once. The buffers (and the packets
 * that carry them) are {@link SendSlots}, allocated once per socket and reused as soon as Netty has
 * sent them: the steady path allocates nothing, and Netty's pool never sees the
 * allocate-and-free of a 64 KB buffer per batch (which, above the pool's thread-cache limit of
 * 32 KiB, went to the arena each time and made it destroy and re-create, zeroed, whole 4 MiB
 * chunks). Only when more than the slots' bound is in flight at once (a socket that cannot keep up)
 * is a buffer taken from the allocator for that datagram or batch.
 *
 * <p>Not thread-safe: used on the owning event loop only.
 */
final class SegmentBatch {
    static final int MAX_SEGMENTS = 64;
    static final int MAX_BYTES = 65_000;
    /** Slot size for single datagrams when the caller does not say (larger ones are allocated). */
    static final int DEFAULT_DATAGRAM_SLOT_BYTES = 2048;
    /** GSO batches in flight at once, reused (65 KB each). */
    static final int MAX_BATCH_SLOTS = 128;
    /** Single datagrams in flight at once, reused. */
    static final int MAX_DATAGRAM_SLOTS = 4096;

    private final ByteBufAllocator allocator;
    private final boolean gso;
    private final SendSlots batches;
    private final SendSlots singles;
    /** The open batch: a slot, or (slots exhausted) a buffer of the allocator. */
    private SendSlots.Slot slot;
    private ByteBuf buffer;
    private InetSocketAddress recipient;
    private int segmentSize;
    private int segments;
    private boolean sealed;
    private long batchesWritten;
    private long datagramsWritten;
    private long allocatedWrites;

    SegmentBatch(final ByteBufAllocator allocator, final boolean gso) {
        this(allocator, gso, DEFAULT_DATAGRAM_SLOT_BYTES);
    }

    /** @param maxDatagramBytes the largest datagram usually sent (single-datagram slot size). */
    SegmentBatch(final ByteBufAllocator allocator, final boolean gso, final int maxDatagramBytes) {
        this.allocator = allocator;
        this.gso = gso;
        this.batches = new SendSlots(allocator, MAX_BYTES, MAX_BATCH_SLOTS);
        this.singles = new SendSlots(allocator, Math.max(1, maxDatagramBytes), MAX_DATAGRAM_SLOTS);
    }

    boolean gso() {
        return gso;
    }

    /** Capacity of a single-datagram slot: the largest datagram the caller said it usually sends. */
    int datagramSlotBytes() {
        return singles.slotBytes();
    }

    /** Appends the bytes between position and limit of {@code data} (which is left unchanged). */
    void add(final ChannelOutboundInvoker out, final InetSocketAddress to, final ByteBuffer data) {
        final int length = data.remaining();
        final int position = data.position();
        if (!gso) {
            final SendSlots.Slot s = length <= singles.slotBytes() ? singles.acquire() : null;
            final ByteBuf single = s != null ? s.buffer : allocator.directBuffer(length);
            single.writeBytes(data);
            data.position(position);
            writeSingle(out, to, s, single);
            return;
        }
        target(out, to, length).writeBytes(data);
        data.position(position);
    }

    /** Appends the readable bytes of {@code data} (which the caller still owns). */
    void add(final ChannelOutboundInvoker out, final InetSocketAddress to, final ByteBuf data) {
        final int length = data.readableBytes();
        if (!gso) {
            final SendSlots.Slot s = length <= singles.slotBytes() ? singles.acquire() : null;
            final ByteBuf single = s != null ? s.buffer : allocator.directBuffer(length);
            single.writeBytes(data, data.readerIndex(), length);
            writeSingle(out, to, s, single);
            return;
        }
        target(out, to, length).writeBytes(data, data.readerIndex(), length);
    }

    private void writeSingle(final ChannelOutboundInvoker out, final InetSocketAddress to, final SendSlots.Slot s,
                             final ByteBuf single) {
        datagramsWritten++;
        batchesWritten++;
        if (s != null) {
            out.write(s.packet(to, 0), out.voidPromise());
        } else {
            allocatedWrites++;
            out.write(new DatagramPacket(single, to), out.voidPromise());
        }
    }

    private ByteBuf target(final ChannelOutboundInvoker out, final InetSocketAddress to, final int length) {
        datagramsWritten++;
        if (buffer != null && (sealed || length > segmentSize || segments == MAX_SEGMENTS
            || buffer.readableBytes() + length > MAX_BYTES || !recipient.equals(to))) {
            finish(out);
        }
        if (buffer == null) {
            slot = length <= MAX_BYTES ? batches.acquire() : null;
            buffer = slot != null ? slot.buffer : allocator.directBuffer(Math.max(length, MAX_BYTES));
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
        final SendSlots.Slot s = slot;
        buffer = null;
        slot = null;
        batchesWritten++;
        final int segment = segments == 1 ? 0 : segmentSize;
        if (s != null) {
            out.write(s.packet(recipient, segment), out.voidPromise());
            return;
        }
        allocatedWrites++;
        if (segment == 0) {
            out.write(new DatagramPacket(b, recipient), out.voidPromise());
        } else {
            out.write(new SegmentedDatagramPacket(b, segment, recipient), out.voidPromise());
        }
    }

    /** Drops an unwritten batch (channel closing). */
    void discard() {
        if (buffer != null) {
            if (slot == null) {
                buffer.release();
            }
            buffer = null;
            slot = null;
        }
    }

    /** Gives every slot back (channel closed); slots still in flight are freed when Netty lets them go. */
    void close() {
        discard();
        batches.close();
        singles.close();
    }

    long batchesWritten() {
        return batchesWritten;
    }

    long datagramsWritten() {
        return datagramsWritten;
    }

    /** Writes that found every slot in flight and took a buffer from the allocator. */
    long allocatedWrites() {
        return allocatedWrites;
    }

    /** Slots made so far: {GSO batch slots, single-datagram slots}. */
    int[] slotCounts() {
        return new int[] {batches.size(), singles.size()};
    }
}
