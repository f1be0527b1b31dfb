package io.longhaul.transport.core;

import io.longhaul.transport.path.TimerLateness;
import io.longhaul.transport.protocol.HandshakeFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.security.HandshakeAuth;
import io.longhaul.transport.security.PacketProtection;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32C;

/**
 * The sans-I/O transport endpoint: one per local socket (or simulated node). It validates every
 * incoming datagram (length, version, type, checksum or, with a job key, the handshake's tag) before
 * any state is touched, demultiplexes
 * by connection id, accepts handshakes, and runs every connection's timers and sending in
 * {@link #poll}. Malformed datagrams and datagrams for unknown connections are dropped and counted
 * by {@link DropReason}; nothing is ever thrown out of {@link #onDatagram}.
 *
 * <p>It reads no clock and owns no socket: the driver passes {@code nowNs}, delivers datagrams,
 * and sends what {@link #poll} hands to its {@link DatagramSink}. Not thread-safe.
 */
public final class Endpoint {
    private final CoreConfig config;
    private final ConnectionHandler handler;
    private final Long2ObjectHashMap<Connection> connections = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<Connection> byPeerId = new Long2ObjectHashMap<>();
    /** Incoming sessions per source host. */
    private final java.util.Map<Object, Integer> incomingFrom = new java.util.HashMap<>();
    private final RandomGenerator ids;
    private final CRC32C crc = new CRC32C();
    /** Null without a job key. */
    private final HandshakeAuth handshakeAuth;
    private final ByteBuffer out;
    private final long[] drops = new long[DropReason.values().length];
    private final List<Connection> closed = new ArrayList<>();
    private final TimerLateness timerLateness = new TimerLateness();
    private boolean acceptIncoming = true;
    private long datagramsReceived;
    private long datagramsAccepted;
    private long datagramsSent;

    public Endpoint(final CoreConfig config, final ConnectionHandler handler) {
        this.config = config.validate();
        this.handler = handler;
        this.ids = config.secureConnectionIds() ? new SecureRandom() : new SplittableRandom(config.connectionIdSeed());
        this.out = ByteBuffer.allocateDirect(65_536);
        this.handshakeAuth = config.key() == null ? null : new HandshakeAuth(config.key());
    }

    public CoreConfig config() {
        return config;
    }

    /**
     * The driver's timer, due at {@code deadlineNs} (the time {@link #poll} last asked for), ran at
     * {@code nowNs}. Pacers size their buckets by how late timers fire; call it before the poll.
     */
    public void onTimer(final long deadlineNs, final long nowNs) {
        timerLateness.record(deadlineNs, nowNs);
    }

    /** @return how late this endpoint's timers fire, as measured by {@link #onTimer}. */
    public TimerLateness timerLateness() {
        return timerLateness;
    }

    /** Whether HANDSHAKE_INIT from new peers creates connections (true by default). */
    public Endpoint acceptIncoming(final boolean value) {
        acceptIncoming = value;
        return this;
    }

    /**
     * Opens a client connection; the handshake goes out on the next {@link #poll}.
     *
     * @param pathAddresses the peer's address for each path (path i uses element i); 1 to 16 paths.
     */
    public Connection connect(final long nowNs, final Object... pathAddresses) {
        if (pathAddresses.length < 1 || pathAddresses.length > PacketFlyweight.MAX_PATHS) {
            throw new IllegalArgumentException("path count " + pathAddresses.length + " is out of range; accepted: [1, "
                + PacketFlyweight.MAX_PATHS + "]");
        }
        for (int i = 0; i < pathAddresses.length; i++) {
            if (pathAddresses[i] == null) {
                throw new IllegalArgumentException("address of path " + i + " is null");
            }
        }
        final Connection c = new Connection(this, config, handler, newId(), true, pathAddresses.clone(),
            pathAddresses.length, nowNs);
        connections.put(c.localId(), c);
        return c;
    }

