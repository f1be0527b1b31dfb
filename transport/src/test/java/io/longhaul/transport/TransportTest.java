package io.longhaul.transport;

import io.longhaul.transport.core.ConnectionStats;
import io.longhaul.transport.core.DropReason;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.PathStats;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.protocol.PacketFlyweight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real sockets on loopback: transfers through the Netty driver, with and without the link emulator. */
class TransportTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /** Collects received messages and checks their bytes against the deterministic pattern. */
    static final class Receiver implements MessageHandler {
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        volatile long messages;
        volatile long bytes;

        @Override
        public void onMessage(final Session session, final int tag, final ByteBuffer data, final MissingRanges missing) {
            if (!missing.isEmpty()) {
                errors.add("message " + tag + " missing " + missing);
            }
            final ByteBuffer expected = pattern(tag, data.remaining());
            if (!expected.equals(data)) {
                errors.add("message " + tag + " corrupted");
            }
            bytes += data.remaining();
            messages++;
        }
    }

    static ByteBuffer pattern(final int tag, final int size) {
        final ByteBuffer b = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
        final SplittableRandom r = new SplittableRandom(tag);
        while (b.remaining() >= 8) {
            b.putLong(r.nextLong());
        }
        while (b.hasRemaining()) {
            b.put((byte) r.nextInt());
        }
        return b.flip();
    }

    static TransportContext context() {
        return new TransportContext().bindAddress(ANY_LOOPBACK).socketBufferBytes(4 << 20).congestionControl("bbr");
    }

    static void await(final BooleanSupplier condition, final long timeoutMs, final String what) {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    @Timeout(60)
    void shouldSealEverySessionWithTheJobKeyAndRefuseAnotherKey() throws Exception {
        final io.longhaul.transport.security.JobKey key = io.longhaul.transport.security.JobKey.random();
        final Receiver receiver = new Receiver();
        final String link = "delay=1ms,loss=1%";
        // The server asks every peer for a retry first: the token is bound to the client's real UDP address.
        final TransportContext serverContext = context().key(key).link(link).linkSeed(21L).messageHandler(receiver);
        serverContext.coreConfig().retryThreshold(0);
        try (Transport server = Transport.open(serverContext);
             Transport client = Transport.open(context().key(key).link(link).linkSeed(22L));
             Transport stranger = Transport.open(context().key(io.longhaul.transport.security.JobKey.random()).connectTimeoutNs(1_500_000_000L))) {
            assertThat(server.authenticated()).isTrue();
            final Session session = client.connect(server.localAddress());
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 8; tag++) {
                sends.add(session.send(tag, pattern(tag, 2 << 20)));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(50, TimeUnit.SECONDS);
            await(() -> receiver.messages == 8, 5_000, "8 messages at the receiver");
            assertThat(receiver.errors).isEmpty();
            assertThat(receiver.bytes).isEqualTo(16L << 20);
            assertThat(session.stats().sum(PathStats::retransmittedPackets)).as("sealed repairs too").isPositive();
            assertThatThrownBy(() -> stranger.connect(server.localAddress())).hasMessageContaining("with the same job key?");
            assertThat(server.retriesSent()).as("the client was retried").isPositive();
            assertThat(server.dropped(DropReason.BAD_TOKEN)).isZero();
            await(() -> server.dropped(DropReason.BAD_TAG) > 0, 5_000, "the stranger's INIT refused");
            assertThat(server.connectionCount()).as("no state for the stranger").isEqualTo(1);
        }
    }

    @Test
    @Timeout(60)
    void shouldDeliver64MiBIntactOverEmulatedLossyLink() throws Exception {
        final Receiver receiver = new Receiver();
        final String link = "delay=1ms,loss=1%";
        try (Transport server = Transport.open(context().link(link).linkSeed(11L).messageHandler(receiver));
             Transport client = Transport.open(context().link(link).linkSeed(12L))) {
            final Session session = client.connect(server.localAddress());
            final int size = 4 << 20;
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 16; tag++) {
                sends.add(session.send(tag, pattern(tag, size)));
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(50, TimeUnit.SECONDS);
            for (final CompletableFuture<SendStatus> f : sends) {
                assertThat(f.get()).isEqualTo(SendStatus.DELIVERED);
            }
            await(() -> receiver.messages == 16, 5_000, "16 messages at the receiver");
            assertThat(receiver.errors).isEmpty();
            assertThat(receiver.bytes).isEqualTo(64L << 20);
            final ConnectionStats stats = session.stats();
            assertThat(stats.sum(PathStats::retransmittedPackets)).as("losses were repaired").isPositive();
            assertThat(client.emulatorCounters().lost()).isPositive();
        }
    }

    @Test
    @Timeout(30)
    void shouldCountAndIgnoreGarbageWhileATransferCompletesIntact() throws Exception {
        final Receiver receiver = new Receiver();
        try (Transport server = Transport.open(context().messageHandler(receiver));
             Transport client = Transport.open(context());
             DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final Session session = client.connect(server.localAddress());
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 8; tag++) {
                sends.add(session.send(tag, pattern(tag, 2 << 20)));
            }
            final SplittableRandom random = new SplittableRandom(42);
            int garbage = 0;
            for (int i = 0; i < 500; i++) {
                final byte[] junk = new byte[1 + random.nextInt(1500)];
                random.nextBytes(junk);
                if (i % 3 == 0 && junk.length > 1) {
                    junk[0] = PacketFlyweight.VERSION;   // plausible header, wrong checksum
                    junk[1] = PacketFlyweight.TYPE_DATA;
                }
                attacker.send(new DatagramPacket(junk, junk.length, server.localAddress()));
                garbage++;
            }
            CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0])).get(20, TimeUnit.SECONDS);
            final int sent = garbage;
            await(() -> server.drops().values().stream().mapToLong(Long::longValue).sum() >= sent - 5, 5_000,
                "garbage counted as drops");
            await(() -> receiver.messages == 8, 5_000, "8 messages at the receiver");
            assertThat(receiver.errors).isEmpty();
            assertThat(receiver.bytes).isEqualTo(16L << 20);
            final Map<DropReason, Long> drops = server.drops();
            assertThat(drops.get(DropReason.BAD_CHECKSUM) + drops.get(DropReason.TRUNCATED) + drops.get(DropReason.BAD_VERSION)
                + drops.get(DropReason.UNKNOWN_TYPE) + drops.get(DropReason.UNAUTHENTICATED)).as("drops " + drops).isGreaterThanOrEqualTo(garbage - 5L);
            assertThat(server.connectionCount()).as("garbage created no connection").isEqualTo(1);
        }
    }

    @Test
    @Timeout(20)
    void shouldCreateNoStateForAValidPacketFromAnUnknownPeer() throws Exception {
        try (Transport server = Transport.open(context());
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            final ByteBuffer packet = ByteBuffer.allocate(PacketFlyweight.HEADER_LENGTH);
            PacketFlyweight.writeHeader(packet, 0, PacketFlyweight.TYPE_PING, 0, 0x1234_5678_9ABCL, 7);
            PacketFlyweight.sealChecksum(packet, 0, PacketFlyweight.HEADER_LENGTH, new CRC32C());
            for (int i = 0; i < 3; i++) {
                stranger.send(new DatagramPacket(packet.array(), PacketFlyweight.HEADER_LENGTH, server.localAddress()));
            }
            await(() -> server.dropped(DropReason.UNKNOWN_CONNECTION) == 3, 5_000, "3 unknown-connection drops");
            assertThat(server.connectionCount()).isZero();
            assertThat(server.sessions()).isEmpty();
            assertThat(server.drops().get(DropReason.BAD_CHECKSUM)).isZero();
        }
    }

    @Test
    @Timeout(30)
    void shouldFailPendingSendsWithAClearErrorWhenClosedMidTransfer() throws Exception {
        final Receiver receiver = new Receiver();
        try (Transport server = Transport.open(context().messageHandler(receiver));
             Transport client = Transport.open(context().link("delay=2ms,rate=100mbit"))) {
            final Session session = client.connect(server.localAddress());
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 8; tag++) {
                sends.add(session.send(tag, pattern(tag, 4 << 20)));
            }
            await(() -> session.stats().sum(PathStats::packetsSent) > 100, 5_000, "transfer under way");
            session.close("test closes mid-transfer");
            for (final CompletableFuture<SendStatus> f : sends) {
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SessionClosedException.class)
                    .hasMessageContaining("test closes mid-transfer");
            }
            assertThat(session.closeFuture().get(5, TimeUnit.SECONDS)).contains("test closes mid-transfer");
            assertThatThrownBy(() -> session.send(99, pattern(99, 10)).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(SessionClosedException.class)
                .hasMessageContaining("session closed");
        }
    }

    @Test
    @Timeout(30)
    void shouldMeasureTheEmulatedRoundTripWithinFivePercent() throws Exception {
        try (Transport server = Transport.open(context().link("delay=5ms")); Transport client = Transport.open(context().link("delay=5ms"))) {
            final Session session = client.connect(server.localAddress());
            for (int i = 0; i < 20; i++) {
                session.send(i, pattern(i, 64 << 10)).get(5, TimeUnit.SECONDS);
            }
            final PathStats path = session.stats().paths().get(0);
            final double ratio = path.minRttNs() / 10e6;
            assertThat(ratio).as("min RTT %d ns vs 10 ms configured", path.minRttNs()).isBetween(0.95, 1.05);
        }
    }

    @Test
    @Timeout(30)
    void shouldRunSeveralPathsOnDistinctSourcePorts() throws Exception {
        final Receiver receiver = new Receiver();
        try (Transport server = Transport.open(context().messageHandler(receiver)); Transport client = Transport.open(context())) {
            final Session session = client.connect(server.localAddress(), 3);
            session.send(1, pattern(1, 8 << 20)).get(10, TimeUnit.SECONDS);
            final List<InetSocketAddress> locals = session.localAddresses();
            assertThat(locals).hasSize(3).doesNotHaveDuplicates();
            for (final PathStats p : session.stats().paths()) {
                assertThat(p.packetsSent()).as("path %d carried data", p.pathId()).isGreaterThan(100);
            }
            await(() -> receiver.messages == 1, 5_000, "message at the receiver");
            assertThat(receiver.errors).isEmpty();
        }
    }

    @Test
    @Timeout(30)
    void shouldRunPathsFromDistinctLocalAddressesToDistinctRemoteAddresses() throws Exception {
        final Receiver receiver = new Receiver();
        // A multi-homed pair on loopback: 127.0.0.0/8 is all local, and a server bound to the
        // wildcard address answers on each of them.
        try (Transport server = Transport.open(context().bindAddress("0.0.0.0:0").messageHandler(receiver));
             Transport client = Transport.open(context())) {
            final int port = server.localAddress().getPort();
            final Session session = client.connect(Transport.PathAddress.parseList("127.0.0.2, 127.0.0.3=127.0.0.4",
                new InetSocketAddress("127.0.0.1", port)));
            session.send(1, pattern(1, 8 << 20)).get(10, TimeUnit.SECONDS);
            final List<InetSocketAddress> locals = session.localAddresses();
            assertThat(locals).extracting(a -> a.getAddress().getHostAddress()).containsExactly("127.0.0.2", "127.0.0.3");
            for (final PathStats p : session.stats().paths()) {
                assertThat(p.packetsSent()).as("path %d carried data", p.pathId()).isGreaterThan(100);
                assertThat(p.acksReceived()).as("path %d acknowledged", p.pathId()).isGreaterThan(10);
            }
            await(() -> receiver.messages == 1, 5_000, "message at the receiver");
            assertThat(receiver.errors).isEmpty();
        }
    }

    @Test
    void shouldNameTheMalformedEntryOfAPathAddressList() {
        final InetSocketAddress target = new InetSocketAddress("127.0.0.1", 9000);
        assertThat(Transport.PathAddress.parseList("127.0.0.2=127.0.0.3:9001", target))
            .containsExactly(new Transport.PathAddress(new InetSocketAddress("127.0.0.2", 0), new InetSocketAddress("127.0.0.3", 9001)));
        assertThatThrownBy(() -> Transport.PathAddress.parseList("127.0.0.2,=127.0.0.3", target))
            .hasMessageContaining("'=127.0.0.3' has no local address");
        assertThatThrownBy(() -> Transport.PathAddress.parseList("127.0.0.2=127.0.0.3:http", target))
            .hasMessageContaining("bad port");
    }
}
