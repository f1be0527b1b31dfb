package io.longhaul.transport.security;

import io.longhaul.transport.protocol.ValidationFlyweight;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class RetryTokensTest {
    private static final long LIFETIME = 10_000_000_000L;
    private static final byte[] ADDRESS = {10, 0, 0, 1, 0x12, 0x34};

    @Test
    void shouldAcceptItsOwnTokenForTheSameClientAndAddressWithinItsLifetimeOnly() {
        final RetryTokens tokens = new RetryTokens(new byte[32], LIFETIME);
        final ByteBuffer b = ByteBuffer.allocate(ValidationFlyweight.TOKEN_LENGTH);
        final long issued = -5_000_000_000L;
        tokens.write(b, 0, issued, 42, ADDRESS);
        assertThat(tokens.valid(b, 0, issued, 42, ADDRESS)).isTrue();
        assertThat(tokens.valid(b, 0, issued + LIFETIME, 42, ADDRESS)).as("at the end of its lifetime").isTrue();
        assertThat(tokens.valid(b, 0, issued + LIFETIME + 1, 42, ADDRESS)).as("expired").isFalse();
        assertThat(tokens.valid(b, 0, issued - 1, 42, ADDRESS)).as("issued in the future").isFalse();
        assertThat(tokens.valid(b, 0, issued, 43, ADDRESS)).as("another client").isFalse();
        assertThat(tokens.valid(b, 0, issued, 42, new byte[] {10, 0, 0, 1, 0x12, 0x35})).as("another port").isFalse();
        final byte[] secret = new byte[32];
        secret[0] = 1;
        assertThat(new RetryTokens(secret, LIFETIME).valid(b, 0, issued, 42, ADDRESS)).as("another endpoint's secret").isFalse();
        // A token re-dated to look fresh: the time is under the tag.
        b.putLong(0, Long.reverseBytes(issued + 1));
        assertThat(tokens.valid(b, 0, issued + 1, 42, ADDRESS)).isFalse();
    }
}
