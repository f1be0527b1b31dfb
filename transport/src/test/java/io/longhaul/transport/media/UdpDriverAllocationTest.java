package io.longhaul.transport.media;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.ConnectionState;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bytes the driver's event-loop threads allocate per datagram on the steady path of a loopback
 * bulk transfer over real sockets, measured with {@code ThreadMXBean.getThreadAllocatedBytes} on
 * each loop thread (the sender's loop sends DATA and reads ACKs, the receiver's reads DATA and
 * sends ACKs).
 *
 * <p>Message-level allocation is the core's and is taken out: the receiver's reassembly buffer
 * ({@code ReceiveMessage}: exactly the message's length, a heap array) is subtracted, and the rest
 * of it (a few small objects per 4 MiB message, about 2,900 datagrams) is well under a byte per
 * datagram. Both loops warm up first (JIT, Netty's pooled-buffer thread caches, the core's
 * windows), then a second transfer is measured.
 *
 * <p>Netty's own receive path allocates per received datagram, and nothing here can avoid it
 * short of replacing Netty's read loop: a {@code DatagramPacket} per datagram (GRO reads are cut
 * into one packet per segment), and with recvmmsg (no GRO) or io_uring also the sender's
 * {@code InetSocketAddress} with its {@code Inet4Address}. The test measures those objects' size on
 * its own thread (the same constructors) and subtracts that much per received datagram; the raw
 * figure is printed too.
 *
 * <p>Threshold: what is left must stay under {@value #MAX_BYTES_PER_DATAGRAM} bytes per datagram.
 * The smallest object the JVM allocates is 16 bytes, so one object per datagram anywhere on the
 * driver's path (a packet, a buffer view, a route, a scheduled task per wake-up of a pacer that
 * wakes every few datagrams), or one per datagram in every second ACK, exceeds it, while the
 * leftovers (per-message objects, Netty's per-read objects spread over a 44-datagram GRO read,
 * the odd command task) stay below it.
 *
 * <p>The same run counts the pooled allocator's normal-size (above 28 KiB) direct allocations:
 * the 64 KB GSO batch and receive buffers used to come from the pool's arena one by one (above its
 * 32 KiB thread-cache limit), which made it destroy and re-create whole 4 MiB chunks; now they are
 * allocated once per socket, and the steady path takes none.
 *
 * <p>io_uring is reported, not asserted: Netty 4.2's io_uring datagram channel allocates an
 * {@code IoUringIoOps} per submitted recvmsg and sendmsg, and a slice, a packet and an address per
 * received datagram (about 230 B per datagram in all), none of it the driver's.
 */
class UdpDriverAllocationTest {
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final int MESSAGE_BYTES = 4 << 20;
    private static final int WARM_UP_MESSAGES = 48;
    private static final int MEASURED_MESSAGES = 48;
    static final double MAX_BYTES_PER_DATAGRAM = 8.0;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Driver configurations on the steady path. */
    enum Mode {
        /** GSO sends and GRO receives, when the kernel has them (the default on Linux). */
        GSO_GRO(true, true, null),
        /** One datagram per send and per recvmmsg slot. */
        PLAIN(false, false, null),
        /** The in-process link emulator in front of a GSO socket. */
        EMULATED(true, true, "delay=200us"),
        /** io_uring instead of epoll (GSO sends, linked recvmsg), when the kernel allows it. */
        IO_URING(true, false, null);

        final boolean gso;
        final boolean gro;
        final String link;

        Mode(final boolean gso, final boolean gro, final String link) {
            this.gso = gso;
            this.gro = gro;
            this.link = link;
        }

        /** Whether Netty makes a sender address per received datagram (else per read). */
        boolean addressPerDatagram() {
            return !gro;
        }
    }

