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
 * jumbo 8948-byte datagram, framed in a heap buffer as a keyed endpoint frames it, received in a
 * direct buffer as the driver delivers it:
 * <ul>
 *   <li>{@link #sealOpen}: AES-256-GCM seal (encrypt the body, tag the header and body), the
 *       copy of the sealed packet into the receive buffer, then open (verify and decrypt) of a keyed session;</li>
 *   <li>{@link #crc}: what an unkeyed session does instead, the CRC32C sealed and checked;</li>
 *   <li>{@link #gmacOnly}: the alternatives not taken, measured the same way on byte arrays: AES-GCM
 *       with the whole datagram as associated data and nothing encrypted (authentication only);</li>
 *   <li>{@link #chacha20Poly1305}: the JDK's ChaCha20-Poly1305 seal and open.</li>
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
    private ByteBuffer received;
    private PacketProtection sender;
    private PacketProtection receiver;
    private final CRC32C crc = new CRC32C();
    private byte[] array;
    private byte[] sealedArray;
    private javax.crypto.Cipher gcm;
    private javax.crypto.Cipher chacha;
    private javax.crypto.Cipher chachaOpen;
    private javax.crypto.spec.SecretKeySpec aesKey;
    private javax.crypto.spec.SecretKeySpec chachaKey;
    private final byte[] iv = new byte[12];
    private long packetNumber;

    @Setup
    public void setUp() {
        final JobKey key = JobKey.random();
        final byte[] a = new byte[PacketProtection.NONCE_LENGTH];
        final byte[] b = new byte[PacketProtection.NONCE_LENGTH];
        b[0] = 1;
        sender = PacketProtection.derive(key, 1, 2, a, b, true);
        receiver = PacketProtection.derive(key, 1, 2, a, b, false);
        packet = ByteBuffer.allocate(datagramBytes + PacketProtection.TAG_LENGTH);
        received = ByteBuffer.allocateDirect(datagramBytes + PacketProtection.TAG_LENGTH);
        array = new byte[datagramBytes + 16];
        sealedArray = new byte[datagramBytes + 16];
        final byte[] k = new byte[32];
        new java.util.SplittableRandom(1).nextBytes(k);
        aesKey = new javax.crypto.spec.SecretKeySpec(k, "AES");
        chachaKey = new javax.crypto.spec.SecretKeySpec(k, "ChaCha20");
        try {
            gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            chacha = javax.crypto.Cipher.getInstance("ChaCha20-Poly1305");
            chachaOpen = javax.crypto.Cipher.getInstance("ChaCha20-Poly1305");
        } catch (final java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < datagramBytes; i++) {
            packet.put(i, (byte) i);
        }
    }

    @Benchmark
    public int sealOpen() {
        PacketFlyweight.writeHeader(packet, 0, PacketFlyweight.TYPE_DATA, 0, 2, packetNumber++);
        final ByteBuffer sealed = sender.seal(packet, 0, datagramBytes - PacketProtection.TAG_LENGTH);
        received.put(0, sealed, 0, sealed.limit());
        final ByteBuffer opened = receiver.open(received, 0, sealed.limit());
        if (opened == null) {
            throw new IllegalStateException("tag did not verify");
        }
        return opened.limit();
    }

    private byte[] nextIv() {
        final long pn = packetNumber++;
        for (int i = 0; i < 8; i++) {
            iv[4 + i] = (byte) (pn >>> (8 * i));
        }
        return iv;
    }

    @Benchmark
    public boolean gmacOnly() throws java.security.GeneralSecurityException {
        final byte[] nonce = nextIv();
        gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, aesKey, new javax.crypto.spec.GCMParameterSpec(128, nonce));
        gcm.updateAAD(array, 0, datagramBytes - 16);
        gcm.doFinal(array, 0, 0, sealedArray, 0);
        gcm.init(javax.crypto.Cipher.DECRYPT_MODE, aesKey, new javax.crypto.spec.GCMParameterSpec(128, nonce));
        gcm.updateAAD(array, 0, datagramBytes - 16);
        return gcm.doFinal(sealedArray, 0, 16, array, datagramBytes) == 0;
    }

    @Benchmark
    public int chacha20Poly1305() throws java.security.GeneralSecurityException {
        final byte[] nonce = nextIv();
        chacha.init(javax.crypto.Cipher.ENCRYPT_MODE, chachaKey, new javax.crypto.spec.IvParameterSpec(nonce));
        chacha.updateAAD(array, 0, PacketFlyweight.HEADER_LENGTH);
        final int n = chacha.doFinal(array, PacketFlyweight.HEADER_LENGTH, datagramBytes - 16 - PacketFlyweight.HEADER_LENGTH, sealedArray, 0);
        chachaOpen.init(javax.crypto.Cipher.DECRYPT_MODE, chachaKey, new javax.crypto.spec.IvParameterSpec(nonce));
        chachaOpen.updateAAD(array, 0, PacketFlyweight.HEADER_LENGTH);
        return chachaOpen.doFinal(sealedArray, 0, n, array, PacketFlyweight.HEADER_LENGTH);
    }

    @Benchmark
    public boolean crc() {
        PacketFlyweight.writeHeader(packet, 0, PacketFlyweight.TYPE_DATA, 0, 2, packetNumber++);
        PacketFlyweight.sealChecksum(packet, 0, datagramBytes, crc);
        return PacketFlyweight.checksumValid(packet, 0, datagramBytes, crc);
    }
}
