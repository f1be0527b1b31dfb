package io.longhaul.transport.core;

import java.nio.ByteBuffer;

/** Sender-side state of one message: which chunks went out and which are acknowledged. */
final class SendMessage {
    static final int ACTIVE = 0;
    static final int DONE = 1;

    final long id;
    final int tag;
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

    SendMessage(final long id, final int tag, final ByteBuffer payload, final int chunkSize, final long creditBase,
                final boolean deadlineMode, final long deadlineNs) {
        this.id = id;
        this.tag = tag;
        this.payload = payload;
        this.length = payload.remaining();
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
