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
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    private final SegmentBatch batch;
    private long[] atNs = new long[1024];
    private long[] order = new long[1024];
    private DatagramPacket[] packets = new DatagramPacket[1024];
    private int size;
    private long sequence;
    private long overflowDrops;
    private ChannelHandlerContext context;
    private ScheduledFuture<?> timer;
    private long timerAtNs;
    private final Runnable drainTask = this::drain;
    /** Half the release window. */
    private final long halfWindowNs;

    LinkEmulator(final LinkSpec spec, final long seed, final SegmentBatch batch) {
        this.model = new LinkModel(spec, seed);
        this.fabric = null;
        this.flows = null;
        this.batch = batch;
        this.halfWindowNs = releaseWindowNs(spec) / 2;
    }

    /** An emulator whose datagrams cross {@code fabric} (shared with the driver's other ports, on one loop). */
    LinkEmulator(final EcmpFabric fabric, final SegmentBatch batch) {
        this.model = null;
        this.fabric = fabric;
        this.flows = new HashMap<>();
        this.batch = batch;
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

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx) {
        context = ctx;
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise) {
        if (!(msg instanceof DatagramPacket)) {
            ctx.write(msg, promise);
            return;
        }
        final DatagramPacket packet = (DatagramPacket) msg;
        final ByteBuf content = packet.content();
        final int length = content.readableBytes();
        final long nowNs = System.nanoTime();
        promise.trySuccess();
        final boolean delivered = model != null ? model.offer(nowNs, length + IP_UDP_OVERHEAD_BYTES, fate)
            : fabric.offer(nowNs, flowTo(packet.recipient()), length + IP_UDP_OVERHEAD_BYTES, fate);
        if (!delivered) {
            packet.release();
            return;
        }
        if (fate.duplicated()) {
            final DatagramPacket copy = fate.corrupted()
                ? new DatagramPacket(content.copy(), packet.recipient())
                : packet.retainedDuplicate();
            enqueue(fate.duplicateDeliverAtNs(), copy);
        }
        if (fate.corrupted() && length > 0) {
            final int index = content.readerIndex() + fate.corruptByteIndex() % length;
            content.setByte(index, content.getByte(index) ^ fate.corruptBitMask());
        }
        if (size == 0 && fate.deliverAtNs() - nowNs <= 0) {
            release(ctx, packet);
            return;
        }
        enqueue(fate.deliverAtNs(), packet);
    }

    @Override
    public void flush(final ChannelHandlerContext ctx) {
        batch.finish(ctx);
        ctx.flush();
        arm(System.nanoTime());
    }

    @Override
    public void close(final ChannelHandlerContext ctx, final ChannelPromise promise) {
        discardQueued();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext ctx) {
        discardQueued();
    }

    private void release(final ChannelHandlerContext ctx, final DatagramPacket packet) {
        final InetSocketAddress to = packet.recipient();
        try {
            batch.add(ctx, to, packet.content());
        } finally {
            packet.release();
        }
    }

    private void drain() {
        timer = null;
        final ChannelHandlerContext ctx = context;
        if (ctx == null || size == 0) {
            return;
        }
        final long nowNs = System.nanoTime();
        boolean wrote = false;
        final long releaseBefore = nowNs + halfWindowNs;
        while (size > 0 && atNs[0] - releaseBefore <= 0) {
            release(ctx, pop());
            wrote = true;
        }
        if (wrote) {
            batch.finish(ctx);
            ctx.flush();
        }
        arm(nowNs);
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
        if (timer != null) {
            if (timerAtNs - due <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerAtNs = due;
        timer = context.executor().schedule(drainTask, Math.max(0, due - nowNs), TimeUnit.NANOSECONDS);
    }

    private void enqueue(final long deliverAtNs, final DatagramPacket packet) {
        if (size == MAX_QUEUED) {
            overflowDrops++;
            ReferenceCountUtil.release(packet);
            return;
        }
        if (size == atNs.length) {
            final int capacity = Math.min(MAX_QUEUED, size * 2);
            atNs = java.util.Arrays.copyOf(atNs, capacity);
            order = java.util.Arrays.copyOf(order, capacity);
            packets = java.util.Arrays.copyOf(packets, capacity);
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
            packets[i] = packets[parent];
            i = parent;
        }
        atNs[i] = deliverAtNs;
        order[i] = seq;
        packets[i] = packet;
    }

    private DatagramPacket pop() {
        final DatagramPacket head = packets[0];
        final int last = --size;
        final long lastAt = atNs[last];
        final long lastOrder = order[last];
        final DatagramPacket lastPacket = packets[last];
        packets[last] = null;
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
                packets[i] = packets[child];
                i = child;
            }
            atNs[i] = lastAt;
            order[i] = lastOrder;
            packets[i] = lastPacket;
        }
        return head;
    }

    private static boolean before(final long aAt, final long aOrder, final long bAt, final long bOrder) {
        final long d = aAt - bAt;
        return d < 0 || (d == 0 && aOrder < bOrder);
    }

    private void discardQueued() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        while (size > 0) {
            ReferenceCountUtil.release(pop());
        }
        batch.discard();
    }
}
