package io.longhaul.transport;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionStats;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.media.UdpDriver;
import org.agrona.collections.Long2ObjectHashMap;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection of a {@link Transport} as an application sees it: send messages, get their
 * completions as futures, close. (The name keeps it apart from the protocol state machine
 * {@link io.longhaul.transport.core.Connection}, which this wraps and which lives on the event loop.)
 *
 * <p>Thread-safe: every method may be called from any thread. Futures complete on the transport's
 * event loop; do not block in their callbacks (use the {@code *Async} variants for heavy work).
 */
public final class Session {
    private final Transport transport;
    private final boolean client;
    private final int pathCount;
    private final CompletableFuture<Session> established = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    /** Loop only. */
    private final Long2ObjectHashMap<CompletableFuture<SendStatus>> pending = new Long2ObjectHashMap<>();
    /** Loop only. */
    private Connection connection;
    private Object[] routes;
    private List<Object> extraPorts = List.of();
    private volatile String closeReason;
    private volatile InetSocketAddress remote;

    Session(final Transport transport, final boolean client, final int pathCount, final InetSocketAddress remote) {
        this.transport = transport;
        this.client = client;
        this.pathCount = pathCount;
        this.remote = remote;
    }

    // ------------------------------------------------------------------ public API

    public Transport transport() {
        return transport;
    }

    /** Whether this end opened the session. */
    public boolean isClient() {
        return client;
    }

    public int pathCount() {
        return pathCount;
    }

    /** The peer's address (of path 0). */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The local socket address of each path (client sessions: one UDP socket per path). */
    public List<InetSocketAddress> localAddresses() {
        return transport.driver().call(() -> {
            final List<InetSocketAddress> list = new ArrayList<>();
            if (connection != null) {
                for (int i = 0; i < connection.pathCount(); i++) {
                    final Object route = connection.remoteAddress(i);
                    list.add(route == null ? null : UdpDriver.localOf(route));
                }
            }
            return list;
        }, TimeUnit.SECONDS.toNanos(5));
    }

    public boolean isOpen() {
        return closeReason == null;
    }

    /** The close reason, or null while open. */
    public String closeReason() {
        return closeReason;
    }

    /** Completes with the close reason when the session closes (by either end or by a timeout). */
    public CompletableFuture<String> closeFuture() {
        return closed;
    }

    /**
     * Sends a reliable message, waiting up to {@code sendTimeout} for room in the send queue.
     *
     * @param data the bytes between position and limit; not copied: leave them unchanged until the
     *             future completes.
     * @return completes with {@link SendStatus#DELIVERED} once every byte is acknowledged;
     *         exceptionally with {@link SessionClosedException} if the session closes first, or
     *         {@link SendQueueFullException} if no room appeared in time.
     */
    public CompletableFuture<SendStatus> send(final int tag, final ByteBuffer data) {
        return transport.send(this, tag, null, data, false, 0, true);
    }

    /**
     * Sends a reliable message made of {@code header} followed by {@code body}: the peer receives
     * them as one message, and neither is copied (frames are cut from them in place), so an
     * application can put its own header in front of a region of a larger buffer without copying
     * the region.
     *
     * @param header the bytes between position and limit; leave them unchanged until the future completes.
     * @param body   likewise.
     * @return as {@link #send(int, ByteBuffer)}.
     */
    public CompletableFuture<SendStatus> send(final int tag, final ByteBuffer header, final ByteBuffer body) {
        return transport.send(this, tag, header, body, false, 0, true);
    }

    /**
     * Sends a deadline message: repaired until {@code deadlineNs} (on the {@link System#nanoTime()}
     * clock), then abandoned; the peer gets it at its deadline with the ranges that never arrived.
     *
     * @return completes with {@link SendStatus#DELIVERED} or {@link SendStatus#EXPIRED}; exceptionally
     *         as {@link #send(int, ByteBuffer)}.
     */
    public CompletableFuture<SendStatus> send(final int tag, final ByteBuffer data, final long deadlineNs) {
        return transport.send(this, tag, null, data, true, deadlineNs, true);
    }

    /**
     * Lets the caller have the buffers of a {@link #send(int, ByteBuffer, ByteBuffer) send} back
     * before it is acknowledged: the transport copies what it still has to send or repair into its
     * own memory. The send itself goes on and {@code send} completes as before.
     *
     * @param send a future this session's {@code send} returned.
     * @return completes once the transport no longer reads the send's buffers (at once if it has
     *         completed or the session is closed).
     */
    public CompletableFuture<Void> detach(final CompletableFuture<SendStatus> send) {
        final CompletableFuture<Void> free = new CompletableFuture<>();
        if (send.isDone() || !transport.driver().submit(() -> {
            if (connection != null) {
                for (final Long2ObjectHashMap<CompletableFuture<SendStatus>>.EntryIterator it = pending.entrySet().iterator();
                     it.hasNext(); ) {
                    it.next();
                    if (it.getValue() == send) {
                        connection.detach(it.getLongKey());
                        break;
                    }
                }
            }
            free.complete(null);
        })) {
            free.complete(null);
        }
        return free;
    }

