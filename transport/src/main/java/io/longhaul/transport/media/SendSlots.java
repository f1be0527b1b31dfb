package io.longhaul.transport.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Send buffers of one socket that are allocated once and reused, each with the Netty packet that
 * carries it, so the steady send path allocates neither a buffer nor a packet per datagram (or per
 * GSO batch).
 *
 * <p>A slot holds one reference to its buffer; writing it adds one, which Netty drops when the
 * datagram has left (or failed), so a slot whose reference count is back to one is free. Slots are
 * handed out in ring order, and Netty writes (and frees) them in that order, so only the slot at the
 * cursor needs checking: when it is still in flight every slot is, and a new one is put in at the
 * cursor (it becomes the newest). Past {@link #maxSlots} in flight (a socket that cannot keep up)
 * {@link #acquire} returns null and the caller allocates for that datagram.
 *
 * <p>A slot's packet is kept and sent again while it goes to the same recipient object with the
 * same segment size (a new one is made when either changes): recipients are the core's route
 * addresses, one object per peer.
 *
 * <p>Buffers come from the given allocator once and stay (so the pool never frees and re-creates
 * chunks under them). Not thread-safe: the owning event loop only.
 */
final class SendSlots {
    /** One reusable buffer and the packet last sent with it. */
    static final class Slot {
        final ByteBuf buffer;
        DatagramPacket packet;
        InetSocketAddress recipient;
        int segmentSize;

        Slot(final ByteBuf buffer) {
            this.buffer = buffer;
        }

        /**
         * The packet carrying this slot's readable bytes to {@code to} ({@code segmentSize} 0 for a
         * plain datagram), with one more reference for Netty to drop.
         */
        DatagramPacket packet(final InetSocketAddress to, final int segment) {
            if (packet == null || recipient != to || segmentSize != segment) {
                packet = segment == 0 ? new DatagramPacket(buffer, to) : new SegmentedDatagramPacket(buffer, segment, to);
                recipient = to;
                segmentSize = segment;
            }
            buffer.retain();
            return packet;
        }
    }

    private final ByteBufAllocator allocator;
    private final int slotBytes;
    private final int maxSlots;
    private final List<Slot> slots = new ArrayList<>();
    private int cursor;
    private boolean closed;
    private long exhausted;

    SendSlots(final ByteBufAllocator allocator, final int slotBytes, final int maxSlots) {
        this.allocator = allocator;
        this.slotBytes = slotBytes;
        this.maxSlots = maxSlots;
    }

    /** Capacity of each slot's buffer. */
    int slotBytes() {
        return slotBytes;
    }

    /** @return a free slot with an empty buffer, or null when {@link #maxSlots} are all in flight or closed. */
    Slot acquire() {
        if (closed) {
            return null;
        }
        final int n = slots.size();
        if (n > 0) {
            final Slot s = slots.get(cursor);
            if (s.buffer.refCnt() == 1) {
                cursor = cursor + 1 == n ? 0 : cursor + 1;
                s.buffer.clear();
                return s;
            }
        }
        if (n == maxSlots) {
            exhausted++;
            return null;
        }
        final Slot s = new Slot(allocator.directBuffer(slotBytes, slotBytes));
        slots.add(cursor, s);
        cursor = cursor + 1 == n + 1 ? 0 : cursor + 1;
        return s;
    }

    /** Slots made so far. */
    int size() {
        return slots.size();
    }

    /** Times every slot was in flight and the caller had to allocate. */
    long exhausted() {
        return exhausted;
    }

    /** Drops this holder's references (channel closing); a slot still in flight is freed when Netty lets it go. */
    void close() {
        closed = true;
        for (final Slot s : slots) {
            s.buffer.release();
        }
        slots.clear();
        cursor = 0;
    }
}
