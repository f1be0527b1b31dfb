package io.longhaul.transport.core;

/** FIFO of (message, chunk) pairs waiting for retransmission; a growable ring, no allocation per entry. */
final class RetransmitQueue {
    private SendMessage[] messages = new SendMessage[1024];
    private int[] chunks = new int[1024];
    private int head;
    private int size;

    void push(final SendMessage message, final int chunk) {
        if (size == messages.length) {
            grow();
        }
        final int at = (head + size) & (messages.length - 1);
        messages[at] = message;
        chunks[at] = chunk;
        size++;
    }

    boolean isEmpty() {
        return size == 0;
    }

    SendMessage peekMessage() {
        return messages[head];
    }

    int peekChunk() {
        return chunks[head];
    }

    void pop() {
        messages[head] = null;
        head = (head + 1) & (messages.length - 1);
        size--;
    }

    void clear() {
        while (size > 0) {
            pop();
        }
    }

    private void grow() {
        final SendMessage[] m = new SendMessage[messages.length * 2];
        final int[] c = new int[chunks.length * 2];
        for (int i = 0; i < size; i++) {
            final int from = (head + i) & (messages.length - 1);
            m[i] = messages[from];
            c[i] = chunks[from];
        }
        messages = m;
        chunks = c;
        head = 0;
    }
}
