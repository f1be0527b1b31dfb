package io.longhaul.transport.core;

import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.protocol.Bytes;
import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.sim.SimAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class MalformedInputTest {
    private static final SimAddress STRANGER = new SimAddress(99, 0);
    private SimTransfer t;
    private Endpoint server;
    private long serverId;

    @BeforeEach
    void establish() {
        final LinkSpec link = LinkSpec.parse("delay=1ms,rate=1gbit");
        t = new SimTransfer(11, new CoreConfig(), link, link);
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        t.net.runFor(5_000_000L);
        server = t.server.endpoint();
        serverId = t.serverConnection().localId();
    }

    private void feed(final ByteBuffer datagram) {
        server.onDatagram(t.net.nowNs(), STRANGER, datagram);
    }

    private void assertDropped(final DropReason reason, final ByteBuffer datagram) {
        final long before = server.dropped(reason);
        final long total = server.droppedTotal();
        feed(datagram);
        assertThat(server.dropped(reason)).as(reason.name()).isEqualTo(before + 1);
        assertThat(server.droppedTotal()).isEqualTo(total + 1);
    }

    @Test
    void shouldDropTruncatedDatagrams() {
        assertDropped(DropReason.TRUNCATED, ByteBuffer.allocate(0));
        assertDropped(DropReason.TRUNCATED, ByteBuffer.allocate(PacketFlyweight.HEADER_LENGTH - 1));
        final ByteBuffer data = Packets.data(serverId, 0, 1000, 1, 0, 0, 10, 10);
        final ByteBuffer cut = ByteBuffer.allocate(DataFlyweight.HEADER_LENGTH - 4);
        cut.put(0, data, 0, cut.capacity());
        assertDropped(DropReason.TRUNCATED, Packets.seal(cut, cut.capacity()));
    }

    @Test
    void shouldDropAWrongVersion() {
        final ByteBuffer b = Packets.ping(serverId, 0, 5);
        b.put(PacketFlyweight.VERSION_OFFSET, (byte) (PacketFlyweight.VERSION + 1));
        assertDropped(DropReason.BAD_VERSION, Packets.seal(b, b.limit()));
    }

    @Test
    void shouldDropUnknownTypes() {
        final ByteBuffer b = Packets.ping(serverId, 0, 5);
        b.put(PacketFlyweight.TYPE_OFFSET, (byte) 99);
        assertDropped(DropReason.UNKNOWN_TYPE, Packets.seal(b, b.limit()));
    }

    @Test
    void shouldDropCorruptedDatagrams() {
        final ByteBuffer b = Packets.data(serverId, 0, 1000, 1, 0, 0, 10, 10);
        b.put(DataFlyweight.HEADER_LENGTH + 3, (byte) 0x5A);
        assertDropped(DropReason.BAD_CHECKSUM, b);
    }

    @Test
    void shouldCountUnknownPeersWithoutCreatingState() {
        final int connections = server.connections().size();
        assertDropped(DropReason.UNKNOWN_CONNECTION, Packets.ping(12345, 0, 1));
        assertDropped(DropReason.UNKNOWN_CONNECTION, Packets.data(777, 0, 1, 1, 0, 0, 10, 10));
        assertThat(server.connections()).hasSize(connections);
    }

    @Test
    void shouldDropAbsurdDataLengths() {
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 0, 1000, 1, 0, 0, Integer.MAX_VALUE, 10));
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 0, 1001, 1, 0, 0, -5, 10));
        // Payload shorter than the chunk the offset implies.
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 0, 1002, 1, 0, 0, 5000, 10));
        // Offset beyond the total length.
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 0, 1003, 1, 0, CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES * 4, 10, 10));
        // Offset not on a chunk boundary.
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 0, 1004, 1, 0, 7, 20, 13));
        // Declared payload length disagreeing with the datagram's length.
        final ByteBuffer b = Packets.data(serverId, 0, 1005, 1, 0, 0, 10, 10);
        Bytes.putShort(b, DataFlyweight.PAYLOAD_LENGTH_OFFSET, (short) 9);
        assertDropped(DropReason.BAD_FIELD, Packets.seal(b, b.limit()));
        // A path this connection does not have.
        assertDropped(DropReason.BAD_FIELD, Packets.data(serverId, 3, 1006, 1, 0, 0, 10, 10));
        assertThat(t.serverConnection().reassemblingMessages()).isZero();
    }

    @Test
    void shouldDropOverlappingOrInvertedSackRanges() {
        final Endpoint client = t.client.endpoint();
        final long clientId = t.connection.localId();
        final long before = client.dropped(DropReason.BAD_FIELD);
        final ByteBuffer overlapping = Packets.ack(clientId, 0, 1 << 20, new long[] {0, 0}, new long[] {0, 0});
        // Rewrite the second range's gap so that it would start above the first range's end.
        Bytes.putInt(overlapping, AckFlyweight.BLOCKS_OFFSET + AckFlyweight.BLOCK_FIXED_LENGTH, -3);
        client.onDatagram(t.net.nowNs(), STRANGER, Packets.seal(overlapping, overlapping.limit()));
        final ByteBuffer inverted = Packets.ack(clientId, 0, 1 << 20, new long[] {0}, new long[] {0});
        Bytes.putInt(inverted, AckFlyweight.BLOCKS_OFFSET + AckFlyweight.BLOCK_FIRST_RANGE_OFFSET, 5);
        client.onDatagram(t.net.nowNs(), STRANGER, Packets.seal(inverted, inverted.limit()));
        assertThat(client.dropped(DropReason.BAD_FIELD)).isEqualTo(before + 2);
    }

    @Test
    void shouldDropAcksForPacketsNeverSent() {
        final Endpoint client = t.client.endpoint();
        final long before = client.dropped(DropReason.ACK_OF_UNSENT);
        client.onDatagram(t.net.nowNs(), STRANGER,
            Packets.ack(t.connection.localId(), 0, 1 << 20, new long[] {1_000_000}, new long[] {1_000_000}));
        assertThat(client.dropped(DropReason.ACK_OF_UNSENT)).isEqualTo(before + 1);
    }

    @Test
    void shouldStillDeliverIntactAfterBadInput() {
        shouldDropAbsurdDataLengths();
        shouldDropCorruptedDatagrams();
        final ByteBuffer payload = SimTransfer.payload(11, 0, 300_000);
        t.send(1, payload.duplicate());
        assertThat(t.runUntilCompleted(1, 10_000_000_000L)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(0).data()).isEqualTo(payload);
    }
}
