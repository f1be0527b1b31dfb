package io.longhaul.jmh;

import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * Cost of encoding and decoding one full-size DATA packet (1420-byte payload, 1472-byte datagram)
 * in a direct {@link ByteBuffer}, the per-packet work the sender and the receiver each do for every
 * datagram, split so the reader sees where the time goes:
 *
 * <ul>
 *   <li>{@link #encodeDecodeWithChecksum}: the whole round trip as {@code Connection} and
 *       {@code Endpoint} do it: common header + DATA header, payload copied in from the message,
 *       CRC32C sealed; then checksum validated, every header field read, payload copied out into
 *       the (heap) reassembly buffer;</li>
 *   <li>{@link #encodeDecodeHeadersOnly}: the flyweights alone (write and read every field, no
 *       CRC, no payload);</li>
 *   <li>{@link #checksumOnly}: sealing plus validating the CRC32C of the 1472-byte datagram;</li>
 *   <li>{@link #payloadCopyOnly}: the baseline, the two 1420-byte copies (message into packet,
 *       packet into reassembly buffer) that any transport must make.</li>
 * </ul>
 *
 * The first is roughly the sum of the other three. Target: at most 100 ns per packet for the
 * round trip and 0 B/op ({@code -prof gc}) for all four.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class PacketCodecBenchmark {
    /** The default payload: 1500-byte MTU minus IP/UDP (28) and longhaul headers (52). */
    static final int PAYLOAD_BYTES = CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES;
    static final int DATAGRAM_BYTES = DataFlyweight.HEADER_LENGTH + PAYLOAD_BYTES;
    private static final long CONNECTION_ID = 0x5EED_CAFE_F00D_BEEFL;
    /** A 64 MiB message, so chunk offsets and lengths take realistic values. */
    private static final int MESSAGE_BYTES = 64 << 20;

    private ByteBuffer packet;
    private ByteBuffer message;
    private ByteBuffer reassembly;
    private final CRC32C crc = new CRC32C();
    private long packetNumber;
    private int chunk;

    @Setup(Level.Trial)
    public void setUp() {
        packet = ByteBuffer.allocateDirect(65_536);
        // One chunk's worth of the message is enough: every op copies the same source bytes.
        message = ByteBuffer.allocateDirect(PAYLOAD_BYTES);
        reassembly = ByteBuffer.allocate(PAYLOAD_BYTES);
        for (int i = 0; i < PAYLOAD_BYTES; i++) {
            message.put(i, (byte) (i * 31 + 7));
        }
        packetNumber = 0;
        chunk = 0;
    }

    /** Full encode + decode of one DATA packet. @return a digest of every decoded field. */
    @Benchmark
    public long encodeDecodeWithChecksum() {
        final long pn = packetNumber++;
        final int messageOffset = nextChunkOffset();
        final ByteBuffer p = packet;

        PacketFlyweight.writeHeader(p, 0, PacketFlyweight.TYPE_DATA, 0, CONNECTION_ID, pn);
        DataFlyweight.write(p, 0, 42L, 7, messageOffset, MESSAGE_BYTES, DataFlyweight.MODE_RELIABLE, PAYLOAD_BYTES, 0);
        p.put(DataFlyweight.HEADER_LENGTH, message, 0, PAYLOAD_BYTES);
        PacketFlyweight.sealChecksum(p, 0, DATAGRAM_BYTES, crc);

        if (!PacketFlyweight.checksumValid(p, 0, DATAGRAM_BYTES, crc)) {
            throw new IllegalStateException("checksum mismatch on an intact packet");
        }
        final long digest = readAllFields(p);
        final int payloadLength = DataFlyweight.payloadLength(p, 0);
        reassembly.put(0, p, DataFlyweight.HEADER_LENGTH, payloadLength);
        return digest + reassembly.get(payloadLength - 1);
    }

    /** The flyweights alone: write and read every header field. @return a digest of the fields. */
    @Benchmark
    public long encodeDecodeHeadersOnly() {
        final long pn = packetNumber++;
        final int messageOffset = nextChunkOffset();
        final ByteBuffer p = packet;
        PacketFlyweight.writeHeader(p, 0, PacketFlyweight.TYPE_DATA, 0, CONNECTION_ID, pn);
        DataFlyweight.write(p, 0, 42L, 7, messageOffset, MESSAGE_BYTES, DataFlyweight.MODE_RELIABLE, PAYLOAD_BYTES, 0);
        return readAllFields(p);
    }

    /** CRC32C seal + validate over the whole datagram. @return whether it validated. */
    @Benchmark
    public boolean checksumOnly() {
        // Change one header byte so the checksum is recomputed over new contents each time.
        final ByteBuffer p = packet;
        p.put(PacketFlyweight.PACKET_NUMBER_OFFSET, (byte) packetNumber++);
        PacketFlyweight.sealChecksum(p, 0, DATAGRAM_BYTES, crc);
        return PacketFlyweight.checksumValid(p, 0, DATAGRAM_BYTES, crc);
    }

    /** Baseline: the payload copied into the packet and out into the reassembly buffer. */
    @Benchmark
    public byte payloadCopyOnly() {
        final ByteBuffer p = packet;
        p.put(DataFlyweight.HEADER_LENGTH, message, 0, PAYLOAD_BYTES);
        reassembly.put(0, p, DataFlyweight.HEADER_LENGTH, PAYLOAD_BYTES);
        return reassembly.get(PAYLOAD_BYTES - 1);
    }

    private int nextChunkOffset() {
        final int c = chunk;
        chunk = c + 1 == MESSAGE_BYTES / PAYLOAD_BYTES ? 0 : c + 1;
        return c * PAYLOAD_BYTES;
    }

    private static long readAllFields(final ByteBuffer p) {
        long h = PacketFlyweight.version(p, 0);
        h = h * 31 + PacketFlyweight.type(p, 0);
        h = h * 31 + PacketFlyweight.pathId(p, 0);
        h = h * 31 + PacketFlyweight.connectionId(p, 0);
        h = h * 31 + PacketFlyweight.packetNumber(p, 0);
        h = h * 31 + DataFlyweight.messageId(p, 0);
        h = h * 31 + DataFlyweight.tag(p, 0);
        h = h * 31 + DataFlyweight.messageOffset(p, 0);
        h = h * 31 + DataFlyweight.totalLength(p, 0);
        h = h * 31 + DataFlyweight.mode(p, 0);
        h = h * 31 + DataFlyweight.payloadLength(p, 0);
        h = h * 31 + DataFlyweight.deadlineLeftUs(p, 0);
        return h;
    }
}