    /** The host part of a peer's address: what per-source limits count. */
    private static Object sourceHost(final Object from) {
        return from instanceof HostAddress h ? h.host() : from;
    }

    /** @return a fresh handshake nonce, from the same generator as the connection ids. */
    byte[] newNonce() {
        final byte[] n = new byte[PacketProtection.NONCE_LENGTH];
        ids.nextBytes(n);
        return n;
    }

    /** @return whether this endpoint keys its sessions. */
    boolean keyed() {
        return handshakeAuth != null;
    }

    /** @return whether the keyed handshake packet of {@code length} bytes at {@code offset} carries a valid tag. */
    boolean handshakeAuthentic(final ByteBuffer in, final int offset, final int length, final byte[] bound) {
        return handshakeAuth.verify(in, offset, length, bound);
    }

    private long newId() {
        long id;
        do {
            id = ids.nextLong();
        } while (id == 0 || connections.containsKey(id));
        return id;
    }

    /**
     * Handles one received datagram (the bytes between position and limit). Never throws for bad
     * input: it is counted under a {@link DropReason} instead.
     *
     * @param from the sender's address, as the driver represents it.
     */
    public void onDatagram(final long nowNs, final Object from, final ByteBuffer datagram) {
        datagramsReceived++;
        final int offset = datagram.position();
        final int length = datagram.remaining();
        final int reason = classify(nowNs, from, datagram, offset, length);
        if (reason >= 0) {
            drops[reason]++;
        } else {
            datagramsAccepted++;
        }
    }

    private int classify(final long nowNs, final Object from, final ByteBuffer datagram, final int offset, final int length) {
        if (length < PacketFlyweight.HEADER_LENGTH) {
            return DropReason.TRUNCATED.ordinal();
        }
        final ByteBuffer in = datagram;
        if (PacketFlyweight.version(in, offset) != PacketFlyweight.VERSION) {
            return DropReason.BAD_VERSION.ordinal();
        }
        final byte type = PacketFlyweight.type(in, offset);
        if (type < PacketFlyweight.TYPE_HANDSHAKE_INIT || type > PacketFlyweight.TYPE_CLOSE) {
            return DropReason.UNKNOWN_TYPE.ordinal();
        }
        final boolean sealed = PacketFlyweight.isProtected(in, offset);
        if (sealed != keyed()) {
            return DropReason.UNAUTHENTICATED.ordinal();
        }
        if (!sealed && !PacketFlyweight.checksumValid(in, offset, length, crc)) {
            return DropReason.BAD_CHECKSUM.ordinal();
        }
        if (PacketFlyweight.pathId(in, offset) >= PacketFlyweight.MAX_PATHS) {
            return DropReason.BAD_FIELD.ordinal();
        }
        final long destination = PacketFlyweight.connectionId(in, offset);
        if (type == PacketFlyweight.TYPE_HANDSHAKE_INIT) {
            return onInit(nowNs, from, in, offset, length, destination);
        }
        final Connection c = connections.get(destination);
        if (c == null) {
            return DropReason.UNKNOWN_CONNECTION.ordinal();
        }
        return c.onPacket(nowNs, from, in, offset, length);
    }

