package io.longhaul.collectives.fabric;

import io.longhaul.transport.core.MissingRanges;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Matches arriving messages with posted receives by (peer, tag), whichever comes first. Futures
 * complete outside the lock, so callbacks may re-enter. Reusable by any {@link Fabric}.
 *
 * <p>A receiver that stops waiting for a message ({@link #discard}) has it dropped when it
 * arrives; at most {@link #MAX_DISCARDED} such keys are remembered (the oldest are forgotten
 * first, counted by {@link #discardsForgotten()}), so a message that never comes costs nothing
 * forever.
 */
public final class MessageMatcher {
    /** Keys of discarded messages remembered at most. */
    public static final int MAX_DISCARDED = 1 << 16;

    private final Map<Long, ArrayDeque<Received>> unexpected = new HashMap<>();
    private final Map<Long, CompletableFuture<Received>> posted = new HashMap<>();
    private final LinkedHashSet<Long> discarded = new LinkedHashSet<>();
    private final RuntimeException[] failedPeers;
    private RuntimeException failedAll;
    private long unexpectedBytes;
    private long lateDropped;
    private long discardsForgotten;

    public MessageMatcher(final int ranks) {
        failedPeers = new RuntimeException[ranks];
    }

    private static long key(final int peer, final int tag) {
        return ((long) peer << 32) | (tag & 0xFFFF_FFFFL);
    }

    /** A complete message from {@code peer} arrived. */
    public void deliver(final int peer, final int tag, final ByteBuffer message) {
        deliver(peer, tag, message, MissingRanges.NONE);
    }

    /** A message from {@code peer} arrived, with the ranges that never did. */
    public void deliver(final int peer, final int tag, final ByteBuffer message, final MissingRanges missing) {
        final CompletableFuture<Received> f;
        final Received r = new Received(message, missing);
        synchronized (this) {
            if (failedAll != null) {
                return;
            }
            final long k = key(peer, tag);
            if (!discarded.isEmpty() && discarded.remove(k)) {
                lateDropped++;
                return;
            }
            f = posted.remove(k);
            if (f == null) {
                unexpected.computeIfAbsent(k, x -> new ArrayDeque<>(1)).add(r);
                unexpectedBytes += message.remaining();
                return;
            }
        }
        f.complete(r);
    }

    /** Posts a receive; see {@link Fabric#receive}. */
    public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
        final CompletableFuture<Received> inner = receiveMessage(peer, tag);
        final CompletableFuture<ByteBuffer> outer = new CompletableFuture<>();
        inner.whenComplete((r, e) -> {
            if (e != null) {
                outer.completeExceptionally(e);
            } else {
                outer.complete(r.data());
            }
        });
        outer.whenComplete((v, e) -> {
            if (outer.isCancelled()) {
                inner.cancel(false);
            }
        });
        return outer;
    }

    /** Posts a receive; see {@link Fabric#receiveMessage}. */
    public CompletableFuture<Received> receiveMessage(final int peer, final int tag) {
        final CompletableFuture<Received> f = new CompletableFuture<>();
        final long k = key(peer, tag);
        Received ready = null;
        RuntimeException failure = null;
        synchronized (this) {
            final ArrayDeque<Received> q = unexpected.get(k);
            if (q != null) {
                ready = q.poll();
                unexpectedBytes -= ready.data().remaining();
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

    /** See {@link Fabric#discard}. */
    public void discard(final int peer, final int tag) {
        final long k = key(peer, tag);
        final CompletableFuture<Received> f;
        synchronized (this) {
            f = posted.remove(k);
            final ArrayDeque<Received> q = unexpected.get(k);
            if (q != null) {
                final Received r = q.poll();
                unexpectedBytes -= r.data().remaining();
                if (q.isEmpty()) {
                    unexpected.remove(k);
                }
                lateDropped++;
            } else {
                discarded.add(k);
                if (discarded.size() > MAX_DISCARDED) {
                    final Iterator<Long> it = discarded.iterator();
                    it.next();
                    it.remove();
                    discardsForgotten++;
                }
            }
        }
        if (f != null) {
            f.cancel(false);
        }
    }

    /** Fails every pending and future receive from {@code peer}. */
    public void failPeer(final int peer, final RuntimeException cause) {
        final List<CompletableFuture<Received>> victims = new ArrayList<>();
        synchronized (this) {
            if (failedPeers[peer] == null) {
                failedPeers[peer] = cause;
            }
            for (final Iterator<Map.Entry<Long, CompletableFuture<Received>>> it = posted.entrySet().iterator(); it.hasNext();) {
                final Map.Entry<Long, CompletableFuture<Received>> e = it.next();
                if ((int) (e.getKey() >>> 32) == peer) {
                    victims.add(e.getValue());
                    it.remove();
                }
            }
        }
        for (final CompletableFuture<Received> f : victims) {
            f.completeExceptionally(cause);
        }
    }

    /** Fails every pending and future receive (the local rank is going down). */
    public void failAll(final RuntimeException cause) {
        final List<CompletableFuture<Received>> victims;
        synchronized (this) {
            if (failedAll == null) {
                failedAll = cause;
            }
            victims = new ArrayList<>(posted.values());
            posted.clear();
            unexpected.clear();
            discarded.clear();
            unexpectedBytes = 0;
        }
        for (final CompletableFuture<Received> f : victims) {
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

    /** @return messages dropped because their receiver had given up on them. */
    public synchronized long lateDropped() {
        return lateDropped;
    }

    /** @return discarded keys forgotten because more than {@link #MAX_DISCARDED} were pending. */
    public synchronized long discardsForgotten() {
        return discardsForgotten;
    }
}
