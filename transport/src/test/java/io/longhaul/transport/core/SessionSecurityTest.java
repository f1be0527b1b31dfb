package io.longhaul.transport.core;

import io.longhaul.transport.protocol.Bytes;
import io.longhaul.transport.protocol.HandshakeFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keyed sessions against an attacker on the path: it sees every datagram (the simulator's tap) and
 * can send any datagram to either end from any address. Every forgery is dropped and counted, and
 * the session moves its data intact.
 */
class SessionSecurityTest {
    private static final long SEED = 20261203;
    private static final long S = 1_000_000_000L;
    private static final LinkSpec LINK = LinkSpec.parse("delay=1ms,rate=1gbit");
    private static final JobKey KEY = JobKey.parse("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "test");

    /** A keyed transfer whose datagrams the attacker records. */
    private static final class Attacked {
        final SimTransfer t;
        final List<byte[]> seen = new ArrayList<>();
        final SimAddress attacker;

        Attacked(final JobKey clientKey, final JobKey serverKey) {
            final CoreConfig base = new CoreConfig().maxMessageBytes(4 << 20).receiveWindowBytes(16 << 20);
            t = new SimTransfer(SEED, base.copy().key(clientKey), LINK, LINK, serverKey == clientKey ? null : base.copy().key(serverKey));
            t.net.tap((now, from, to, datagram, fate) -> {
                final byte[] copy = new byte[datagram.remaining()];
                datagram.duplicate().get(copy);
                seen.add(copy);
            });
            attacker = new SimAddress(t.client.index(), 9);
        }

        /** The first recorded datagram of {@code type}, or null. */
        ByteBuffer first(final byte type) {
            for (final byte[] d : seen) {
                if (d.length >= PacketFlyweight.HEADER_LENGTH && d[PacketFlyweight.TYPE_OFFSET] == type) {
                    return ByteBuffer.wrap(d.clone());
                }
            }
            return null;
        }

        void inject(final Endpoint target, final ByteBuffer datagram) {
            target.onDatagram(t.net.nowNs(), attacker, datagram);
        }
    }

    private static ByteBuffer payload(final int index, final int length) {
        return SimTransfer.payload(SEED, index, length);
    }

    @Test
    void shouldMoveDataIntactWithNoPlaintextOnTheWire() {
        final Attacked a = new Attacked(KEY, KEY);
        final ByteBuffer data = payload(0, 1 << 20);
        a.t.send(1, data.duplicate());
        assertThat(a.t.runUntilCompleted(1, 10 * S)).as(a.t.describe()).isTrue();
        assertThat(a.t.serverEvents.received.get(0).data()).isEqualTo(data);
        // A 64-byte run of the message appears in no datagram: bodies are encrypted.
        final byte[] probe = new byte[64];
        data.duplicate().position(4096).get(probe);
        for (final byte[] d : a.seen) {
            assertThat(indexOf(d, probe)).as("a datagram carries the message in clear").isNegative();
            assertThat(d[PacketFlyweight.FLAGS_OFFSET] & PacketFlyweight.FLAG_PROTECTED).as("every datagram is sealed or tagged").isNotZero();
        }
        assertThat(a.t.server.endpoint().droppedTotal() + a.t.client.endpoint().droppedTotal()).isZero();
    }

    @Test
    void shouldDropForgedCloseInjectedDataForgedAckAndAHugePacketNumber() {
        final Attacked a = new Attacked(KEY, KEY);
        a.t.send(1, payload(0, 1 << 20));
        assertThat(a.t.runUntilCompleted(1, 10 * S)).as(a.t.describe()).isTrue();
        final Endpoint server = a.t.server.endpoint();
        final Endpoint client = a.t.client.endpoint();
        final long serverId = a.t.serverConnection().localId();

        // A CLOSE to the server's connection id: unsealed with a good CRC, and sealed with a made-up tag.
        final ByteBuffer close = ByteBuffer.allocate(128);
        PacketFlyweight.writeHeader(close, 0, PacketFlyweight.TYPE_CLOSE, 0, serverId, 1);
        final int closeLength = io.longhaul.transport.protocol.CloseFlyweight.write(close, 0, 0, "bye");
        PacketFlyweight.sealChecksum(close, 0, closeLength, new CRC32C());
        a.inject(server, close.duplicate().limit(closeLength));
        assertThat(server.dropped(DropReason.UNAUTHENTICATED)).isEqualTo(1);
        PacketFlyweight.markProtected(close, 0);
        a.inject(server, close.duplicate().limit(closeLength + 16));
        assertThat(server.dropped(DropReason.BAD_TAG)).isEqualTo(1);

        // A recorded DATA packet with one body byte changed, and a recorded ACK with its ranges changed.
        final ByteBuffer data = a.first(PacketFlyweight.TYPE_DATA);
        data.put(data.limit() - 40, (byte) (data.get(data.limit() - 40) ^ 1));
        a.inject(server, data);
        final ByteBuffer ack = a.first(PacketFlyweight.TYPE_ACK);
        ack.put(PacketFlyweight.HEADER_LENGTH + 4, (byte) (ack.get(PacketFlyweight.HEADER_LENGTH + 4) ^ 0x40));
        a.inject(client, ack);
        // A recorded PING or DATA renumbered to 2^40: the number is in the nonce, so the tag fails.
        final ByteBuffer huge = a.first(PacketFlyweight.TYPE_DATA);
        Bytes.putLong(huge, PacketFlyweight.PACKET_NUMBER_OFFSET, 1L << 40);
        a.inject(server, huge);
        assertThat(server.dropped(DropReason.BAD_TAG)).isEqualTo(3);
        assertThat(client.dropped(DropReason.BAD_TAG)).isEqualTo(1);

        // The session is unharmed: the next message goes through and every ACK is accepted.
        assertThat(a.t.connection.state()).isEqualTo(ConnectionState.ESTABLISHED);
        final ByteBuffer next = payload(1, 1 << 20);
        a.t.send(2, next.duplicate());
        assertThat(a.t.runUntilCompleted(2, 10 * S)).as(a.t.describe()).isTrue();
        assertThat(a.t.serverEvents.received.get(1).data()).isEqualTo(next);
        assertThat(client.dropped(DropReason.ACK_OF_UNSENT)).isZero();
        assertThat(a.t.clientEvents.completions.values()).allMatch(c -> c.status() == SendStatus.DELIVERED);
        assertThat(a.t.serverEvents.duplicateDeliveries).isZero();
    }

    @Test
    void shouldNotFollowReplayedPacketsToAnotherAddress() {
        final Attacked a = new Attacked(KEY, KEY);
        a.t.send(1, payload(0, 256 << 10));
        assertThat(a.t.runUntilCompleted(1, 10 * S)).as(a.t.describe()).isTrue();
        final Object before = a.t.serverConnection().remoteAddress(0);
        // Replay everything the client sent, from the attacker's address: authentic, but old.
        final long accepted = a.t.server.endpoint().datagramsAccepted();
        for (final byte[] d : new ArrayList<>(a.seen)) {
            if (d[PacketFlyweight.TYPE_OFFSET] != PacketFlyweight.TYPE_HANDSHAKE_ACCEPT) {
                a.inject(a.t.server.endpoint(), ByteBuffer.wrap(d.clone()));
            }
        }
        assertThat(a.t.serverConnection().remoteAddress(0)).as("the path stays with the client").isEqualTo(before);
        final ByteBuffer next = payload(1, 256 << 10);
        a.t.send(2, next.duplicate());
        assertThat(a.t.runUntilCompleted(2, 10 * S)).as(a.t.describe()).isTrue();
        assertThat(a.t.serverEvents.received).hasSize(2);
        assertThat(a.t.serverEvents.received.get(1).data()).isEqualTo(next);
        assertThat(a.t.server.endpoint().datagramsAccepted()).isGreaterThan(accepted);
    }

    @Test
    void shouldRefuseAPeerWithAnotherKeyOrNone() {
        final JobKey other = JobKey.random();
        final Attacked wrongKey = new Attacked(KEY, other);
        wrongKey.t.net.runFor(30 * S);
        assertThat(wrongKey.t.connection.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(wrongKey.t.server.endpoint().dropped(DropReason.BAD_TAG)).as("every INIT refused").isPositive();
        assertThat(wrongKey.t.server.endpoint().connections()).as("no state for an unauthenticated INIT").isEmpty();
        assertThat(wrongKey.t.clientEvents.closes).singleElement().asString().contains("handshake");

        final Attacked noKey = new Attacked(KEY, null);
        noKey.t.net.runFor(30 * S);
        assertThat(noKey.t.connection.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(noKey.t.server.endpoint().dropped(DropReason.UNAUTHENTICATED)).isPositive();
        assertThat(noKey.t.server.endpoint().connections()).isEmpty();
    }

    /** A well-formed, unkeyed 16-path INIT from {@code sourceId}: what anyone can send without sniffing anything. */
    private static ByteBuffer init(final long sourceId) {
        final ByteBuffer b = ByteBuffer.allocate(HandshakeFlyweight.LENGTH);
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_HANDSHAKE_INIT, 0, 0, 0);
        HandshakeFlyweight.write(b, 0, sourceId, 16, 1420, 1 << 20, 30_000, 1 << 20, new byte[HandshakeFlyweight.NONCE_LENGTH]);
        PacketFlyweight.sealChecksum(b, 0, HandshakeFlyweight.LENGTH, new CRC32C());
        return b;
    }

    @Test
    void shouldBoundAnInitFloodAndStillServeTheJob() {
        // Without a key, INITs open sessions: one source may hold 64 at a time, and the job's client
        // still gets in. (Retries are off here: this flooder could answer them, see AddressValidationTest.)
        final CoreConfig open = new CoreConfig().maxMessageBytes(4 << 20).receiveWindowBytes(16 << 20)
            .retryThreshold(CoreConfig.NEVER_RETRY);
        final SimTransfer t = new SimTransfer(SEED, open, LINK, LINK);
        final SimAddress attacker = new SimAddress(t.client.index() + 7, 0);
        final Endpoint server = t.server.endpoint();
        for (int i = 1; i <= 5_000; i++) {
            server.onDatagram(t.net.nowNs(), attacker, init(i));
        }
        assertThat(server.connections()).as("sessions held for the flood").hasSize(64);
        assertThat(server.dropped(DropReason.CONNECTION_LIMIT)).isEqualTo(5_000 - 64);
        final ByteBuffer data = payload(0, 1 << 20);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(t.serverEvents.received.size() - 1).data()).isEqualTo(data);

        // With a key, not one.
        final Attacked keyed = new Attacked(KEY, KEY);
        for (int i = 1; i <= 5_000; i++) {
            keyed.inject(keyed.t.server.endpoint(), init(i));
        }
        assertThat(keyed.t.server.endpoint().dropped(DropReason.UNAUTHENTICATED)).isEqualTo(5_000);
        keyed.t.send(1, data.duplicate());
        assertThat(keyed.t.runUntilCompleted(1, 10 * S)).as(keyed.t.describe()).isTrue();
        assertThat(keyed.t.server.endpoint().connections()).hasSize(1);
    }

    @Test
    void shouldSendAnUnvalidatedAddressAtMostThreeTimesWhatItsInitBrought() {
        // One INIT with a victim's address as its source: the server answers the victim, never the sender.
        final SimTransfer t = new SimTransfer(SEED, new CoreConfig(), LINK, LINK);
        final SimNetwork.SimNode victim = t.net.addNode("victim", new CoreConfig(), t.clientEvents);
        t.net.link(victim, t.server, 0, LINK, LINK);
        final long[] toVictim = new long[1];
        t.net.tap((now, from, to, datagram, fate) -> {
            if (to.node() == victim.index()) {
                toVictim[0] += datagram.remaining();
            }
        });
        final ByteBuffer spoofed = init(0xBAD);
        final int initBytes = spoofed.remaining();
        t.server.endpoint().onDatagram(t.net.nowNs(), new SimAddress(victim.index(), 0), spoofed);
        t.net.wake(t.server);
        t.net.runFor(60 * S);
        assertThat(toVictim[0]).as("bytes reflected to the victim in 60 s (an ACCEPT, keep-alives, a CLOSE were 7.75x)")
            .isPositive().isLessThanOrEqualTo(3L * initBytes);
        // The held-back session arms no timer it cannot serve: a probe it may not send once spun at one instant.
        assertThat(t.net.eventsProcessed()).as("events in 60 s of virtual time").isLessThan(10_000);
        // The job's own session, validated by its first packets, is not held back.
        final ByteBuffer data = payload(0, 1 << 20);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
    }

    private static int indexOf(final byte[] haystack, final byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
