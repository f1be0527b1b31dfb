package io.longhaul.transport.core;

import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LifecycleTest {
    private static final LinkSpec LINK = LinkSpec.parse("delay=5ms,rate=1gbit");

    @Test
    void shouldCompleteTheHandshakeDespiteHeavyLoss() {
        final LinkSpec lossy = LinkSpec.parse("delay=5ms,rate=1gbit,loss=50%");
        for (long seed = 1; seed <= 30; seed++) {
            final SimTransfer t = new SimTransfer(seed, new CoreConfig().handshakeAttempts(30), lossy, lossy);
            final ByteBuffer payload = SimTransfer.payload(seed, 0, 10_000);
            t.send(1, payload.duplicate());
            assertThat(t.runUntilCompleted(1, 600_000_000_000L)).as("seed=%d %s", seed, t.describe()).isTrue();
            assertThat(t.serverEvents.received.get(0).data()).isEqualTo(payload);
            assertThat(t.serverEvents.established).as("one server connection despite repeated INITs").hasSize(1);
        }
    }

    @Test
    void shouldRetryTheHandshakeWithBackoffThenFailClearly() {
        final LinkSpec dead = LinkSpec.parse("delay=5ms,loss=100%");
        final CoreConfig config = new CoreConfig().handshakeRetryNs(100_000_000L).handshakeAttempts(6);
        final SimTransfer t = new SimTransfer(3, config, dead, dead);
        final List<Long> initTimes = new ArrayList<>();
        t.net.tap((now, from, to, d, fate) -> {
            if (PacketFlyweight.type(d, d.position()) == PacketFlyweight.TYPE_HANDSHAKE_INIT) {
                initTimes.add(now);
            }
        });
        final long id = t.send(1, ByteBuffer.allocate(10));
        t.net.runFor(60_000_000_000L);
        assertThat(initTimes).hasSize(6);
        for (int i = 1; i < initTimes.size(); i++) {
            assertThat(initTimes.get(i) - initTimes.get(i - 1)).isEqualTo(100_000_000L << Math.min(i - 1, 3));
        }
        assertThat(t.connection.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(t.clientEvents.closes).singleElement().asString()
            .startsWith("local:" + Connection.CLOSE_HANDSHAKE_TIMEOUT + ":handshake timed out: no answer from sim:1/0 after 6 attempts");
        assertThat(t.clientEvents.completions.get(id).status()).isEqualTo(SendStatus.FAILED);
        assertThat(t.client.endpoint().connections()).isEmpty();
    }

    @Test
    void shouldTellThePeerTheCloseReason() {
        final SimTransfer t = new SimTransfer(4, new CoreConfig(), LINK, LINK);
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        t.net.runFor(20_000_000L);
        t.connection.close(t.net.nowNs(), 7, "job finished");
        t.net.wake(t.client);
        t.net.runFor(1_000_000_000L);
        assertThat(t.serverEvents.closes).containsExactly("peer:7:job finished");
        assertThat(t.clientEvents.closes).containsExactly("local:7:job finished");
        assertThat(t.client.endpoint().connections()).isEmpty();
        assertThat(t.server.endpoint().connections()).isEmpty();
    }

    @Test
    void shouldFailPendingSendsWhenClosedMidTransfer() {
        final SimTransfer t = new SimTransfer(5, new CoreConfig(), LINK, LINK);
        final long small = t.send(1, SimTransfer.payload(5, 0, 1000));
        final long big = t.send(2, SimTransfer.payload(5, 1, 64 << 20));
        t.net.runUntil(() -> t.clientEvents.completions.containsKey(small), 1_000_000_000L);
        t.net.runFor(50_000_000L);
        t.connection.close(t.net.nowNs(), Connection.CLOSE_NORMAL, "shutting down");
        t.net.wake(t.client);
        assertThat(t.clientEvents.completions.get(small).status()).isEqualTo(SendStatus.DELIVERED);
        final SimTransfer.Completion failed = t.clientEvents.completions.get(big);
        assertThat(failed.status()).isEqualTo(SendStatus.FAILED);
        assertThat(failed.detail()).isEqualTo("connection closed: shutting down");
        assertThatThrownBy(() -> t.connection.send(t.net.nowNs(), 3, ByteBuffer.allocate(1)))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed: shutting down");
        t.net.runFor(1_000_000_000L);
        assertThat(t.serverEvents.closes).containsExactly("peer:0:shutting down");
        assertThat(t.serverEvents.received).extracting(SimTransfer.Received::tag).containsExactly(1);
    }

    @Test
    void shouldKeepAQuietConnectionAliveAndTimeOutADeadOne() {
        final CoreConfig config = new CoreConfig().idleTimeoutNs(2_000_000_000L);
        final SimTransfer t = new SimTransfer(6, config, LINK, LINK);
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        t.net.runFor(10_000_000_000L);
        assertThat(t.connection.state()).as("keep-alive pings hold a quiet connection open").isEqualTo(ConnectionState.ESTABLISHED);

        final LinkSpec dead = LinkSpec.parse("delay=5ms,loss=100%");
        t.net.link(t.client, t.server, 0, dead, dead);
        t.net.runFor(5_000_000_000L);
        assertThat(t.connection.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(t.clientEvents.closes).singleElement().asString()
            .startsWith("local:" + Connection.CLOSE_IDLE_TIMEOUT + ":idle timeout: nothing received from the peer for");
        assertThat(t.serverEvents.closes).singleElement().asString().startsWith("local:" + Connection.CLOSE_IDLE_TIMEOUT);
    }

    @Test
    void shouldBoundReassemblyMemoryWithTheReceiveWindow() {
        final long window = 1 << 20;
        final int maxMessage = 4 << 20;
        final CoreConfig config = new CoreConfig().receiveWindowBytes(window).maxMessageBytes(maxMessage);
        final SimTransfer t = new SimTransfer(7, config, LINK, LINK);
        final long[] peak = {0};
        t.net.tap((now, from, to, d, fate) -> {
            final Connection server = t.serverConnection();
            if (server != null) {
                peak[0] = Math.max(peak[0], server.stats().reassemblyBytes());
            }
        });
        final List<ByteBuffer> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            final ByteBuffer payload = SimTransfer.payload(7, i, i == 5 ? maxMessage : 512 << 10);
            sent.add(payload);
            t.send(i, payload.duplicate());
        }
        assertThat(t.runUntilCompleted(sent.size(), 60_000_000_000L)).as(t.describe()).isTrue();
        for (final SimTransfer.Received r : t.serverEvents.received) {
            assertThat(r.data()).isEqualTo(sent.get(r.tag()));
        }
        assertThat(peak[0]).as("reassembly bytes").isPositive().isLessThanOrEqualTo(window + maxMessage);
        assertThat(t.connection.stats().flowControlBlocked()).as("the sender waited for credit").isPositive();
    }

    @Test
    void shouldRejectMessagesAboveTheMaximumSize() {
        final SimTransfer t = new SimTransfer(8, new CoreConfig().maxMessageBytes(1000), LINK, LINK);
        assertThatThrownBy(() -> t.connection.send(0, 1, ByteBuffer.allocate(1001)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("message of 1001 bytes exceeds the maximum message size of 1000 bytes (maxMessageBytes)");
    }

    @Test
    void shouldDeliverAnEmptyMessage() {
        final SimTransfer t = new SimTransfer(9, new CoreConfig(), LINK, LINK);
        t.send(4, ByteBuffer.allocate(0));
        assertThat(t.runUntilCompleted(1, 5_000_000_000L)).isTrue();
        assertThat(t.serverEvents.received.get(0).data().remaining()).isZero();
        assertThat(t.serverEvents.received.get(0).tag()).isEqualTo(4);
    }

    @Test
    void shouldRejectOutOfRangeConfigurationNamingTheField() {
        assertThatThrownBy(() -> new CoreConfig().ackEveryPackets(0).validate())
            .hasMessage("ackEveryPackets = 0 is out of range; accepted: [1, 64]");
        assertThatThrownBy(() -> new CoreConfig().maxPayloadBytes(70_000).validate())
            .hasMessageStartingWith("maxPayloadBytes = 70000 is out of range; accepted: [64, ");
    }
}
