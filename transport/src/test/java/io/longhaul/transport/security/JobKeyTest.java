package io.longhaul.transport.security;

import io.longhaul.transport.protocol.PacketFlyweight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobKeyTest {
    private static final String HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    @Test
    void shouldParseLoadAndNeverPrintAKey(@TempDir final Path dir) throws Exception {
        final JobKey k = JobKey.parse(" " + HEX.toUpperCase() + "\n", "test");
        assertThat(k.toHex()).isEqualTo(HEX);
        assertThat(k.toString()).doesNotContain("0001").isEqualTo("JobKey[32 bytes]");
        final Path file = dir.resolve("job.key");
        Files.writeString(file, HEX + "\n");
        assertThat(JobKey.load(file)).isEqualTo(k);
        assertThat(JobKey.random()).isNotEqualTo(JobKey.random());
        assertThatThrownBy(() -> JobKey.parse("abc", "LONGHAUL_KEY")).hasMessage("LONGHAUL_KEY: a key is 64 hexadecimal digits "
            + "(e.g. from 'openssl rand -hex 32'), not 3 characters");
        assertThatThrownBy(() -> JobKey.parse(HEX.replace('a', 'g'), "k")).hasMessageContaining("64 hexadecimal digits");
        assertThatThrownBy(() -> JobKey.load(dir.resolve("missing"))).hasMessageContaining("cannot read the key file");
        Files.write(dir.resolve("big"), new byte[5000]);
        assertThatThrownBy(() -> JobKey.load(dir.resolve("big"))).hasMessageContaining("not a key file");
    }

    @Test
    void shouldDeriveHkdfAsRfc5869TestCase1() {
        // RFC 5869, A.1.
        final HexFormat hex = HexFormat.of();
        final byte[] prk = Hkdf.extract(hex.parseHex("000102030405060708090a0b0c"), hex.parseHex("0b".repeat(22)));
        assertThat(hex.formatHex(prk)).isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(hex.formatHex(Hkdf.expand(prk, hex.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42)))
            .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }

    @Test
    void shouldSealAndRefuseAnyChangedByteOrTheOtherDirectionsKey() {
        final JobKey key = JobKey.parse(HEX, "test");
        final byte[] cn = new byte[16];
        final byte[] sn = new byte[16];
        sn[0] = 1;
        final PacketProtection client = PacketProtection.derive(key, 7, 9, cn, sn, true);
        final PacketProtection server = PacketProtection.derive(key, 7, 9, cn, sn, false);
        // Framed in a heap buffer (as a keyed endpoint frames) and in a direct one, at an offset.
        long packetNumber = 42;
        for (final ByteBuffer b : new ByteBuffer[] {ByteBuffer.allocate(2048).position(5).slice(), ByteBuffer.allocateDirect(2048)}) {
            PacketFlyweight.writeHeader(b, 0, PacketFlyweight.TYPE_DATA, 3, 9, packetNumber++);
            for (int i = PacketFlyweight.HEADER_LENGTH; i < 1000; i++) {
                b.put(i, (byte) i);
            }
            final ByteBuffer sealed = client.seal(b, 0, 1000);
            assertThat(sealed.remaining()).isEqualTo(1000 + PacketProtection.TAG_LENGTH);
            assertThat(sealed.get(500)).as("encrypted").isNotEqualTo((byte) 500);
            final byte[] wire = new byte[sealed.remaining()];
            sealed.duplicate().get(wire);
            for (int i = 0; i < PacketFlyweight.HEADER_LENGTH; i++) {
                assertThat(wire[i]).as("header byte %d in clear, as marked in the frame", i).isEqualTo(b.get(i));
            }
            assertThat(client.open(ByteBuffer.wrap(wire.clone()), 0, wire.length)).as("own key is the other direction's").isNull();
            // Received in a direct buffer at an offset, as the driver delivers it.
            final ByteBuffer in = ByteBuffer.allocateDirect(4096);
            in.put(100, wire);
            final ByteBuffer opened = server.open(in, 100, wire.length);
            assertThat(opened.remaining()).isEqualTo(1000);
            for (int i = PacketFlyweight.HEADER_LENGTH; i < 1000; i++) {
                assertThat(opened.get(i)).isEqualTo((byte) i);
            }
            for (final int at : new int[] {1, 3, 12, 19, 30, 999, wire.length - 1}) {
                final byte[] bad = wire.clone();
                bad[at] ^= 0x10;
                assertThat(server.open(ByteBuffer.wrap(bad), 0, wire.length)).as("byte %d changed", at).isNull();
            }
            assertThat(server.open(ByteBuffer.wrap(wire.clone()), 0, 20)).as("shorter than a header and tag").isNull();
        }
    }
}
