package io.longhaul.jmh;

import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.security.PacketProtection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * What protecting one datagram costs, sender and receiver together, at the default 1472-byte and a
 * jumbo 8948-byte datagram, in a direct buffer as the endpoint holds it:
 * <ul>
 *   <li>{@link #sealOpen}: AES-256-GCM seal (encrypt the body in place, tag the header and body)
 *       then open (verify and decrypt) of a keyed session;</li>
 *   <li>{@link #crc}: what an unkeyed session does instead, the CRC32C sealed and checked.</li>
 * </ul>
 * Run with {@code -prof gc} to see the allocation per packet (the JDK's GCM takes a fresh parameter
 * object and buffer views per call).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PacketProtectionBenchmark {
    @Param({"1472", "8948"})
    int datagramBytes;

    private ByteBuffer packet;
    private PacketProtection sender;
    private PacketProtection receiver;
    private final CRC32C crc = new CRC32C();
    private long packetNumber;

    @Setup
    public void setUp() {
        final JobKey key = JobKey.random();
        final byte[] a = new byte[PacketProtection.NONCE_LENGTH];
        final byte[] b = new byte[PacketProtection.NONCE_LENGTH];
        b[0] = 1;
        sender = PacketProtection.derive(key, 1, 2, a, b, true);
        receiver = PacketProtection.derive(key, 1, 2, a, b, false);
        packet = ByteBuffer.allocateDirect(datagramBytes + PacketProtection.TAG_LENGTH);
        for (int i = 0; i < datagramBytes; i++) {
            packet.put(i, (byte) i);
        }
    }

    @Benchmark
    public int sealOpen() {
        PacketFlyweight.writeHeader(packet, 0, PacketFlyweight.TYPE_DATA, 0, 2, packetNumber++);
        final int sealed = sender.seal(packet, 0, datagramBytes - PacketProtection.TAG_LENGTH);
        final int opened = receiver.open(packet, 0, sealed);
        if (opened < 0) {
            throw new IllegalStateException("tag did not verify");
        }
        return opened;
    }

    @Benchmark
    public boolean crc() {
        PacketFlyweight.writeHeader(packet, 0, PacketFlyweight.TYPE_DATA, 0, 2, packetNumber++);
        PacketFlyweight.sealChecksum(packet, 0, datagramBytes, crc);
        return PacketFlyweight.checksumValid(packet, 0, datagramBytes, crc);
    }
}
