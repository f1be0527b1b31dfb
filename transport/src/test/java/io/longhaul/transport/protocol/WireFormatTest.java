package io.longhaul.transport.protocol;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

class WireFormatTest {
    private final CRC32C crc = new CRC32C();

    @Test
    void shouldRoundTripTheHeaderAndADataFrame() {
        final ByteBuffer b = ByteBuffer.allocateDirect(2048);
        final byte[] payload = new byte[1000];
        new SplittableRandom(7).nextBytes(payload);
        final int at = 16;
        PacketFlyweight.writeHeader(b, at, PacketFlyweight.TYPE_DATA, 5, 0x0123_4567_89AB_CDEFL, 1L << 40);
        DataFlyweight.write(b, at, 42, -7, 2840, 10_000, DataFlyweight.MODE_DEADLINE, payload.length, 12_345);
        b.put(at + DataFlyweight.HEADER_LENGTH, payload);
        final int length = DataFlyweight.HEADER_LENGTH + payload.length;
        PacketFlyweight.sealChecksum(b, at, length, crc);

        assertThat(PacketFlyweight.version(b, at)).isEqualTo(PacketFlyweight.VERSION);
        assertThat(PacketFlyweight.type(b, at)).isEqualTo(PacketFlyweight.TYPE_DATA);
        assertThat(PacketFlyweight.pathId(b, at)).isEqualTo(5);
        assertThat(PacketFlyweight.connectionId(b, at)).isEqualTo(0x0123_4567_89AB_CDEFL);
        assertThat(PacketFlyweight.packetNumber(b, at)).isEqualTo(1L << 40);
        assertThat(DataFlyweight.messageId(b, at)).isEqualTo(42);
        assertThat(DataFlyweight.tag(b, at)).isEqualTo(-7);
        assertThat(DataFlyweight.messageOffset(b, at)).isEqualTo(2840);
        assertThat(DataFlyweight.totalLength(b, at)).isEqualTo(10_000);
        assertThat(DataFlyweight.mode(b, at)).isEqualTo(DataFlyweight.MODE_DEADLINE);
        assertThat(DataFlyweight.payloadLength(b, at)).isEqualTo(1000);
        assertThat(DataFlyweight.deadlineLeftUs(b, at)).isEqualTo(12_345);
        final byte[] back = new byte[payload.length];
        b.get(at + DataFlyweight.HEADER_LENGTH, back);
        assertThat(back).isEqualTo(payload);
        assertThat(PacketFlyweight.checksumValid(b, at, length, crc)).isTrue();
        assertThat(b.position()).isZero();
        assertThat(b.limit()).isEqualTo(b.capacity());
    }

    @Test
    void shouldBeLittleEndianWhateverTheBufferOrder() {
        final ByteBuffer big = ByteBuffer.allocate(64).order(ByteOrder.BIG_ENDIAN);
        PacketFlyweight.writeHeader(big, 0, PacketFlyweight.TYPE_PING, 0, 1, 2);
        assertThat(big.get(PacketFlyweight.CONNECTION_ID_OFFSET)).isEqualTo((byte) 1);
        assertThat(big.get(PacketFlyweight.PACKET_NUMBER_OFFSET)).isEqualTo((byte) 2);
    }

