package io.longhaul.transport.core;

import io.longhaul.transport.protocol.HandshakeFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.protocol.ValidationFlyweight;
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
 * Address validation on the simulator: stateless retries before a server keeps state for an INIT,
 * and challenges before a path follows its peer to a new address.
 */
class AddressValidationTest {
    private static final long SEED = 20261204;
    private static final long S = 1_000_000_000L;
    private static final long MS = 1_000_000L;
    private static final LinkSpec LINK = LinkSpec.parse("delay=1ms,rate=1gbit");
    private static final JobKey KEY = JobKey.parse("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "test");

    private static CoreConfig config() {
        return new CoreConfig().maxMessageBytes(4 << 20).receiveWindowBytes(16 << 20);
    }

    /** A well-formed, unkeyed one-path INIT from {@code sourceId}, with {@code token} if not null. */
    private static ByteBuffer init(final long sourceId, final byte[] token) {
        final int length = token == null ? HandshakeFlyweight.LENGTH : ValidationFlyweight.INIT_WITH_TOKEN_LENGTH;
        final ByteBuffer b = ByteBuffer.allocate(length);
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_HANDSHAKE_INIT, 0, 0, 0);
        HandshakeFlyweight.write(b, 0, sourceId, 1, 1420, 1 << 20, 30_000, 1 << 20, new byte[HandshakeFlyweight.NONCE_LENGTH]);
        if (token != null) {
            PacketFlyweight.setFlag(b, 0, PacketFlyweight.FLAG_RETRY_TOKEN);
            b.put(ValidationFlyweight.INIT_TOKEN_OFFSET, token);
        }
        PacketFlyweight.sealChecksum(b, 0, length, new CRC32C());
        return b;
    }

    /** Records every datagram of one type offered to the network. */
    private static final class Capture {
        final List<byte[]> datagrams = new ArrayList<>();

        Capture(final SimNetwork net, final byte type) {
            net.tap((now, from, dst, datagram, fate) -> {
                if (datagram.remaining() > PacketFlyweight.TYPE_OFFSET && datagram.get(datagram.position() + PacketFlyweight.TYPE_OFFSET) == type) {
                    final byte[] copy = new byte[datagram.remaining()];
                    datagram.duplicate().get(copy);
                    datagrams.add(copy);
                }
            });
        }
    }

