package io.longhaul.transport.media;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.LinkModel;
import io.longhaul.transport.sim.LinkSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The in-process real-time link emulator: a {@link LinkModel} applied to every datagram leaving a
 * channel, as an outbound handler in front of the socket. So two processes (or two transports in
 * one JVM) on loopback see, say, a 1000 km lossy link without root, netem or a second host.
 *
 * <p>Per datagram, at the real time of the write: the model decides its fate. Dropped datagrams are
 * released. The others wait in a time-ordered queue (a binary heap on delivery time, ties in write
 * order) drained by one scheduled task on the channel's event loop, re-armed half a release
 * window after the earliest delivery time; a wake-up releases in one batch every datagram due
 * within half a window of it (Netty's epoll timers are timerfd-based, so delays are honoured to
 * tens of microseconds). A corrupted datagram has one bit flipped; a duplicated one is written twice
 * (the copy intact). Released datagrams are coalesced into GSO batches after emulation, so each
 * datagram meets the model on its own. The emulated packet size for {@code rate} is the UDP payload
 * plus {@value #IP_UDP_OVERHEAD_BYTES} bytes of IPv4 and UDP headers.
 *
 * <p>Per datagram it allocates nothing on the steady path: the driver hands each datagram over with
 * {@link #offer} (no Netty write, no packet object), its copy waits in a buffer recycled from earlier
 * datagrams (at most {@value #MAX_SPARE_BUFFERS} and {@value #MAX_SPARE_BYTES} bytes kept spare, so a
 * burst's buffers go back to the pool once it has passed), the queue is parallel arrays, and the drain deadline is a
 * {@link DeadlineTimer}. Datagrams written into the channel by others (through {@link #write}) take
 * the same path.
 *
 * <p>Emulation happens on egress only: to emulate both directions, put one on each end.
 *
 * <p>With an {@link EcmpFabric} instead of a single link, every port of a driver shares the
 * driver's one fabric (they all live on one event loop): each datagram's fate comes from the
 * fabric, for the flow of its real 4-tuple (this channel's bound local address, the datagram's
 * recipient), so a path moved to another local port may hash onto another link. The delay queue
 * and release window are the same. In real time each transport models only its own egress: two
 * transports in one JVM have two fabrics and do not share link queues (in the simulator one fabric
 * carries every host). A port bound to a wildcard address hashes that address, not the source
 * address the kernel picks.
 */
final class LinkEmulator extends ChannelOutboundHandlerAdapter {
    static final int IP_UDP_OVERHEAD_BYTES = 28;
    /**
     * Datagrams are released in batches, as a NIC coalesces interrupts: at 1 Gbit/s one is due every
     * 12 us, and a timer wake-up per datagram costs more CPU than the datagram. When more than one
     * datagram is due within a window, the drain timer is armed half a window after the earliest and
     * releases every datagram due up to half a window after now, so each leaves within half a window
     * of its due time, early or late, and the mean delay is the spec's; a lone datagram leaves at
     * its time. The window is 5% of the link's delay, between
     * {@value #MIN_RELEASE_WINDOW_NS} and {@value #MAX_RELEASE_WINDOW_NS} ns.
     */
    static final long MAX_RELEASE_WINDOW_NS = 100_000;
    static final long MIN_RELEASE_WINDOW_NS = 10_000;
    /** Datagrams the delay queue may hold before it drops (a link with no rate limit has no queue bound). */
    static final int MAX_QUEUED = 1 << 20;

    /** Flows whose handles this port keeps; beyond it the cache starts again (a server port with many peers). */
    static final int MAX_CACHED_FLOWS = 4096;

    /** The port's own link; null with a fabric. */
    private final LinkModel model;
    /** The driver's fabric; null with a single link. */
    private final EcmpFabric fabric;
    private final Map<InetSocketAddress, EcmpFabric.Flow> flows;
    private InetSocketAddress lastRecipient;
    private EcmpFabric.Flow lastFlow;
    private final LinkModel.Fate fate = new LinkModel.Fate();
    /** Recycled buffers kept for later datagrams, beyond which they go back to the allocator. */
    static final int MAX_SPARE_BUFFERS = 8192;
    /** At most this much memory is kept in spare buffers (fewer of them with jumbo datagrams). */
    static final int MAX_SPARE_BYTES = 16 << 20;
    /**
     * Least capacity of a recycled buffer (it is the driver's largest datagram when that is larger,
     * e.g. jumbo); a datagram larger still gets a buffer of its own size.
     */
    static final int BUFFER_BYTES = 2048;

    private final SegmentBatch batch;
    private final int bufferBytes;
    private final int maxSpare;
    private long[] atNs = new long[1024];
    private long[] order = new long[1024];
    private ByteBuf[] contents = new ByteBuf[1024];
    private InetSocketAddress[] recipients = new InetSocketAddress[1024];
    private final ArrayDeque<ByteBuf> spare = new ArrayDeque<>();
    private int size;
    private long sequence;
    private long overflowDrops;
    private ChannelHandlerContext context;
    private DeadlineTimer timer;
    private final Runnable drainTask = this::drain;
    /** The head of the queue after {@link #pop} (set there). */
    private InetSocketAddress poppedRecipient;
    /** Half the release window. */
    private final long halfWindowNs;

    LinkEmulator(final LinkSpec spec, final long seed, final SegmentBatch batch) {
        this.model = new LinkModel(spec, seed);
        this.fabric = null;
        this.flows = null;
        this.batch = batch;
        this.bufferBytes = Math.max(BUFFER_BYTES, batch.datagramSlotBytes());
        this.maxSpare = Math.min(MAX_SPARE_BUFFERS, MAX_SPARE_BYTES / bufferBytes);
        this.halfWindowNs = releaseWindowNs(spec) / 2;
    }

    /** An emulator whose datagrams cross {@code fabric} (shared with the driver's other ports, on one loop). */
    LinkEmulator(final EcmpFabric fabric, final SegmentBatch batch) {
        this.model = null;
        this.fabric = fabric;
        this.flows = new HashMap<>();
        this.batch = batch;
        this.bufferBytes = Math.max(BUFFER_BYTES, batch.datagramSlotBytes());
        this.maxSpare = Math.min(MAX_SPARE_BUFFERS, MAX_SPARE_BYTES / bufferBytes);
        this.halfWindowNs = releaseWindowNs(fabric.spec().minDelayNs()) / 2;
    }

    /** @return the release window for a link: 5% of its delay, within [10 us, 100 us]. */
    static long releaseWindowNs(final LinkSpec spec) {
        return releaseWindowNs(spec.delayNs());
    }

    private static long releaseWindowNs(final long delayNs) {
        return Math.max(MIN_RELEASE_WINDOW_NS, Math.min(MAX_RELEASE_WINDOW_NS, delayNs / 20));
    }

    /** The port's own link model; null when the port sends through a fabric. */
    LinkModel model() {
        return model;
    }

    /** The fabric the port sends through; null with a single link. */
    EcmpFabric fabric() {
        return fabric;
    }

    /** The fabric flow of this port's datagrams to {@code to} (allocates only on a flow's first datagram). */
    private EcmpFabric.Flow flowTo(final InetSocketAddress to) {
        if (lastFlow != null && to.equals(lastRecipient)) {
            return lastFlow;
        }
        EcmpFabric.Flow flow = flows.get(to);
        if (flow == null) {
            if (flows.size() >= MAX_CACHED_FLOWS) {
                flows.clear();
            }
            flow = fabric.flow(0, 0, (InetSocketAddress) context.channel().localAddress(), to);
            flows.put(to, flow);
        }
        lastRecipient = to;
        lastFlow = flow;
        return flow;
    }

    /** Datagrams dropped because the delay queue reached {@link #MAX_QUEUED}. */
    long overflowDrops() {
        return overflowDrops;
    }

    int queued() {
        return size;
    }

    /** Recycled buffers kept spare right now (for tests). */
    int spareBuffers() {
        return spare.size();
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        context = ctx;
        timer = new DeadlineTimer(ctx.executor(), drainTask);
    }

    /**
     * One datagram of the driver, between position and limit of {@code datagram} (left unchanged):
     * meets the link model now, then waits for its time or is written at once. Loop only, after
     * the handler was added; {@link #flushOffered} ends a batch of offers.
     */
    void offer(final InetSocketAddress to, final ByteBuffer datagram) {
        final ChannelHandlerContext ctx = context;
        if (ctx == null) {
            return;
        }
        final int length = datagram.remaining();
        final long nowNs = System.nanoTime();
        if (!decide(nowNs, to, length)) {
            return;
        }
        final ByteBuf copy = take(length);
        final int position = datagram.position();
        copy.writeBytes(datagram);
        datagram.position(position);
        emulate(ctx, nowNs, to, copy);
    }

    /** Writes what is due and flushes, then arms the drain for the rest (after a batch of {@link #offer}s). */
    void flushOffered() {
        final ChannelHandlerContext ctx = context;
        if (ctx != null) {
            flush(ctx);
        }
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise) {
        if (!(msg instanceof DatagramPacket)) {
            ctx.write(msg, promise);
            return;
        }
        final DatagramPacket packet = (DatagramPacket) msg;
        promise.trySuccess();
        try {
            final ByteBuf content = packet.content();
            final int length = content.readableBytes();
            final long nowNs = System.nanoTime();
            if (!decide(nowNs, packet.recipient(), length)) {
                return;
            }
            final ByteBuf copy = take(length);
            copy.writeBytes(content, content.readerIndex(), length);
            emulate(ctx, nowNs, packet.recipient(), copy);
        } finally {
            packet.release();
        }
    }

    /** The model's verdict for one datagram (fills {@link #fate}): false when it is lost. */
    private boolean decide(final long nowNs, final InetSocketAddress to, final int length) {
        return model != null ? model.offer(nowNs, length + IP_UDP_OVERHEAD_BYTES, fate)
            : fabric.offer(nowNs, flowTo(to), length + IP_UDP_OVERHEAD_BYTES, fate);
    }

    /** Applies {@link #fate} to a delivered datagram's copy (which this emulator now owns). */
    private void emulate(final ChannelHandlerContext ctx, final long nowNs, final InetSocketAddress to, final ByteBuf content) {
        final int length = content.readableBytes();
        if (fate.duplicated()) {
            final ByteBuf twin;
            if (fate.corrupted()) {
                // The duplicate stays intact: a copy of its own before the original's bit flips.
                twin = take(length);
                twin.writeBytes(content, content.readerIndex(), length);
            } else {
                twin = content.retain();
            }
            enqueue(fate.duplicateDeliverAtNs(), to, twin);
        }
        if (fate.corrupted() && length > 0) {
            final int index = content.readerIndex() + fate.corruptByteIndex() % length;
            content.setByte(index, content.getByte(index) ^ fate.corruptBitMask());
        }
        if (size == 0 && fate.deliverAtNs() - nowNs <= 0) {
            release(ctx, to, content);
            return;
        }
        enqueue(fate.deliverAtNs(), to, content);
    }

    /** An empty buffer for {@code length} bytes: recycled when one is spare. */
    private ByteBuf take(final int length) {
        if (length <= bufferBytes) {
            final ByteBuf b = spare.pollLast();
            if (b != null) {
                return b.clear();
            }
            return context.alloc().directBuffer(bufferBytes, bufferBytes);
        }
        return context.alloc().directBuffer(length, length);
    }

    /** Drops this emulator's reference to {@code b}, keeping it spare when it is the last one. */
    private void recycle(final ByteBuf b) {
        if (b.refCnt() == 1 && b.capacity() == bufferBytes && spare.size() < maxSpare) {
            spare.addLast(b);
        } else {
            b.release();
        }
    }

    @Override
    public void flush(final ChannelHandlerContext ctx) {
        batch.finish(ctx);
        ctx.flush();
        arm(System.nanoTime());
    }

    /**
     * Sends what is still queued at once, then closes: a closing transport's last ACKs and its
     * CLOSE are in this queue, and a peer that never gets them waits for acknowledgements that
     * cannot come until its idle timeout.
     */
    @Override
    public void close(final ChannelHandlerContext ctx, final ChannelPromise promise) {
        if (context != null && ctx.channel().isActive()) {
            releaseQueued(0, true);
        }
        discardQueued();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx) {
        discardQueued();
    }

    private void release(final ChannelHandlerContext ctx, final InetSocketAddress to, final ByteBuf content) {
        try {
            batch.add(ctx, to, content);
        } finally {
            recycle(content);
        }
    }

    private void drain() {
        final ChannelHandlerContext ctx = context;
        if (ctx == null || size == 0) {
            return;
        }
        final long nowNs = System.nanoTime();
        releaseDue(nowNs);
        arm(nowNs);
    }

    /**
     * Writes and flushes every queued datagram due within half a release window of {@code nowNs}
     * (what a drain wake-up does, without re-arming). Loop only.
     *
     * @return datagrams written.
     */
    int releaseDue(final long nowNs) {
        return releaseQueued(nowNs + halfWindowNs, false);
    }

    /** Writes and flushes the queued datagrams due by {@code releaseBefore}, or all of them. */
    private int releaseQueued(final long releaseBefore, final boolean all) {
        final ChannelHandlerContext ctx = context;
        int wrote = 0;
        while (size > 0 && (all || atNs[0] - releaseBefore <= 0)) {
            final ByteBuf content = pop();
            release(ctx, poppedRecipient, content);
            wrote++;
        }
        if (wrote > 0) {
            batch.finish(ctx);
            ctx.flush();
        }
        return wrote;
    }

    private void arm(final long nowNs) {
        if (size == 0 || context == null) {
            return;
        }
        long due = atNs[0];
        if (size > 1) {
            // Others follow within the window: wake half a window later and release them together.
            // A lone datagram is released at its time.
            final long second = size > 2 && atNs[2] - atNs[1] < 0 ? atNs[2] : atNs[1];
            if (second - due < 2 * halfWindowNs) {
                due += halfWindowNs;
            }
        }
        timer.arm(due, nowNs);
    }

    private void enqueue(final long deliverAtNs, final InetSocketAddress to, final ByteBuf content) {
        if (size == MAX_QUEUED) {
            overflowDrops++;
            recycle(content);
            return;
        }
        if (size == atNs.length) {
            final int capacity = Math.min(MAX_QUEUED, size * 2);
            atNs = java.util.Arrays.copyOf(atNs, capacity);
            order = java.util.Arrays.copyOf(order, capacity);
            contents = java.util.Arrays.copyOf(contents, capacity);
            recipients = java.util.Arrays.copyOf(recipients, capacity);
        }
        int i = size++;
        final long seq = sequence++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (!before(deliverAtNs, seq, atNs[parent], order[parent])) {
                break;
            }
            atNs[i] = atNs[parent];
            order[i] = order[parent];
            contents[i] = contents[parent];
            recipients[i] = recipients[parent];
            i = parent;
        }
        atNs[i] = deliverAtNs;
        order[i] = seq;
        contents[i] = content;
        recipients[i] = to;
    }

    /** Removes the earliest datagram: returns its content, its recipient in {@link #poppedRecipient}. */
    private ByteBuf pop() {
        final ByteBuf head = contents[0];
        poppedRecipient = recipients[0];
        final int last = --size;
        final long lastAt = atNs[last];
        final long lastOrder = order[last];
        final ByteBuf lastContent = contents[last];
        final InetSocketAddress lastRecipient = recipients[last];
        contents[last] = null;
        recipients[last] = null;
        if (last > 0) {
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= last) {
                    break;
                }
                if (child + 1 < last && before(atNs[child + 1], order[child + 1], atNs[child], order[child])) {
                    child++;
                }
                if (!before(atNs[child], order[child], lastAt, lastOrder)) {
                    break;
                }
                atNs[i] = atNs[child];
                order[i] = order[child];
                contents[i] = contents[child];
                recipients[i] = recipients[child];
                i = child;
            }
            atNs[i] = lastAt;
            order[i] = lastOrder;
            contents[i] = lastContent;
            recipients[i] = lastRecipient;
        }
        return head;
    }

    private static boolean before(final long aAt, final long aOrder, final long bAt, final long bOrder) {
        final long d = aAt - bAt;
        return d < 0 || (d == 0 && aOrder < bOrder);
    }

    private void discardQueued() {
        if (timer != null) {
            timer.close();
        }
        while (size > 0) {
            ReferenceCountUtil.release(pop());
        }
        ByteBuf b;
        while ((b = spare.pollLast()) != null) {
            b.release();
        }
        batch.discard();
    }
}