    /** As {@link #send(int, ByteBuffer)} but never waits: fails at once with {@link SendQueueFullException}. */
    public CompletableFuture<SendStatus> trySend(final int tag, final ByteBuffer data) {
        return transport.send(this, tag, null, data, false, 0, false);
    }

    /** As {@link #send(int, ByteBuffer, long)} but never waits for queue space. */
    public CompletableFuture<SendStatus> trySend(final int tag, final ByteBuffer data, final long deadlineNs) {
        return transport.send(this, tag, null, data, true, deadlineNs, false);
    }

    /** A snapshot of the connection's counters (taken on the event loop). */
    public ConnectionStats stats() {
        return transport.driver().call(() -> {
            if (connection == null) {
                throw new IllegalStateException("session is not connected yet");
            }
            return connection.stats();
        }, TimeUnit.SECONDS.toNanos(5));
    }

    /** Closes the session: pending sends fail with {@link SessionClosedException}; the peer is told. */
    public void close() {
        close("closed by the application");
    }

    public void close(final String reason) {
        if (transport.driver().isClosed()) {
            return;
        }
        transport.driver().execute(() -> closeOnLoop(reason));
    }

    @Override
    public String toString() {
        return "Session{" + (client ? "client" : "server") + " " + remote + ", paths=" + pathCount
            + (closeReason == null ? "" : ", closed: " + closeReason) + '}';
    }

    // ------------------------------------------------------------------ event loop side

    CompletableFuture<Session> established() {
        return established;
    }

    void attach(final Connection value, final Object[] pathRoutes, final List<Object> ports) {
        connection = value;
        routes = pathRoutes;
        extraPorts = ports;
        value.attachment(this);
    }

    Connection connection() {
        return connection;
    }

    List<Object> extraPorts() {
        return extraPorts;
    }

    Object[] routes() {
        return routes;
    }

    void closeOnLoop(final String reason) {
        if (connection != null) {
            connection.close(UdpDriver.nowNs(), Connection.CLOSE_NORMAL, reason);
        } else {
            onClosed(reason, false);
        }
    }

    /** Loop: starts a send handed over from an application thread. */
    void startSend(final int tag, final ByteBuffer header, final ByteBuffer data, final boolean deadlineMode,
                   final long deadlineNs, final CompletableFuture<SendStatus> future) {
        final String reason = transport.isClosed() && closeReason == null ? "transport closed" : closeReason;
        if (reason != null || connection == null) {
            transport.complete(future, null, new SessionClosedException("session closed: "
                + (reason == null ? "not connected" : reason)));
            return;
        }
        final long id;
        try {
            if (deadlineMode) {
                id = connection.send(UdpDriver.nowNs(), tag, data, deadlineNs);
            } else if (header != null) {
                id = connection.send(UdpDriver.nowNs(), tag, header, data);
            } else {
                id = connection.send(UdpDriver.nowNs(), tag, data);
            }
        } catch (IllegalStateException e) {
            transport.complete(future, null, new SessionClosedException(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            transport.complete(future, null, e);
            return;
        }
        pending.put(id, future);
    }

    void onEstablished(final Connection value) {
        if (connection == null) {
            connection = value;
            value.attachment(this);
        }
        final Object route = value.remoteAddress(0);
        final InetSocketAddress r = UdpDriver.remoteOf(route);
        if (r != null) {
            remote = r;
        }
        established.complete(this);
    }

    void onSendComplete(final long messageId, final SendStatus status, final String detail) {
        final CompletableFuture<SendStatus> future = pending.remove(messageId);
        if (future == null) {
            return;
        }
        if (status == SendStatus.FAILED) {
            transport.complete(future, null, new SessionClosedException(detail == null || detail.isEmpty()
                ? "session closed: " + closeReason : detail));
        } else {
            transport.complete(future, status, null);
        }
    }

    void onClosed(final String reason, final boolean byPeer) {
        if (closeReason != null) {
            return;
        }
        closeReason = (byPeer ? "closed by peer: " : "") + (reason == null || reason.isEmpty() ? "closed" : reason);
        if (!pending.isEmpty()) {
            final List<CompletableFuture<SendStatus>> left = new ArrayList<>(pending.values());
            pending.clear();
            for (final CompletableFuture<SendStatus> f : left) {
                transport.complete(f, null, new SessionClosedException("session closed: " + closeReason));
            }
        }
        established.completeExceptionally(new SessionClosedException("connection to " + remote + " failed: " + closeReason));
        closed.complete(closeReason);
    }
}
