package io.longhaul.collectives.fabric;

import io.longhaul.transport.core.MissingRanges;

import java.nio.ByteBuffer;

/**
 * A message as a {@link Fabric} delivers it: its bytes and the byte ranges that never arrived.
 * Reliable messages are always complete ({@link MissingRanges#NONE}); a deadline message sent with
 * {@link Fabric#send(int, int, ByteBuffer, long)} may arrive with holes, whose bytes are zero and
 * must not be used.
 *
 * @param data    the message, position to limit; offsets of {@code missing} are relative to its position.
 * @param missing the ranges of {@code data} that never arrived, in increasing order, disjoint.
 */
public record Received(ByteBuffer data, MissingRanges missing) {

    /** A complete message. */
    public static Received complete(final ByteBuffer data) {
        return new Received(data, MissingRanges.NONE);
    }

    /** @return whether every byte arrived. */
    public boolean isComplete() {
        return missing.isEmpty();
    }

    /** @return bytes that arrived. */
    public long receivedBytes() {
        return data.remaining() - missing.missingBytes();
    }
}
