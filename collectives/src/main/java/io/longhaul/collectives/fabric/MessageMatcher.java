package io.longhaul.collectives.fabric;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Matches arriving messages with posted receives by (peer, tag), whichever comes first. Futures
 * complete outside the lock, so callbacks may re-enter. Reusable by any {@link Fabric}.
 */
public final class MessageMatcher {
    private final Map<Long, ArrayDeque<ByteBuffer>> unexpected = new HashMap<>();
    private final Map<Long, CompletableFuture<ByteBuffer>> posted = new HashMap<>();
    private final RuntimeException[] failedPeers;
    private RuntimeException failedAll;
    private long unexpectedBytes;

    public MessageMatcher(final int ranks) {
        failedPeers = new RuntimeException[ranks];
    }

    private static long key(final int peer, final int tag) {
        return ((long) peer << 32) | (tag & 0xFFFF_FFFFL);
    }

    /** A message from {@code peer} arrived. */
    public void deliver(final int peer, final int tag, final ByteBuffer message) {
        final CompletableFuture<ByteBuffer> f;
        synchronized (this) {
            if (failedAll != null) {
                return;
            }
            f = posted.remove(key(peer, tag));
            if (f == null) {
                unexpected.computeIfAbsent(key(peer, tag), k -> new ArrayDeque<>(1)).add(message);
                unexpectedBytes += message.remaining();
                return;
            }
        }
        f.complete(message);
    }

    /** Posts a receive; see {@link Fabric#receive}. */
    public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
        final CompletableFuture<ByteBuffer> f = new CompletableFuture<>();
        final long k = key(peer, tag);
        ByteBuffer ready = null;
        RuntimeException failure = null;
        synchronized (this) {
            final ArrayDeque<ByteBuffer> q = unexpected.get(k);
            if (q != null) {
                ready = q.poll();
                unexpectedBytes -= ready.remaining();
                if (q.isEmpty()) {
                    unexpected.remove(k);
                }
            } else if (failedAll != null) {
                failure = failedAll;
            } else if (failedPeers[peer] != null) {
                failure = failedPeers[peer];
            } else {
                if (posted.putIfAbsent(k, f) != null) {
                    failure = new IllegalStateException("a receive from rank " + peer + " with tag " + tag + " is already posted");
                }
            }
        }
        if (ready != null) {
            f.complete(ready);
        } else if (failure != null) {
            f.completeExceptionally(failure);
        } else {
            f.whenComplete((v, e) -> {
                if (f.isCancelled()) {
                    synchronized (this) {
                        posted.remove(k, f);
                    }
                }
            });
        }
        return f;
    }

    /** Fails every pending and future receive from {@code peer}. */
    public void failPeer(final int peer, final RuntimeException cause) {
        final List<CompletableFuture<ByteBuffer>> victims = new ArrayList<>();
        synchronized (this) {
            if (failedPeers[peer] == null) {
                failedPeers[peer] = cause;
            }
            for (final Iterator<Map.Entry<Long, CompletableFuture<ByteBuffer>>> it = posted.entrySet().iterator(); it.hasNext();) {
                final Map.Entry<Long, CompletableFuture<ByteBuffer>> e = it.next();
                if ((int) (e.getKey() >>> 32) == peer) {
                    victims.add(e.getValue());
                    it.remove();
                }
            }
        }
        for (final CompletableFuture<ByteBuffer> f : victims) {
            f.completeExceptionally(cause);
        }
    }

    /** Fails every pending and future receive (the local rank is going down). */
    public void failAll(final RuntimeException cause) {
        final List<CompletableFuture<ByteBuffer>> victims;
        synchronized (this) {
            if (failedAll == null) {
                failedAll = cause;
            }
            victims = new ArrayList<>(posted.values());
            posted.clear();
            unexpected.clear();
            unexpectedBytes = 0;
        }
        for (final CompletableFuture<ByteBuffer> f : victims) {
            f.completeExceptionally(cause);
        }
    }

    /** @return whether {@code peer} has been marked failed. */
    public synchronized boolean isFailed(final int peer) {
        return failedAll != null || failedPeers[peer] != null;
    }

    /** @return bytes of messages that arrived before their receive. */
    public synchronized long unexpectedBytes() {
        return unexpectedBytes;
    }

    /** @return receives posted and not yet matched. */
    public synchronized int postedReceives() {
        return posted.size();
    }
}
