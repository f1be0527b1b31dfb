package io.longhaul.transport.core;

import io.longhaul.transport.path.TimerLateness;
import io.longhaul.transport.protocol.HandshakeFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.protocol.ValidationFlyweight;
import io.longhaul.transport.security.HandshakeAuth;
import io.longhaul.transport.security.PacketProtection;
import io.longhaul.transport.security.RetryTokens;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
    private final RetryTokens retryTokens;
    /** RETRY packets owed, sent on the next poll: at most {@value #MAX_PENDING_RETRIES}, the rest are not answered. */
    private final ByteBuffer pendingRetries = ByteBuffer.allocate(MAX_PENDING_RETRIES * RETRY_SLOT);
    private final Object[] pendingRetryTo = new Object[MAX_PENDING_RETRIES];
    private final int[] pendingRetryLength = new int[MAX_PENDING_RETRIES];
    private int pendingRetryCount;
    private static final int MAX_PENDING_RETRIES = 64;
    private static final int RETRY_SLOT = 128;
    /** How long a retry token stays valid after it was issued. */
    static final long RETRY_TOKEN_LIFETIME_NS = 10_000_000_000L;
    /** Incoming sessions whose peer has not yet proven its address. */
    private int halfOpen;
    private long retriesSent;
    private boolean acceptIncoming = true;
    private long datagramsReceived;
    private long datagramsAccepted;
    private long datagramsSent;

    public Endpoint(final CoreConfig config, final ConnectionHandler handler) {
        this.config = config.validate();
        this.handler = handler;
        this.ids = config.secureConnectionIds() ? new SecureRandom() : new SplittableRandom(config.connectionIdSeed());
        // Keyed packets are read by the cipher, fastest from an array; plain ones go to the driver as they are.
        this.out = config.key() == null ? ByteBuffer.allocateDirect(65_536) : ByteBuffer.allocate(65_536);
        this.handshakeAuth = config.key() == null ? null : new HandshakeAuth(config.key());
        // Its own generator, so that a seeded endpoint's connection ids stay what its seed makes them.
        final byte[] secret = new byte[32];
        (config.secureConnectionIds() ? new SecureRandom() : new SplittableRandom(~config.connectionIdSeed())).nextBytes(secret);
        this.retryTokens = new RetryTokens(secret, RETRY_TOKEN_LIFETIME_NS);
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

    /** The bytes a retry token binds: the whole address. */
    private static byte[] identity(final Object from) {
        return from instanceof HostAddress h ? h.identity() : String.valueOf(from).getBytes(StandardCharsets.UTF_8);
    }

    /** @return a fresh random path challenge, from the same generator as the connection ids. */
    long newChallenge() {
        return ids.nextLong();
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
        if (type < PacketFlyweight.TYPE_HANDSHAKE_INIT || type > PacketFlyweight.LAST_TYPE) {
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
        final boolean hasToken = PacketFlyweight.hasFlag(in, offset, PacketFlyweight.FLAG_RETRY_TOKEN);
        final int body = hasToken ? ValidationFlyweight.INIT_WITH_TOKEN_LENGTH : HandshakeFlyweight.LENGTH;
        if (length < body + (keyed() ? HandshakeAuth.TAG_LENGTH : 0)) {
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
        if (hasToken) {
            if (!retryTokens.valid(in, offset + ValidationFlyweight.INIT_TOKEN_OFFSET, nowNs, peer, identity(from))) {
                return DropReason.BAD_TOKEN.ordinal();
            }
        } else if (halfOpen >= config.retryThreshold()) {
            // More INITs between two polls than RETRYs kept for sending: the rest go unanswered, counted.
            return queueRetry(nowNs, from, peer, HandshakeFlyweight.nonce(in, offset)) ? -1 : DropReason.CONNECTION_LIMIT.ordinal();
        }
        final Object source = sourceHost(from);
        if (byPeerId.size() >= config.maxIncomingConnections() || incomingFrom.getOrDefault(source, 0) >= config.maxIncomingPerSource()) {
            return DropReason.CONNECTION_LIMIT.ordinal();
        }
        incomingFrom.merge(source, 1, Integer::sum);
        final Connection c = new Connection(this, config, handler, newId(), false, null,
            HandshakeFlyweight.pathCount(in, offset), nowNs);
        c.onAcceptedInit(nowNs, in, offset, length, from, hasToken);
        c.incomingSource = source;
        if (!hasToken) {
            halfOpen++;
        }
        connections.put(c.localId(), c);
        byPeerId.put(peer, c);
        handler.onEstablished(c);
        return -1;
    }

    /**
     * Builds a RETRY for the INIT of {@code clientId} from {@code from} (tagged, with a key, over the
     * INIT's nonce like an ACCEPT), sent on the next poll. Nothing else is kept: the token carries
     * what the server needs to know when the INIT comes back.
     *
     * @return false if {@value #MAX_PENDING_RETRIES} RETRYs already wait for the poll (this one is not sent).
     */
    private boolean queueRetry(final long nowNs, final Object from, final long clientId, final byte[] initNonce) {
        if (pendingRetryCount == MAX_PENDING_RETRIES) {
            return false;
        }
        final int slot = pendingRetryCount * RETRY_SLOT;
        PacketFlyweight.writeHeader(pendingRetries, slot, PacketFlyweight.TYPE_RETRY, 0, clientId, 0);
        retryTokens.write(pendingRetries, slot + ValidationFlyweight.RETRY_TOKEN_OFFSET, nowNs, clientId, identity(from));
        final int length;
        if (keyed()) {
            PacketFlyweight.markProtected(pendingRetries, slot);
            length = handshakeAuth.sign(pendingRetries, slot, ValidationFlyweight.RETRY_LENGTH, initNonce);
        } else {
            PacketFlyweight.sealChecksum(pendingRetries, slot, ValidationFlyweight.RETRY_LENGTH, crc);
            length = ValidationFlyweight.RETRY_LENGTH;
        }
        pendingRetryTo[pendingRetryCount] = from;
        pendingRetryLength[pendingRetryCount] = length;
        pendingRetryCount++;
        return true;
    }

    private void flushRetries(final DatagramSink sink) {
        for (int i = 0; i < pendingRetryCount; i++) {
            out.put(0, pendingRetries, i * RETRY_SLOT, pendingRetryLength[i]);
            retriesSent++;
            send(sink, pendingRetryTo[i], 0, pendingRetryLength[i]);
            pendingRetryTo[i] = null;
        }
        pendingRetryCount = 0;
    }

    /** An incoming session's peer answered from its address: it is no longer half-open. */
    void onIncomingValidated() {
        halfOpen--;
    }

    /**
     * Runs every connection's timers and emits the datagrams due at {@code nowNs}.
     *
     * @return the earliest time {@code poll} must be called again ({@link Long#MAX_VALUE} if idle).
     */
    public long poll(final long nowNs, final DatagramSink sink) {
        if (pendingRetryCount > 0) {
            flushRetries(sink);
        }
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
                    if (!c.peerValidated()) {
                        halfOpen--;
                    }
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
        if (protection != null) {
            final ByteBuffer sealed = protection.seal(out, 0, length);
            datagramsSent++;
            sink.send(remoteAddress, pathId, sealed);
            return;
        }
        PacketFlyweight.sealChecksum(out, 0, length, crc);
        send(sink, remoteAddress, pathId, length);
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

    /** @return RETRY packets sent: INITs answered with a token instead of a session. */
    public long retriesSent() {
        return retriesSent;
    }

    /** @return incoming sessions whose peer has not yet proven its address. */
    public int halfOpenSessions() {
        return halfOpen;
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