    /** Bytes of the objects Netty allocates per received datagram in {@code mode}, measured on this thread. */
    private static double nettyBytesPerReceivedDatagram(final Mode mode) throws Exception {
        final int n = 20_000;
        final byte[] ip = {127, 0, 0, 1};
        final io.netty.buffer.ByteBuf content = io.netty.buffer.Unpooled.EMPTY_BUFFER;
        final InetSocketAddress to = new InetSocketAddress("127.0.0.1", 9);
        final Object[] keep = new Object[n];
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < n; i++) {
                final InetSocketAddress sender = mode.addressPerDatagram()
                    ? new InetSocketAddress(java.net.InetAddress.getByAddress(ip), 9) : to;
                keep[i] = new io.netty.channel.socket.DatagramPacket(content, to, sender);
            }
            best = Math.min(best, (double) (THREADS.getCurrentThreadAllocatedBytes() - before) / n);
        }
        return best;
    }

    /** Counts without allocating: runs on the loops. */
    private static final class Events implements ConnectionHandler {
        final AtomicLong messages = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            bytes.addAndGet(data.remaining());
            messages.incrementAndGet();
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            if (status == SendStatus.DELIVERED) {
                delivered.incrementAndGet();
            }
        }
    }

    private UdpDriver server;
    private UdpDriver client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close(TIMEOUT_NS);
        }
        if (server != null) {
            server.close(TIMEOUT_NS);
        }
    }

    private static UdpDriver driver(final String name, final Mode mode, final long seed, final Events events) {
        final CoreConfig config = new CoreConfig().connectionIdSeed(name.hashCode());
        final UdpDriver.Settings settings = new UdpDriver.Settings(UdpDriver.epollAvailable(), mode.gso, mode.gro, 8 << 20,
            config.maxDatagramBytes(), 32, mode.link == null ? null : LinkSpec.parse(mode.link), seed, 1024, name, false, null,
            mode == Mode.IO_URING);
        return new UdpDriver(settings, config, events);
    }

    private static void await(final BooleanSupplier condition, final String what) {
        final long end = System.nanoTime() + 4 * TIMEOUT_NS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after 40 s waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Normal-size (above the small size classes) direct allocations of Netty's default pooled allocator so far. */
    private static long pooledNormalAllocations() {
        long n = 0;
        for (final io.netty.buffer.PoolArenaMetric arena : io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().directArenas()) {
            n += arena.numNormalAllocations();
        }
        return n;
    }

    /** Per-loop snapshot: allocated bytes of the loop thread, datagrams sent and received on it. */
    private record Snapshot(long allocated, long sent, long received) {
    }

    private static Snapshot snapshot(final UdpDriver driver, final long threadId) {
        final long[] counts = driver.call(() -> new long[] {driver.datagramsSent(), driver.receiveCounters()[0]}, TIMEOUT_NS);
        return new Snapshot(allocatedBytes(threadId), counts[0], counts[1]);
    }

    private static long allocatedBytes(final long threadId) {
        return THREADS.getThreadAllocatedBytes(threadId);
    }

    private void transfer(final Connection connection, final ByteBuffer payload, final int messages, final Events clientEvents,
                          final Events serverEvents) {
        final long deliveredBefore = clientEvents.delivered.get();
        final long receivedBefore = serverEvents.messages.get();
        client.call(() -> {
            for (int i = 0; i < messages; i++) {
                connection.send(UdpDriver.nowNs(), i, payload);
            }
            client.runPoll();
            return null;
        }, TIMEOUT_NS);
        await(() -> clientEvents.delivered.get() == deliveredBefore + messages
            && serverEvents.messages.get() == receivedBefore + messages, messages + " messages delivered");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    @Timeout(120)
    void shouldAllocateNothingPerDatagramOnTheSteadyPath(final Mode mode) throws Exception {
        final boolean epoll = UdpDriver.epollAvailable();
        Assumptions.assumeTrue(THREADS.isThreadAllocatedMemorySupported(), "per-thread allocation counters");
        Assumptions.assumeTrue(mode != Mode.IO_URING || (epoll && UdpDriver.ioUringAvailable()), "io_uring on this kernel");
        final Events serverEvents = new Events();
        final Events clientEvents = new Events();
        server = driver("alloc-server-" + mode, mode, 1, serverEvents);
        client = driver("alloc-client-" + mode, mode, 2, clientEvents);
        final Object serverPort = server.open(LOOPBACK).get(5, TimeUnit.SECONDS);
        final Object clientPort = client.open(LOOPBACK).get(5, TimeUnit.SECONDS);
        final Object route = client.route(clientPort, server.localAddress(serverPort));
        final long serverThread = server.call(() -> Thread.currentThread().getId(), TIMEOUT_NS);
        final long clientThread = client.call(() -> Thread.currentThread().getId(), TIMEOUT_NS);
        final Connection connection = client.call(() -> {
            final Connection c = client.endpoint().connect(UdpDriver.nowNs(), route);
            client.runPoll();
            return c;
        }, TIMEOUT_NS);
        await(() -> client.call(connection::state, TIMEOUT_NS) == ConnectionState.ESTABLISHED, "the handshake");
        final ByteBuffer payload = ByteBuffer.allocateDirect(MESSAGE_BYTES);

        transfer(connection, payload, WARM_UP_MESSAGES, clientEvents, serverEvents);

        final long pooled0 = pooledNormalAllocations();
        final Snapshot server0 = snapshot(server, serverThread);
        final Snapshot client0 = snapshot(client, clientThread);
        transfer(connection, payload, MEASURED_MESSAGES, clientEvents, serverEvents);
        final Snapshot server1 = snapshot(server, serverThread);
        final Snapshot client1 = snapshot(client, clientThread);
        final long pooled = pooledNormalAllocations() - pooled0;

        // The receiver's reassembly buffers (core, message-level): a heap array of the message's length each.
        final long reassembly = (long) MEASURED_MESSAGES * MESSAGE_BYTES;
        final long serverBytes = server1.allocated - server0.allocated - reassembly;
        final long clientBytes = client1.allocated - client0.allocated;
        final long serverDatagrams = server1.sent - server0.sent + server1.received - server0.received;
        final long clientDatagrams = client1.sent - client0.sent + client1.received - client0.received;
        final double netty = nettyBytesPerReceivedDatagram(mode);
        final double serverRaw = (double) serverBytes / serverDatagrams;
        final double clientRaw = (double) clientBytes / clientDatagrams;
        final double serverPer = (serverBytes - netty * (server1.received - server0.received)) / serverDatagrams;
        final double clientPer = (clientBytes - netty * (client1.received - client0.received)) / clientDatagrams;
        System.out.printf("allocation %s (%s): receiver loop %d B over %d datagrams (%d in, %d out) = %.2f B/datagram raw,"
                + " %.2f without Netty's %.0f B per received datagram (reassembly %d B subtracted); sender loop %d B over"
                + " %d datagrams (%d out, %d in) = %.2f B/datagram raw, %.2f without Netty's; %d pooled normal-size"
                + " allocations; %s%n",
            mode, server.ioModeDescription(), serverBytes, serverDatagrams, server1.received - server0.received,
            server1.sent - server0.sent, serverRaw, serverPer, netty, reassembly, clientBytes, clientDatagrams,
            client1.sent - client0.sent, client1.received - client0.received, clientRaw, clientPer, pooled,
            !epoll ? "nio: reported only" : mode == Mode.IO_URING ? "io_uring: reported only (Netty's io_uring reads allocate)" : "asserted");

        assertThat(serverEvents.bytes.get()).isEqualTo((long) (WARM_UP_MESSAGES + MEASURED_MESSAGES) * MESSAGE_BYTES);
        assertThat(serverDatagrams).as("datagrams on the receiver's loop").isGreaterThan((long) MEASURED_MESSAGES * 2_000);
        if (!epoll || mode == Mode.IO_URING) {
            return;
        }
        assertThat(pooled).as("pooled normal-size allocations on the steady path (one per batch or read would be thousands)")
            .isLessThan(64);
        assertThat(serverPer).as("receiver loop, B/datagram beyond Netty's own").isLessThan(MAX_BYTES_PER_DATAGRAM);
        assertThat(clientPer).as("sender loop, B/datagram beyond Netty's own").isLessThan(MAX_BYTES_PER_DATAGRAM);
    }
}
