package io.longhaul.transport.core;

import java.nio.ByteBuffer;

/**
 * Sender-side state of one message: which chunks went out and which are acknowledged. The message
 * is a prefix (possibly empty) followed by the payload, both read in place when a chunk is framed.
 */
final class SendMessage {
    static final int ACTIVE = 0;
    static final int DONE = 1;

    final long id;
    final int tag;
    final ByteBuffer prefix;
    final ByteBuffer payload;
    final int length;
    final int chunkSize;
    final int chunkCount;
    /** Where the message starts in the connection's flow-control byte space. */
    final long creditBase;
    final boolean deadlineMode;
    final long deadlineNs;
    private final long[] ackedBits;
    int nextNewChunk;
    int ackedChunks;
    long ackedBytes;
    int state = ACTIVE;

    /**
     * @param prefix  the first bytes of the message, position 0 to limit.
     * @param payload the rest, position 0 to limit.
     */
    SendMessage(final long id, final int tag, final ByteBuffer prefix, final ByteBuffer payload, final int chunkSize,
                final long creditBase, final boolean deadlineMode, final long deadlineNs) {
        this.id = id;
        this.tag = tag;
        this.prefix = prefix;
        this.payload = payload;
        this.length = prefix.limit() + payload.limit();
        this.chunkSize = chunkSize;
        this.chunkCount = Math.max(1, (length + chunkSize - 1) / chunkSize);
        this.creditBase = creditBase;
        this.deadlineMode = deadlineMode;
        this.deadlineNs = deadlineNs;
        this.ackedBits = new long[(chunkCount + 63) >>> 6];
    }

    int chunkOffset(final int chunk) {
        return chunk * chunkSize;
    }

    int chunkLength(final int chunk) {
        return Math.min(chunkSize, length - chunk * chunkSize);
    }

    /** Copies the bytes of {@code chunk} into {@code out} from index {@code at}. */
    void copyChunk(final int chunk, final ByteBuffer out, final int at) {
        final int from = chunkOffset(chunk);
        final int n = chunkLength(chunk);
        final int prefixLength = prefix.limit();
        int done = 0;
        if (from < prefixLength) {
            done = Math.min(n, prefixLength - from);
            out.put(at, prefix, from, done);
        }
        if (done < n) {
            out.put(at + done, payload, from + done - prefixLength, n - done);
        }
    }

    boolean isAcked(final int chunk) {
        return (ackedBits[chunk >>> 6] & (1L << chunk)) != 0;
    }

    /** @return whether the chunk was not acknowledged before. */
    boolean markAcked(final int chunk) {
        final long bit = 1L << chunk;
        final int word = chunk >>> 6;
        if ((ackedBits[word] & bit) != 0) {
            return false;
        }
        ackedBits[word] |= bit;
        ackedChunks++;
        ackedBytes += chunkLength(chunk);
        return true;
    }

    boolean allAcked() {
        return ackedChunks == chunkCount;
    }

    boolean hasUnsentChunks() {
        return nextNewChunk < chunkCount;
    }
}