    @Test
    void shouldAnswerSpoofedInitsWithRetriesOnceHalfOpenSessionsPileUpAndStillServeTheJob() {
        final SimTransfer t = new SimTransfer(SEED, config(), LINK, LINK);
        final Endpoint server = t.server.endpoint();
        // 5,000 INITs, each from another spoofed source: the first few get sessions (nobody will ever
        // answer their ACCEPTs), every later one a RETRY and no state.
        final int flood = 5_000;
        for (int i = 1; i <= flood; i++) {
            server.onDatagram(t.net.nowNs(), new SimAddress(1_000 + i, 0), init(i, null));
            if (i % 50 == 0) {
                server.poll(t.net.nowNs(), t.server.sink());
            }
        }
        final int threshold = CoreConfig.DEFAULT_RETRY_THRESHOLD;
        assertThat(server.connections()).as("sessions held for the flood").hasSize(threshold);
        assertThat(server.halfOpenSessions()).isEqualTo(threshold);
        assertThat(server.retriesSent()).as("INITs answered with a RETRY instead of a session").isEqualTo(flood - threshold);
        assertThat(server.droppedTotal()).isZero();
        // The job's client gets a RETRY too, comes back with the token, and is served at once.
        final ByteBuffer data = SimTransfer.payload(SEED, 0, 1 << 20);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(t.serverEvents.received.size() - 1).data()).isEqualTo(data);
        assertThat(server.retriesSent()).isEqualTo(flood - threshold + 1);
        assertThat(server.halfOpenSessions()).as("the client's session was validated by its token").isEqualTo(threshold);
        // Between two polls at most 64 RETRYs wait to be sent; INITs beyond them are counted, not answered.
        for (int i = 1; i <= 100; i++) {
            server.onDatagram(t.net.nowNs(), new SimAddress(10_000 + i, 0), init(100_000 + i, null));
        }
        assertThat(server.dropped(DropReason.CONNECTION_LIMIT)).isEqualTo(100 - 64);
        assertThat(server.connections()).hasSize(threshold + 1);
    }

    @Test
    void shouldReflectOneRetrySmallerThanTheInitToASpoofedVictim() {
        final SimTransfer t = new SimTransfer(SEED, config(), LINK, LINK, config().retryThreshold(0));
        final SimNetwork.SimNode victim = t.net.addNode("victim", new CoreConfig(), t.clientEvents);
        t.net.link(victim, t.server, 0, LINK, LINK);
        final long[] toVictim = new long[2];
        t.net.tap((now, from, to, datagram, fate) -> {
            if (to.node() == victim.index()) {
                toVictim[0]++;
                toVictim[1] += datagram.remaining();
            }
        });
        final ByteBuffer spoofed = init(0xBAD, null);
        final int initBytes = spoofed.remaining();
        t.server.endpoint().onDatagram(t.net.nowNs(), victim.address(0), spoofed);
        t.net.wake(t.server);
        t.net.runFor(60 * S);
        assertThat(toVictim[0]).as("datagrams to the victim in 60 s").isEqualTo(1);
        assertThat(toVictim[1]).as("bytes to the victim").isEqualTo(ValidationFlyweight.RETRY_LENGTH).isLessThan(initBytes);
        assertThat(t.server.endpoint().connections()).as("no state for the spoofed INIT")
            .noneMatch(c -> victim.address(0).equals(c.remoteAddress(0)));
    }

    @Test
    void shouldRetryEverySessionWhenAskedAndRefuseATokenFromAnotherAddressOrClient() {
        final SimTransfer t = new SimTransfer(SEED, config(), LINK, LINK, config().retryThreshold(0));
        final Capture retries = new Capture(t.net, PacketFlyweight.TYPE_RETRY);
        final ByteBuffer data = SimTransfer.payload(SEED, 0, 256 << 10);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(0).data()).isEqualTo(data);
        assertThat(retries.datagrams).as("one RETRY for the one session").hasSize(1);
        final Endpoint server = t.server.endpoint();
        assertThat(server.retriesSent()).isEqualTo(1);
        assertThat(t.connection.stats().paths().get(0).minRttNs()).as("the retry's round trip is an RTT sample")
            .isBetween(2 * MS, 3 * MS);

        final byte[] token = new byte[ValidationFlyweight.TOKEN_LENGTH];
        ByteBuffer.wrap(retries.datagrams.get(0)).get(ValidationFlyweight.RETRY_TOKEN_OFFSET, token);
        final long clientId = t.connection.localId();
        t.connection.close(t.net.nowNs(), 0, "done");
        t.net.wake(t.client);
        t.net.runFor(S);
        assertThat(server.connections()).as("the session is gone; its token is 1 s old").isEmpty();
        // The client's token from another address, from the client's address for another client id, and altered.
        server.onDatagram(t.net.nowNs(), new SimAddress(t.client.index() + 5, 0), init(clientId, token));
        server.onDatagram(t.net.nowNs(), new SimAddress(t.client.index(), 7), init(clientId, token));
        server.onDatagram(t.net.nowNs(), t.client.address(0), init(clientId + 1, token));
        final byte[] forged = token.clone();
        forged[12] ^= 1;
        server.onDatagram(t.net.nowNs(), t.client.address(0), init(clientId, forged));
        assertThat(server.dropped(DropReason.BAD_TOKEN)).isEqualTo(4);
        // The token itself, from the client's address, past its lifetime.
        t.net.runFor(Endpoint.RETRY_TOKEN_LIFETIME_NS);
        server.onDatagram(t.net.nowNs(), t.client.address(0), init(clientId, token));
        assertThat(server.dropped(DropReason.BAD_TOKEN)).isEqualTo(5);
        assertThat(server.connections()).isEmpty();
    }

    @Test
    void shouldRetryKeyedSessionsAndDropAnUnkeyedRetry() {
        final SimTransfer t = new SimTransfer(SEED, config().key(KEY), LINK, LINK, config().key(KEY).retryThreshold(0));
        // An outsider's RETRY to the client (it guessed the client's id): unkeyed, so dropped.
        final ByteBuffer fake = ByteBuffer.allocate(ValidationFlyweight.RETRY_LENGTH);
        PacketFlyweight.writeHeader(fake, 0, PacketFlyweight.TYPE_RETRY, 0, t.connection.localId(), 0);
        PacketFlyweight.sealChecksum(fake, 0, ValidationFlyweight.RETRY_LENGTH, new CRC32C());
        t.client.endpoint().onDatagram(t.net.nowNs(), t.server.address(0), fake);
        assertThat(t.client.endpoint().dropped(DropReason.UNAUTHENTICATED)).isEqualTo(1);
        final ByteBuffer data = SimTransfer.payload(SEED, 1, 256 << 10);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(0).data()).isEqualTo(data);
        assertThat(t.server.endpoint().retriesSent()).isEqualTo(1);
        assertThat(t.client.endpoint().droppedTotal() + t.server.endpoint().droppedTotal()).isEqualTo(1);
    }

    /**
     * An attacker on the path copies the client's newest packets and races them to the server from
     * its own address, ahead of the originals: authentic and new, so before challenges the server's
     * path followed them. Now the attacker's address is challenged, cannot answer, and the path
     * stays with the client.
     */
    @Test
    void shouldChallengeANewAddressAndStayWithThePeerWhenItCannotAnswer() {
        final SimTransfer t = new SimTransfer(SEED, config().key(KEY), LINK, LINK);
        final SimNetwork.SimNode attacker = t.net.addNode("attacker", new CoreConfig().key(JobKey.random()), t.clientEvents);
        t.net.link(attacker, t.server, 0, LINK, LINK);
        final int[] raced = new int[1];
        final long[] challenges = new long[2];
        final int[] followed = new int[1];
        t.net.tap((now, from, to, datagram, fate) -> {
            if (datagram.get(datagram.position() + PacketFlyweight.TYPE_OFFSET) == PacketFlyweight.TYPE_PATH_CHALLENGE) {
                challenges[to.node() == attacker.index() ? 0 : 1]++;
            }
            if (from.node() == t.client.index() && to.node() == t.server.index() && raced[0] < 20
                && datagram.get(datagram.position() + PacketFlyweight.TYPE_OFFSET) == PacketFlyweight.TYPE_DATA) {
                raced[0]++;
                final byte[] copy = new byte[datagram.remaining()];
                datagram.duplicate().get(copy);
                t.net.schedule(now, () -> {
                    t.server.endpoint().onDatagram(t.net.nowNs(), attacker.address(0), ByteBuffer.wrap(copy));
                    if (attacker.address(0).equals(t.serverConnection().remoteAddress(0))) {
                        followed[0]++;
                    }
                    t.net.wake(t.server);
                });
            }
        });
        final ByteBuffer data = SimTransfer.payload(SEED, 2, 1 << 20);
        t.send(1, data.duplicate());
        assertThat(t.runUntilCompleted(1, 10 * S)).as(t.describe()).isTrue();
        assertThat(raced[0]).isEqualTo(20);
        assertThat(followed[0]).as("raced copies after which the server's path pointed at the attacker").isZero();
        assertThat(t.serverEvents.received.get(0).data()).isEqualTo(data);
        final Connection server = t.serverConnection();
        assertThat(server.remoteAddress(0)).as("the path stays with the client").isEqualTo(t.client.address(0));
        assertThat(server.stats().pathEvents()).extracting(PathEvent::kind).doesNotContain(PathEvent.Kind.MIGRATED);
        assertThat(challenges[0]).as("challenges to the attacker's address")
            .isBetween(1L, (long) Connection.MAX_PATH_CHALLENGES * raced[0]);
        assertThat(challenges[1]).as("challenges anywhere else").isZero();
        // The session goes on: the next message arrives intact.
        final ByteBuffer next = SimTransfer.payload(SEED, 3, 1 << 20);
        t.send(2, next.duplicate());
        assertThat(t.runUntilCompleted(2, 10 * S)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(1).data()).isEqualTo(next);
        assertThat(t.serverEvents.duplicateDeliveries).isZero();
    }
}
