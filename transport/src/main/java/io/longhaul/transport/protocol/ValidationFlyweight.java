package io.longhaul.transport.protocol;

import java.nio.ByteBuffer;

/**
 * The bodies that validate a peer's address.
 *
 * <pre>
 *  RETRY:           24 header | 24 retry token                 (+ 16-byte handshake tag with a job key)
 *  HANDSHAKE_INIT:  68 header and handshake body | 24 retry token, when {@link PacketFlyweight#FLAG_RETRY_TOKEN} is set
 *  PATH_CHALLENGE:  24 header | 8 random bytes
 *  PATH_RESPONSE:   24 header | the 8 bytes of the challenge it answers
 * </pre>
 *
 * A retry token is opaque to the client: the server that issued it reads it back
 * ({@code io.longhaul.transport.security.RetryTokens}).
 */
public final class ValidationFlyweight {
    public static final int TOKEN_LENGTH = 24;
    /** Where a RETRY's token starts. */
    public static final int RETRY_TOKEN_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int RETRY_LENGTH = RETRY_TOKEN_OFFSET + TOKEN_LENGTH;
    /** Where an INIT's token starts, after the handshake body. */
    public static final int INIT_TOKEN_OFFSET = HandshakeFlyweight.LENGTH;
    public static final int INIT_WITH_TOKEN_LENGTH = INIT_TOKEN_OFFSET + TOKEN_LENGTH;
    public static final int CHALLENGE_OFFSET = PacketFlyweight.HEADER_LENGTH;
    public static final int CHALLENGE_LENGTH = CHALLENGE_OFFSET + 8;

    private ValidationFlyweight() {
    }

    public static void putChallenge(final ByteBuffer buffer, final int offset, final long data) {
        Bytes.putLong(buffer, offset + CHALLENGE_OFFSET, data);
    }

    public static long challenge(final ByteBuffer buffer, final int offset) {
        return Bytes.getLong(buffer, offset + CHALLENGE_OFFSET);
    }
}