    private int onInit(final long nowNs, final Object from, final ByteBuffer in, final int offset, final int length, final long destination) {
        if (length < HandshakeFlyweight.LENGTH + (keyed() ? HandshakeAuth.TAG_LENGTH : 0)) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (keyed() && !handshakeAuth.verify(in, offset, length, null)) {
            return DropReason.BAD_TAG.ordinal();
        }
        if (destination != 0 || PacketFlyweight.pathId(in, offset) != 0 || !HandshakeFlyweight.parametersValid(in, offset)) {
            return DropReason.BAD_FIELD.ordinal();
        }
        final long peer = HandshakeFlyweight.sourceId(in, offset);
        final Connection existing = byPeerId.get(peer);
        if (existing != null) {
            existing.onRepeatedInit(nowNs, length, from);
            return -1;
        }
        if (!acceptIncoming) {
            return DropReason.UNKNOWN_CONNECTION.ordinal();
        }
        final Object source = sourceHost(from);
        if (byPeerId.size() >= config.maxIncomingConnections() || incomingFrom.getOrDefault(source, 0) >= config.maxIncomingPerSource()) {
            return DropReason.CONNECTION_LIMIT.ordinal();
        }
        incomingFrom.merge(source, 1, Integer::sum);
        final Connection c = new Connection(this, config, handler, newId(), false, null,
            HandshakeFlyweight.pathCount(in, offset), nowNs);
        c.onAcceptedInit(nowNs, in, offset, length, from);
        c.incomingSource = source;
        connections.put(c.localId(), c);
        byPeerId.put(peer, c);
        handler.onEstablished(c);
        return -1;
    }

    /**
     * Runs every connection's timers and emits the datagrams due at {@code nowNs}.
     *
     * @return the earliest time {@code poll} must be called again ({@link Long#MAX_VALUE} if idle).
     */
    public long poll(final long nowNs, final DatagramSink sink) {
        long next = Long.MAX_VALUE;
        for (final Connection c : connections.values()) {
            final long due = c.poll(nowNs, sink);
            if (c.state() == ConnectionState.CLOSED) {
                closed.add(c);
            } else {
                next = Math.min(next, due);
            }
        }
        if (!closed.isEmpty()) {
            for (final Connection c : closed) {
                connections.remove(c.localId());
                if (!c.isClient()) {
                    byPeerId.remove(c.peerId());
                    incomingFrom.computeIfPresent(c.incomingSource, (k, n) -> n > 1 ? n - 1 : null);
                }
            }
            closed.clear();
        }
        return next;
    }

    ByteBuffer out() {
        return out;
    }

    /** Sends the {@code length}-byte packet in {@link #out()}, sealed with {@code protection} or, without one, with its CRC. */
    void emit(final DatagramSink sink, final Object remoteAddress, final int pathId, final int length, final PacketProtection protection) {
        final int sealed;
        if (protection != null) {
            sealed = protection.seal(out, 0, length);
        } else {
            PacketFlyweight.sealChecksum(out, 0, length, crc);
            sealed = length;
        }
        send(sink, remoteAddress, pathId, sealed);
    }

    /** Sends a handshake packet: tagged with the handshake key (and {@code bound}) when keyed, else with its CRC. */
    void emitHandshake(final DatagramSink sink, final Object remoteAddress, final int length, final byte[] bound) {
        final int sealed;
        if (keyed()) {
            PacketFlyweight.markProtected(out, 0);
            sealed = handshakeAuth.sign(out, 0, length, bound);
        } else {
            PacketFlyweight.sealChecksum(out, 0, length, crc);
            sealed = length;
        }
        send(sink, remoteAddress, 0, sealed);
    }

    private void send(final DatagramSink sink, final Object remoteAddress, final int pathId, final int length) {
        out.limit(length).position(0);
        datagramsSent++;
        sink.send(remoteAddress, pathId, out);
        out.clear();
    }

    /** @return the connections currently held (any state but CLOSED). */
    public Collection<Connection> connections() {
        return List.copyOf(connections.values());
    }

    public long datagramsReceived() {
        return datagramsReceived;
    }

    /** @return datagrams that passed validation and were processed ({@code received = accepted + dropped}). */
    public long datagramsAccepted() {
        return datagramsAccepted;
    }

    public long datagramsSent() {
        return datagramsSent;
    }

    /** @return datagrams dropped for {@code reason}. */
    public long dropped(final DropReason reason) {
        return drops[reason.ordinal()];
    }

    /** @return datagrams dropped for any reason. */
    public long droppedTotal() {
        long sum = 0;
        for (final long d : drops) {
            sum += d;
        }
        return sum;
    }
}