    @Test
    void shouldDetectEverySingleBitFlip() {
        final ByteBuffer b = ByteBuffer.allocate(200);
        PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_DATA, 1, 99, 7);
        DataFlyweight.write(b, 0, 1, 2, 0, 100, DataFlyweight.MODE_RELIABLE, 100, 0);
        final int length = DataFlyweight.HEADER_LENGTH + 100;
        PacketFlyweight.sealChecksum(b, 0, length, crc);
        for (int bit = 0; bit < length * 8; bit++) {
            final int index = bit / 8;
            b.put(index, (byte) (b.get(index) ^ (1 << (bit % 8))));
            assertThat(PacketFlyweight.checksumValid(b, 0, length, crc)).as("bit %d", bit).isFalse();
            b.put(index, (byte) (b.get(index) ^ (1 << (bit % 8))));
        }
        assertThat(PacketFlyweight.checksumValid(b, 0, length, crc)).isTrue();
    }

    @Test
    void shouldRoundTripAckRangesUpToTheLimit() {
        final ByteBuffer b = ByteBuffer.allocate(4096);
        final long[] lo = new long[AckFlyweight.MAX_RANGES];
        final long[] hi = new long[AckFlyweight.MAX_RANGES];
        long top = 1_000_000;
        for (int i = 0; i < AckFlyweight.MAX_RANGES; i++) {
            hi[i] = top;
            lo[i] = top - i % 5;
            top = lo[i] - 2 - i % 3;
        }
        final int length = AckFlyweight.writeBlock(b, 40, 3, 250, lo, hi, AckFlyweight.MAX_RANGES);
        assertThat(length).isEqualTo(AckFlyweight.blockLength(AckFlyweight.MAX_RANGES));
        final long[] lo2 = new long[AckFlyweight.MAX_RANGES];
        final long[] hi2 = new long[AckFlyweight.MAX_RANGES];
        assertThat(AckFlyweight.readRanges(b, 40, lo2, hi2)).isEqualTo(AckFlyweight.MAX_RANGES);
        assertThat(lo2).isEqualTo(lo);
        assertThat(hi2).isEqualTo(hi);
        assertThat(AckFlyweight.blockPathId(b, 40)).isEqualTo(3);
        assertThat(AckFlyweight.blockAckDelayUs(b, 40)).isEqualTo(250);
    }

    @Test
    void shouldRejectAckRangesThatGoBelowZero() {
        final ByteBuffer b = ByteBuffer.allocate(256);
        final long[] lo = {5, 0};
        final long[] hi = {10, 2};
        AckFlyweight.writeBlock(b, 0, 0, 0, lo, hi, 2);
        // A gap that reaches below packet number zero.
        Bytes.putInt(b, AckFlyweight.BLOCK_FIXED_LENGTH, 100);
        assertThat(AckFlyweight.readRanges(b, 0, new long[64], new long[64])).isEqualTo(-1);
    }

    @Test
    void shouldRejectAFirstRangeLongerThanTheLargest() {
        final ByteBuffer b = ByteBuffer.allocate(256);
        AckFlyweight.writeBlock(b, 0, 0, 0, new long[] {0}, new long[] {3}, 1);
        Bytes.putInt(b, AckFlyweight.BLOCK_FIRST_RANGE_OFFSET, 4);
        assertThat(AckFlyweight.readRanges(b, 0, new long[64], new long[64])).isEqualTo(-1);
    }

    @Test
    void shouldRejectBlocksDeclaringTooManyOrNoRanges() {
        final ByteBuffer b = ByteBuffer.allocate(2048);
        AckFlyweight.writeBlock(b, 0, 0, 0, new long[] {0}, new long[] {3}, 1);
        b.put(AckFlyweight.BLOCK_RANGE_COUNT_OFFSET, (byte) 0);
        assertThat(AckFlyweight.readRanges(b, 0, new long[64], new long[64])).isEqualTo(-1);
        b.put(AckFlyweight.BLOCK_RANGE_COUNT_OFFSET, (byte) (AckFlyweight.MAX_RANGES + 1));
        assertThat(AckFlyweight.readRanges(b, 0, new long[128], new long[128])).isEqualTo(-1);
    }

    @Test
    void shouldRoundTripHandshakeAndClose() {
        final ByteBuffer b = ByteBuffer.allocate(512);
        HandshakeFlyweight.write(b, 0, 77, 4, 8948, 1L << 33, 30_000, 1 << 20, new byte[HandshakeFlyweight.NONCE_LENGTH]);
        assertThat(HandshakeFlyweight.maxMessageBytes(b, 0)).isEqualTo(1 << 20);
        assertThat(HandshakeFlyweight.sourceId(b, 0)).isEqualTo(77);
        assertThat(HandshakeFlyweight.pathCount(b, 0)).isEqualTo(4);
        assertThat(HandshakeFlyweight.maxPayload(b, 0)).isEqualTo(8948);
        assertThat(HandshakeFlyweight.receiveWindow(b, 0)).isEqualTo(1L << 33);
        assertThat(HandshakeFlyweight.idleTimeoutMs(b, 0)).isEqualTo(30_000);

        final int end = CloseFlyweight.write(b, 0, 9, "bye ünïcode");
        assertThat(CloseFlyweight.code(b, 0)).isEqualTo(9);
        assertThat(CloseFlyweight.reason(b, 0, CloseFlyweight.reasonLength(b, 0))).isEqualTo("bye ünïcode");
        assertThat(end).isEqualTo(CloseFlyweight.REASON_OFFSET + CloseFlyweight.reasonLength(b, 0));
    }
}
