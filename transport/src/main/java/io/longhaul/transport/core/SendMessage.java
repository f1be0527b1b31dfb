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
    /** The caller's buffers, read in place until {@link #detach}; null after. */
    ByteBuffer prefix;
    ByteBuffer payload;
    /** After {@link #detach}: the message's bytes from {@link #copyBase} on, the only ones still to be sent. */
    private ByteBuffer copy;
    private int copyBase;
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
        if (copy != null) {
            out.put(at, copy, from - copyBase, n);
            return;
        }
        copyRange(from, n, out, at);
    }

    /** Copies message bytes {@code from..from+n} of the caller's buffers to {@code out} at {@code at}. */
    private void copyRange(final int from, final int n, final ByteBuffer out, final int at) {
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

    /**
     * Stops reading the caller's buffers: the bytes from the first chunk not yet acknowledged to the
     * end are copied into the message's own buffer (acknowledged chunks are never sent again).
     */
    void detach() {
        if (prefix == null) {
            return;
        }
        int first = 0;
        while (first < chunkCount && isAcked(first)) {
            first++;
        }
        if (first < chunkCount) {
            copyBase = chunkOffset(first);
            copy = ByteBuffer.allocate(length - copyBase);
            copyRange(copyBase, length - copyBase, copy, 0);
        }
        prefix = null;
        payload = null;
    }

    /** @return the same message cut into chunks of {@code size} (before any of it was acknowledged). */
    SendMessage recut(final int size) {
        final ByteBuffer head = prefix != null ? prefix : ByteBuffer.allocate(0);
        // Detached before any acknowledgement, the copy holds the whole message.
        final ByteBuffer body = prefix != null ? payload : copy;
        return new SendMessage(id, tag, head, body, size, creditBase, deadlineMode, deadlineNs);
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
