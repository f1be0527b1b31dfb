package io.longhaul.collectives.fabric;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receive buffers handed back by the collectives ({@link Fabric#release}) and reused for later
 * messages of the same length: a collective's messages come in a few lengths, over and over, so a
 * fabric that reassembles into recycled buffers neither allocates nor zeroes one per message.
 * Holds at most {@code maxBytes} (buffers given beyond that are left to the garbage collector) and
 * only buffers of at least {@value #MIN_BYTES} bytes. Thread-safe.
 */
final class MessagePool {
    static final int MIN_BYTES = 4096;
    /** What a fabric keeps unless told otherwise. */
    static final long DEFAULT_MAX_BYTES = 128L << 20;

    private final long maxBytes;
    private final ConcurrentHashMap<Integer, ConcurrentLinkedQueue<ByteBuffer>> free = new ConcurrentHashMap<>();
    private final AtomicLong pooledBytes = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();

    MessagePool(final long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** @return a heap buffer of capacity {@code length}, position 0, limit {@code length}; recycled when one is free. */
    ByteBuffer take(final int length) {
        if (length >= MIN_BYTES) {
            final ConcurrentLinkedQueue<ByteBuffer> q = free.get(length);
            final ByteBuffer b = q == null ? null : q.poll();
            if (b != null) {
                pooledBytes.addAndGet(-length);
                reused.incrementAndGet();
                return b.clear();
            }
        }
        return ByteBuffer.allocate(length);
    }

    /** Takes {@code b} back for reuse; the caller must not read or write it again. */
    void give(final ByteBuffer b) {
        if (b == null || b.isReadOnly() || b.isDirect() || b.capacity() < MIN_BYTES || b.arrayOffset() != 0
            || b.array().length != b.capacity()) {
            return;
        }
        final int capacity = b.capacity();
        if (pooledBytes.addAndGet(capacity) > maxBytes) {
            pooledBytes.addAndGet(-capacity);
            return;
        }
        free.computeIfAbsent(capacity, k -> new ConcurrentLinkedQueue<>()).offer(b);
    }

    /** @return how many buffers were handed out again rather than allocated. */
    long reused() {
        return reused.get();
    }

    /** @return bytes held for reuse now. */
    long pooledBytes() {
        return pooledBytes.get();
    }
}
