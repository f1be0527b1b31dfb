package io.longhaul.transport.core;

import java.nio.ByteBuffer;

/** Receiver-side reassembly of one message: chunks placed by offset as they arrive. */
final class ReceiveMessage {
    final long id;
    final int tag;
    final int length;
    final int chunkSize;
    final int chunkCount;
    final boolean deadlineMode;
    final ByteBuffer data;
    private final long[] receivedBits;
    int receivedChunks;
    long deadlineNs = Long.MAX_VALUE;

    /** @param data where the message is reassembled, of capacity {@code length}. */
    ReceiveMessage(final long id, final int tag, final int length, final int chunkSize, final boolean deadlineMode,
                   final ByteBuffer data) {
        this.id = id;
        this.tag = tag;
        this.length = length;
        this.chunkSize = chunkSize;
        this.chunkCount = Math.max(1, (length + chunkSize - 1) / chunkSize);
        this.deadlineMode = deadlineMode;
        this.data = data;
        this.receivedBits = new long[(chunkCount + 63) >>> 6];
    }

    boolean has(final int chunk) {
        return (receivedBits[chunk >>> 6] & (1L << chunk)) != 0;
    }

    void mark(final int chunk) {
        receivedBits[chunk >>> 6] |= 1L << chunk;
        receivedChunks++;
    }

    boolean complete() {
        return receivedChunks == chunkCount;
    }

    /** @return the byte ranges of chunks that never arrived, merged where adjacent. */
    MissingRanges missing() {
        if (complete()) {
            return MissingRanges.NONE;
        }
        final int missingChunks = chunkCount - receivedChunks;
        final long[] offsets = new long[missingChunks];
        final long[] lengths = new long[missingChunks];
        int n = 0;
        int c = 0;
        while (c < chunkCount) {
            if (has(c)) {
                c++;
                continue;
            }
            final int start = c;
            while (c < chunkCount && !has(c)) {
                c++;
            }
            final long from = (long) start * chunkSize;
            final long to = Math.min((long) c * chunkSize, length);
            offsets[n] = from;
            lengths[n] = to - from;
            n++;
        }
        return new MissingRanges(offsets, lengths, n);
    }
}
