package io.longhaul.transport.core;

import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.path.PathSet;
import io.longhaul.transport.protocol.AckFlyweight;
import io.longhaul.transport.protocol.Bytes;
import io.longhaul.transport.protocol.CloseFlyweight;
import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.protocol.HandshakeFlyweight;
import io.longhaul.transport.protocol.PacketFlyweight;
import io.longhaul.transport.protocol.ValidationFlyweight;
import io.longhaul.transport.security.HandshakeAuth;
import io.longhaul.transport.security.PacketProtection;
import io.longhaul.transport.recovery.SentPacketTracker;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongHashSet;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One connection's protocol state machine: handshake, message segmentation and reassembly,
 * selective repair, deadline messages, flow control, per-path recovery, congestion control and
 * pacing. Sans-I/O: every method takes the current time, datagrams go out through the
 * {@link DatagramSink} given to {@link Endpoint#poll}, and events go to the {@link ConnectionHandler}.
 *
 * <p>Not thread-safe: one thread (the driver's event loop, or the simulator) owns it.
 */
public final class Connection {
    /** Close code for an orderly close by the application. */
    public static final int CLOSE_NORMAL = 0;
    /** Close code when the peer stayed silent longer than the idle timeout. */
    public static final int CLOSE_IDLE_TIMEOUT = 1;
    /** Close code when the handshake never completed. */
    public static final int CLOSE_HANDSHAKE_TIMEOUT = 2;

    /** Path events kept for {@link ConnectionStats#pathEvents()}; older ones are dropped. */
    public static final int MAX_PATH_EVENTS = 256;

    /** Handshake retries double up to 2^3 times the first interval, so a slow peer is not starved. */
    private static final int MAX_HANDSHAKE_BACKOFF_EXPONENT = 3;
    /** The header of a message sent without one. */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private static final Comparator<SendMessage> BY_SEND_DEADLINE = Comparator.comparingLong(m -> m.deadlineNs);
    private static final Comparator<ReceiveMessage> BY_RECEIVE_DEADLINE = Comparator.comparingLong(m -> m.deadlineNs);

    private final Endpoint endpoint;
    private final CoreConfig config;
    private final ConnectionHandler handler;
    private final long localId;
    private final boolean client;
    private long peerId;
    private ConnectionState state;
    private final Path[] paths;
    private final PathScheduler scheduler;
    private final PathView pathView = new PathView();
    private final CongestionControlConfig ccConfig;
    private final ArrayDeque<PathEvent> pathEvents = new ArrayDeque<>();
    private int chunkSize;
    /** This end's handshake nonce; the peer's, once its handshake packet arrived. */
    private final byte[] localNonce;
    private byte[] peerNonce;
    /** Seals and opens every packet after the handshake; null without a key or before the handshake. */
    private PacketProtection protection;
    /** Where an incoming session's INIT came from (its endpoint counts sessions per source); null for a client. */
    Object incomingSource;
    /**
     * Whether the peer's address is known to be its own: always for a client; for a server once
     * anything but an INIT came from the peer. Until then it sends at most
     * {@value #AMPLIFICATION_LIMIT} times the bytes the INITs brought ({@link #unvalidatedBudget}),
     * so a spoofed INIT cannot turn this endpoint into an amplifier, and no data at all: the client
     * sends a PING as soon as the ACCEPT arrives.
     */
    private boolean peerValidated;
    /** A client's packet right after the ACCEPT is due. */
    private boolean confirmDue;
    private long unvalidatedBudget;
    static final int AMPLIFICATION_LIMIT = 3;
    /** CLOSE packets sent: their packet numbers (each sealed CLOSE needs its own nonce). */
    private long closesSent;
    /** PATH_CHALLENGE and PATH_RESPONSE packets sent: their packet numbers, one counter each. */
    private long challengesSent;
    private long responsesSent;
    /** A client's retry token, from the server's RETRY (at most one is taken); null before one came. */
    private byte[] retryToken;
    /** A peer's path may move to a new address after this many unanswered challenges at most. */
    static final int MAX_PATH_CHALLENGES = 3;
    private long peerIdleTimeoutNs;
    private int peerMaxMessageBytes = Integer.MAX_VALUE;
    private Object attachment;

    private final SentPacketTracker.Listener<SendMessage> recoveryListener = new SentPacketTracker.Listener<>() {
        @Override
        public void onAcked(final SendMessage message, final int chunk, final boolean wasDeclaredLost) {
            onChunkAcked(message, chunk);
        }

        @Override
        public void onLost(final SendMessage message, final int chunk) {
            if (message.state == SendMessage.ACTIVE && !message.isAcked(chunk)) {
                retransmitQueue.push(message, chunk);
            }
        }
    };

    // Send side.
    private long nextMessageId = 1;
    private long creditUsed;
    private long peerMaxData;
    private final ArrayDeque<SendMessage> sendQueue = new ArrayDeque<>();
    private final Long2ObjectHashMap<SendMessage> inProgress = new Long2ObjectHashMap<>();
    private final PriorityQueue<SendMessage> sendDeadlines = new PriorityQueue<>(BY_SEND_DEADLINE);
    private final RetransmitQueue retransmitQueue = new RetransmitQueue();

    // Receive side.
    private final Long2ObjectHashMap<ReceiveMessage> reassembly = new Long2ObjectHashMap<>();
    private final PriorityQueue<ReceiveMessage> receiveDeadlines = new PriorityQueue<>(BY_RECEIVE_DEADLINE);
    private long deliveredBelow = 1;
    private final LongHashSet deliveredAbove = new LongHashSet();
    private long releasedBytes;
    private long reassemblyBytes;
    private long advertisedMaxData;

    // Lifecycle.
    private long handshakeDueNs;
    private long handshakeSentNs;
    private int handshakeAttempts;
    private boolean acceptDue;
    private long lastReceiveNs;
    private final long createdNs;
    private boolean closeDue;
    private long closeEndNs = Long.MAX_VALUE;
    private int closeCode;
    private String closeReason = "";
    private boolean closedByPeer;
    private long lastCloseSentNs = Long.MIN_VALUE;

    // Statistics.
    private long messagesSent;
    private long messagesDelivered;
    private long messagesExpired;
    private long messagesReceived;
    private long bytesReceived;
    private long duplicateChunks;
    private long redundantRepairs;
    private long flowControlBlocked;

    private final long[] rangeLo = new long[AckFlyweight.MAX_RANGES];
    private final long[] rangeHi = new long[AckFlyweight.MAX_RANGES];

    Connection(final Endpoint endpoint, final CoreConfig config, final ConnectionHandler handler, final long localId,
               final boolean client, final Object[] pathAddresses, final int pathCount, final long nowNs) {
        this.endpoint = endpoint;
        this.config = config;
        this.handler = handler;
        this.localId = localId;
        this.client = client;
        this.state = client ? ConnectionState.CONNECTING : ConnectionState.ESTABLISHED;
        this.chunkSize = config.maxChunkBytes();
        this.localNonce = endpoint.newNonce();
        this.peerValidated = client;
        this.peerIdleTimeoutNs = config.idleTimeoutNs();
        this.paths = new Path[pathCount];
        final int datagram = config.maxDatagramBytes();
        this.ccConfig = new CongestionControlConfig(
            datagram, (long) config.initialWindowPackets() * datagram, 2L * datagram, java.util.Map.of());
        for (int i = 0; i < pathCount; i++) {
            paths[i] = new Path(i, pathAddresses == null || i >= pathAddresses.length ? null : pathAddresses[i], newController(),
                config.initialRttNs(), config.maxPacketsInFlight(), config.packetThreshold());
            paths[i].lastActivityNs = nowNs;
        }
        this.scheduler = PathSchedulers.create(config.pathScheduler(),
            new PathSchedulerConfig(pathCount, datagram, localId, java.util.Map.of()));
        this.advertisedMaxData = config.receiveWindowBytes();
        this.lastReceiveNs = nowNs;
        this.createdNs = nowNs;
        this.handshakeDueNs = nowNs;
    }

    // ------------------------------------------------------------------ public API

    /** @return this end's connection id (the one peers address packets to). */
    public long localId() {
        return localId;
    }

    /** @return the peer's connection id, or 0 before the handshake completed. */
    public long peerId() {
        return peerId;
    }

    /** @return whether the peer is known to receive at its address (a server's peer once it answered). */
    boolean peerValidated() {
        return peerValidated;
    }

    public boolean isClient() {
        return client;
    }

    public ConnectionState state() {
        return state;
    }

    public int pathCount() {
        return paths.length;
    }

    /** @return the remote address of a path, or null if not learned yet. */
    public Object remoteAddress(final int pathId) {
        return paths[pathId].remoteAddress;
    }

    /** @return the negotiated DATA payload size. */
    public int chunkSize() {
        return chunkSize;
    }

    /** @return the close reason, or an empty string while open. */
    public String closeReason() {
        return closeReason;
    }

    public Object attachment() {
        return attachment;
    }

    /** Lets a driver or application hang its own object on the connection. */
    public void attachment(final Object value) {
        attachment = value;
    }

    /** Sends a reliable message. @see #send(long, int, ByteBuffer, long) */
    public long send(final long nowNs, final int tag, final ByteBuffer payload) {
        return enqueue(nowNs, tag, EMPTY, payload, false, Long.MAX_VALUE);
    }

    /**
     * Sends a reliable message made of {@code header} followed by {@code body}, neither copied: both
     * must stay unchanged until the message completes. The peer receives them as one message.
     */
    public long send(final long nowNs, final int tag, final ByteBuffer header, final ByteBuffer body) {
        return enqueue(nowNs, tag, header, body, false, Long.MAX_VALUE);
    }

    /**
     * Sends a deadline message: repaired until {@code deadlineNs}, then abandoned; the peer gets it
     * at its deadline with the ranges that never arrived.
     *
     * @param payload the bytes between position and limit; not copied, must stay unchanged until
     *                the message completes.
     * @return the message id, reported again in {@link ConnectionHandler#onSendComplete}.
     */
    public long send(final long nowNs, final int tag, final ByteBuffer payload, final long deadlineNs) {
        return enqueue(nowNs, tag, EMPTY, payload, true, deadlineNs);
    }

    private long enqueue(final long nowNs, final int tag, final ByteBuffer header, final ByteBuffer payload,
                         final boolean deadlineMode, final long deadlineNs) {
        if (state == ConnectionState.CLOSING || state == ConnectionState.DRAINING || state == ConnectionState.CLOSED) {
            throw new IllegalStateException("connection " + Long.toHexString(localId) + " is closed: " + closeReason);
        }
        final long total = (long) header.remaining() + payload.remaining();
        final int limit = Math.min(config.maxMessageBytes(), peerMaxMessageBytes);
        if (total > limit) {
            throw new IllegalArgumentException("message of " + total + " bytes exceeds the maximum message size of "
                + limit + " bytes (" + (limit == config.maxMessageBytes() ? "maxMessageBytes" : "the peer's maxMessageBytes") + ")");
        }
        final SendMessage message = new SendMessage(nextMessageId++, tag, header.slice(), payload.slice(), chunkSize, creditUsed,
            deadlineMode, deadlineNs);
        creditUsed += total;
        messagesSent++;
        sendQueue.add(message);
        inProgress.put(message.id, message);
        if (deadlineMode) {
            sendDeadlines.add(message);
        }
        return message.id;
    }

    /**
     * Stops message {@code messageId} reading the buffers it was sent from: the bytes still to be
     * sent or repaired are copied into its own buffer, so the caller may reuse them at once. Nothing
     * for a message that completed or is unknown.
     */
    public void detach(final long messageId) {
        final SendMessage m = inProgress.get(messageId);
        if (m != null) {
            m.detach();
        }
    }

    /** Closes the connection: pending sends fail, the peer is told {@code reason}. Idempotent. */
    public void close(final long nowNs, final int code, final String reason) {
        if (state == ConnectionState.CLOSING || state == ConnectionState.DRAINING || state == ConnectionState.CLOSED) {
            return;
        }
        final boolean wasConnecting = state == ConnectionState.CONNECTING;
        closeCode = code;
        closeReason = reason == null ? "" : reason;
        state = ConnectionState.CLOSING;
        closeDue = !wasConnecting;
        closeEndNs = nowNs + 3 * maxPto();
        failPending("connection closed: " + closeReason);
        handler.onClosed(this, code, closeReason, false);
        if (wasConnecting) {
            state = ConnectionState.CLOSED;
        }
    }

    /** @return a snapshot of the connection's counters. */
    public ConnectionStats stats() {
        final List<PathStats> list = new ArrayList<>(paths.length);
        for (final Path p : paths) {
            list.add(p.stats());
        }
        return new ConnectionStats(localId, state, messagesSent, messagesDelivered, messagesExpired, messagesReceived,
            bytesReceived, duplicateChunks, redundantRepairs, flowControlBlocked, reassemblyBytes, List.copyOf(list),
            config.pathScheduler(), List.copyOf(pathEvents));
    }

    /** @return messages sent and not yet completed. */
    public int pendingMessages() {
        return inProgress.size();
    }

    /** @return messages being reassembled. */
    public int reassemblingMessages() {
        return reassembly.size();
    }

    @Override
    public String toString() {
        return "Connection{" + Long.toHexString(localId) + (client ? " client" : " server") + ", " + state + '}';
    }

    // ------------------------------------------------------------------ incoming

    /** A new peer's INIT (validated by the endpoint): take its parameters, answer with an ACCEPT. */
    void onAcceptedInit(final long nowNs, final ByteBuffer in, final int offset, final int length, final Object from,
                        final boolean addressValidated) {
        unvalidatedBudget += (long) AMPLIFICATION_LIMIT * length;
        peerValidated = addressValidated;
        applyPeerParameters(in, offset);
        peerNonce = HandshakeFlyweight.nonce(in, offset);
        if (config.key() != null) {
            protection = PacketProtection.derive(config.key(), peerId, localId, peerNonce, localNonce, false);
        }
        paths[0].remoteAddress = from;
        acceptDue = true;
        lastReceiveNs = nowNs;
    }

    /**
     * A repeated INIT from the same peer: the ACCEPT was lost, send it again, to the address the
     * first INIT came from (a copy of the INIT replayed from elsewhere must not move the path).
     */
    void onRepeatedInit(final long nowNs, final int length, final Object from) {
        if (state == ConnectionState.ESTABLISHED) {
            if (!peerValidated) {
                unvalidatedBudget += (long) AMPLIFICATION_LIMIT * length;
            }
            acceptDue = true;
            lastReceiveNs = nowNs;
        }
    }

    /**
     * Handles one validated datagram addressed to this connection.
     *
     * @return -1 if accepted, else the ordinal of the {@link DropReason}.
     */
    int onPacket(final long nowNs, final Object from, final ByteBuffer datagram, final int at, final int sealedLength) {
        ByteBuffer in = datagram;
        int offset = at;
        final byte type = PacketFlyweight.type(in, offset);
        final int pathId = PacketFlyweight.pathId(in, offset);
        if (pathId >= paths.length) {
            return DropReason.BAD_FIELD.ordinal();
        }
        if (state == ConnectionState.CLOSED) {
            return DropReason.WRONG_STATE.ordinal();
        }
        if (state == ConnectionState.CLOSING) {
            // Repeat the CLOSE to stray packets, at most once per RTT.
            if (nowNs - lastCloseSentNs > paths[0].rtt.smoothedRttNs()) {
                closeDue = true;
            }
            return DropReason.WRONG_STATE.ordinal();
        }
        if (state == ConnectionState.DRAINING) {
            return DropReason.WRONG_STATE.ordinal();
        }
        int length = sealedLength;
        if (endpoint.keyed() && type != PacketFlyweight.TYPE_HANDSHAKE_ACCEPT && type != PacketFlyweight.TYPE_RETRY) {
            if (protection == null) {
                return DropReason.WRONG_STATE.ordinal();
            }
            final ByteBuffer plain = protection.open(in, offset, sealedLength);
            if (plain == null) {
                return DropReason.BAD_TAG.ordinal();
            }
            in = plain;
            offset = 0;
            length = plain.limit();
        }
        final int result;
        switch (type) {
            case PacketFlyweight.TYPE_HANDSHAKE_ACCEPT:
                result = onAccept(nowNs, in, offset, length);
                break;
            case PacketFlyweight.TYPE_DATA:
                result = onData(nowNs, pathId, in, offset, length);
                break;
            case PacketFlyweight.TYPE_ACK:
                result = onAck(nowNs, in, offset, length);
                break;
            case PacketFlyweight.TYPE_PING:
                result = onPing(nowNs, pathId, in, offset, length);
                break;
            case PacketFlyweight.TYPE_CLOSE:
                result = onClose(nowNs, in, offset, length);
                break;
            case PacketFlyweight.TYPE_RETRY:
                result = onRetry(nowNs, in, offset, length);
                break;
            case PacketFlyweight.TYPE_PATH_CHALLENGE:
                result = onPathChallenge(pathId, from, in, offset, length);
                break;
            case PacketFlyweight.TYPE_PATH_RESPONSE:
                result = onPathResponse(nowNs, pathId, from, in, offset, length);
                break;
            default:
                result = DropReason.WRONG_STATE.ordinal();
                break;
        }
        if (result < 0) {
            if (!peerValidated) {
                peerValidated = true;
                endpoint.onIncomingValidated();
            }
            final Path path = paths[pathId];
            path.packetsReceived++;
            path.bytesReceived += length;
            path.lastActivityNs = nowNs;
            if ((type == PacketFlyweight.TYPE_DATA || type == PacketFlyweight.TYPE_PING || type == PacketFlyweight.TYPE_ACK)
                && path.observeSource(from, type == PacketFlyweight.TYPE_ACK, PacketFlyweight.packetNumber(in, offset))) {
                path.challengeData = endpoint.newChallenge();
                path.challengesSent = 0;
                path.challengeDueNs = nowNs;
            }
            lastReceiveNs = nowNs;
        }
        return result;
    }

    private int onAccept(final long nowNs, final ByteBuffer in, final int offset, final int length) {
        final boolean keyed = endpoint.keyed();
        if (length < HandshakeFlyweight.LENGTH + (keyed ? HandshakeAuth.TAG_LENGTH : 0)) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (!client) {
            return DropReason.WRONG_STATE.ordinal();
        }
        if (keyed && !endpoint.handshakeAuthentic(in, offset, length, localNonce)) {
            return DropReason.BAD_TAG.ordinal();
        }
        if (!HandshakeFlyweight.parametersValid(in, offset)) {
            return DropReason.BAD_FIELD.ordinal();
        }
        if (state != ConnectionState.CONNECTING) {
            return HandshakeFlyweight.sourceId(in, offset) == peerId ? -1 : DropReason.WRONG_STATE.ordinal();
        }
        applyPeerParameters(in, offset);
        peerNonce = HandshakeFlyweight.nonce(in, offset);
        if (keyed) {
            protection = PacketProtection.derive(config.key(), localId, peerId, localNonce, peerNonce, true);
        }
        if (handshakeAttempts == 1) {
            final long rttNs = nowNs - handshakeSentNs;
            for (final Path p : paths) {
                p.rtt.onSample(rttNs, 0);
            }
        }
        // Messages queued before the handshake were cut with the local payload size; re-cut them.
        if (!sendQueue.isEmpty()) {
            recutQueued();
        }
        state = ConnectionState.ESTABLISHED;
        confirmDue = true;
        handler.onEstablished(this);
        return -1;
    }

    /**
     * The server asks for its INIT again with a token: keep it and send the INIT now. One RETRY is
     * taken per session (a second one, or one that did not answer this INIT, is dropped).
     */
    private int onRetry(final long nowNs, final ByteBuffer in, final int offset, final int length) {
        final boolean keyed = endpoint.keyed();
        if (length < ValidationFlyweight.RETRY_LENGTH + (keyed ? HandshakeAuth.TAG_LENGTH : 0)) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (!client || state != ConnectionState.CONNECTING || retryToken != null) {
            return DropReason.WRONG_STATE.ordinal();
        }
        if (keyed && !endpoint.handshakeAuthentic(in, offset, length, localNonce)) {
            return DropReason.BAD_TAG.ordinal();
        }
        retryToken = new byte[ValidationFlyweight.TOKEN_LENGTH];
        in.get(offset + ValidationFlyweight.RETRY_TOKEN_OFFSET, retryToken);
        if (handshakeAttempts == 1) {
            final long rttNs = nowNs - handshakeSentNs;
            for (final Path p : paths) {
                p.rtt.onSample(rttNs, 0);
            }
        }
        // The INIT with the token is a first attempt again: its answer is an RTT sample too.
        handshakeAttempts = 0;
        handshakeDueNs = nowNs;
        return -1;
    }

    /** The peer asks whether this end receives at the address it sent from: echo the bytes from there. */
    private int onPathChallenge(final int pathId, final Object from, final ByteBuffer in, final int offset, final int length) {
        if (length < ValidationFlyweight.CHALLENGE_LENGTH) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (state == ConnectionState.CONNECTING) {
            return DropReason.WRONG_STATE.ordinal();
        }
        paths[pathId].responseTo = from;
        paths[pathId].responseData = ValidationFlyweight.challenge(in, offset);
        return -1;
    }

    /** The answer to this end's challenge, from the new address: the path moves there. */
    private int onPathResponse(final long nowNs, final int pathId, final Object from, final ByteBuffer in, final int offset,
                               final int length) {
        if (length < ValidationFlyweight.CHALLENGE_LENGTH) {
            return DropReason.TRUNCATED.ordinal();
        }
        final Path path = paths[pathId];
        if (path.candidateAddress != null && path.candidateAddress.equals(from)
            && ValidationFlyweight.challenge(in, offset) == path.challengeData) {
            recordEvent(nowNs, path, PathEvent.Kind.MIGRATED, path.remoteAddress + " -> " + from + ", which answered a challenge");
            path.remoteAddress = from;
            path.candidateAddress = null;
        }
        return -1;
    }

    /** Takes the peer's transport parameters from a validated INIT or ACCEPT. */
    private void applyPeerParameters(final ByteBuffer in, final int offset) {
        peerId = HandshakeFlyweight.sourceId(in, offset);
        peerMaxMessageBytes = HandshakeFlyweight.maxMessageBytes(in, offset);
        chunkSize = Math.min(chunkSize, HandshakeFlyweight.maxPayload(in, offset) - (config.key() == null ? 0 : PacketProtection.TAG_LENGTH));
        peerMaxData = Math.max(peerMaxData, HandshakeFlyweight.receiveWindow(in, offset));
        peerIdleTimeoutNs = Math.min(config.idleTimeoutNs(), HandshakeFlyweight.idleTimeoutMs(in, offset) * 1_000_000L);
    }

    private void recutQueued() {
        final ArrayDeque<SendMessage> old = new ArrayDeque<>(sendQueue);
        sendQueue.clear();
        sendDeadlines.clear();
        for (final SendMessage m : old) {
            if (m.length > peerMaxMessageBytes) {
                m.state = SendMessage.DONE;
                inProgress.remove(m.id);
                handler.onSendComplete(this, m.id, SendStatus.FAILED, "message of " + m.length
                    + " bytes exceeds the peer's maximum message size of " + peerMaxMessageBytes + " bytes");
                continue;
            }
            final SendMessage cut = m.recut(chunkSize);
            sendQueue.add(cut);
            inProgress.put(cut.id, cut);
            if (cut.deadlineMode) {
                sendDeadlines.add(cut);
            }
        }
    }

    private int onData(final long nowNs, final int pathId, final ByteBuffer in, final int offset, final int length) {
        if (length < DataFlyweight.HEADER_LENGTH) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (state == ConnectionState.CONNECTING) {
            return DropReason.WRONG_STATE.ordinal();
        }
        final long pn = PacketFlyweight.packetNumber(in, offset);
        final long messageId = DataFlyweight.messageId(in, offset);
        final int tag = DataFlyweight.tag(in, offset);
        final int messageOffset = DataFlyweight.messageOffset(in, offset);
        final int total = DataFlyweight.totalLength(in, offset);
        final byte mode = DataFlyweight.mode(in, offset);
        final int payloadLength = DataFlyweight.payloadLength(in, offset);
        final int deadlineLeftUs = DataFlyweight.deadlineLeftUs(in, offset);
        if (pn < 0 || messageId <= 0 || total < 0 || total > config.maxMessageBytes()
            || (mode != DataFlyweight.MODE_RELIABLE && mode != DataFlyweight.MODE_DEADLINE)
            || payloadLength != length - DataFlyweight.HEADER_LENGTH
            || messageOffset < 0 || messageOffset % chunkSize != 0
            || payloadLength != Math.min(chunkSize, total - messageOffset)
            || (total > 0 && messageOffset >= total)
            || deadlineLeftUs < 0) {
            return DropReason.BAD_FIELD.ordinal();
        }
        final int chunk = messageOffset / chunkSize;
        boolean completed = false;
        if (isDelivered(messageId)) {
            duplicateChunks++;
        } else {
            ReceiveMessage message = reassembly.get(messageId);
            if (message == null) {
                // Flow control bounds what an honest peer sends; a dishonest one is cut off here.
                if (reassemblyBytes + total > config.receiveWindowBytes() + config.maxMessageBytes()) {
                    return DropReason.REASSEMBLY_LIMIT.ordinal();
                }
                ByteBuffer into = handler.receiveBuffer(this, tag, total);
                if (into == null || into.capacity() != total || into.isReadOnly()) {
                    into = ByteBuffer.allocate(total);
                }
                message = new ReceiveMessage(messageId, tag, total, chunkSize, mode == DataFlyweight.MODE_DEADLINE, into);
                reassembly.put(messageId, message);
                reassemblyBytes += total;
            } else if (message.length != total || message.tag != tag
                || message.deadlineMode != (mode == DataFlyweight.MODE_DEADLINE)) {
                return DropReason.BAD_FIELD.ordinal();
            }
            if (message.has(chunk)) {
                duplicateChunks++;
            } else {
                message.data.put(messageOffset, in, offset + DataFlyweight.HEADER_LENGTH, payloadLength);
                message.mark(chunk);
                if (message.complete()) {
                    completed = true;
                    deliver(message);
                } else if (message.deadlineMode) {
                    final long deadline = nowNs + deadlineLeftUs * 1_000L;
                    if (deadline - message.deadlineNs < 0) {
                        receiveDeadlines.remove(message);
                        message.deadlineNs = deadline;
                        receiveDeadlines.add(message);
                    }
                }
            }
        }
        paths[pathId].received.onPacket(pn, nowNs, true);
        if (completed) {
            // The sender's completion waits on this ACK: do not hold it back for the delayed-ACK timer.
            paths[pathId].received.ackImmediately();
        }
        return -1;
    }

    private boolean isDelivered(final long messageId) {
        return messageId < deliveredBelow || deliveredAbove.contains(messageId);
    }

    private void deliver(final ReceiveMessage message) {
        reassembly.remove(message.id);
        if (message.deadlineMode && message.deadlineNs != Long.MAX_VALUE) {
            receiveDeadlines.remove(message);
        }
        reassemblyBytes -= message.length;
        releasedBytes += message.length;
        if (message.id == deliveredBelow) {
            deliveredBelow++;
            while (deliveredAbove.remove(deliveredBelow)) {
                deliveredBelow++;
            }
        } else {
            deliveredAbove.add(message.id);
        }
        messagesReceived++;
        bytesReceived += message.length;
        message.data.clear();
        handler.onMessage(this, message.tag, message.id, message.data, message.missing());
    }

    private int onAck(final long nowNs, final ByteBuffer in, final int offset, final int length) {
        if (length < AckFlyweight.BLOCKS_OFFSET) {
            return DropReason.TRUNCATED.ordinal();
        }
        if (state == ConnectionState.CONNECTING) {
            return DropReason.WRONG_STATE.ordinal();
        }
        final long maxData = AckFlyweight.maxData(in, offset);
        final int blocks = AckFlyweight.blockCount(in, offset);
        if (maxData < 0 || blocks < 1 || blocks > paths.length) {
            return DropReason.BAD_FIELD.ordinal();
        }
        // Validate every block before acting on any, so a malformed ACK changes nothing.
        int at = offset + AckFlyweight.BLOCKS_OFFSET;
        final int end = offset + length;
        for (int b = 0; b < blocks; b++) {
            if (at + AckFlyweight.BLOCK_FIXED_LENGTH > end) {
                return DropReason.TRUNCATED.ordinal();
            }
            final int ranges = AckFlyweight.blockRangeCount(in, at);
            if (ranges < 1 || ranges > AckFlyweight.MAX_RANGES) {
                return DropReason.BAD_FIELD.ordinal();
            }
            final int blockLength = AckFlyweight.blockLength(ranges);
            if (at + blockLength > end) {
                return DropReason.TRUNCATED.ordinal();
            }
            final int pathId = AckFlyweight.blockPathId(in, at);
            if (pathId >= paths.length || AckFlyweight.readRanges(in, at, rangeLo, rangeHi) < 0) {
                return DropReason.BAD_FIELD.ordinal();
            }
            if (rangeHi[0] >= paths[pathId].sent.nextPacketNumber()) {
                return DropReason.ACK_OF_UNSENT.ordinal();
            }
            at += blockLength;
        }
        if (maxData > peerMaxData) {
            peerMaxData = maxData;
        }
        at = offset + AckFlyweight.BLOCKS_OFFSET;
        for (int b = 0; b < blocks; b++) {
            final int pathId = AckFlyweight.blockPathId(in, at);
            final int ranges = AckFlyweight.readRanges(in, at, rangeLo, rangeHi);
            final long ackDelayNs = Math.min(AckFlyweight.blockAckDelayUs(in, at) * 1_000L, config.maxAckDelayNs());
            processAckBlock(nowNs, paths[pathId], ranges, ackDelayNs);
            at += AckFlyweight.blockLength(ranges);
        }
        return -1;
    }

    private void processAckBlock(final long nowNs, final Path path, final int ranges, final long ackDelayNs) {
        final SentPacketTracker<SendMessage> sent = path.sent;
        path.acksReceived++;
        sent.beginAck();
        for (int i = 0; i < ranges; i++) {
            sent.onAckRange(rangeLo[i], rangeHi[i], nowNs, recoveryListener);
        }
        final long latestRtt = sent.latestRttNs();
        if (latestRtt >= 0) {
            path.rtt.onSample(latestRtt, ackDelayNs);
            path.cc.onRttSample(nowNs, path.rtt.latestRttNs(), path.rtt.minRttNs(), path.rtt.smoothedRttNs());
        }
        final long rate = sent.endAck(path.rtt.minRttNs());
        if (sent.ackedBytes() > 0) {
            path.ptoCount = 0;
            if (path.failed) {
                reinstate(nowNs, path);
            }
            path.cc.onAck(nowNs, path.ackSample.set(sent.ackedBytes(), sent.bytesInFlight(),
                sent.largestNewlyAckedSentTimeNs(), sent.delivered(), sent.priorDelivered(), rate,
                sent.sampleAppLimited(), latestRtt >= 0 ? path.rtt.latestRttNs() : -1, path.rtt.minRttNs(),
                path.rtt.smoothedRttNs()));
        }
        path.adaptToReordering(config.timerGranularityNs());
        scheduler.onAck(nowNs, path.id, sent.ackedBytes(), latestRtt, pathView);
        detectLosses(nowNs, path);
    }

    private void detectLosses(final long nowNs, final Path path) {
        final SentPacketTracker<SendMessage> sent = path.sent;
        final int lost = sent.detectLosses(nowNs, path.lossDelayNs(config.timerGranularityNs()),
            path.packetThreshold, recoveryListener);
        if (lost > 0) {
            path.cc.onLoss(nowNs, path.lossSample.set(sent.lostBytes(), lost, sent.largestLostSentTimeNs(),
                sent.bytesInFlight(), sent.lostInflightAtSend(), false));
            scheduler.onLoss(nowNs, path.id, lost, pathView);
        }
        sent.advanceBase(nowNs - 4 * path.rtt.smoothedRttNs());
    }

    private void onChunkAcked(final SendMessage message, final int chunk) {
        if (!message.markAcked(chunk)) {
            redundantRepairs++;
            return;
        }
        if (message.state == SendMessage.ACTIVE && message.allAcked()) {
            message.state = SendMessage.DONE;
            inProgress.remove(message.id);
            if (message.deadlineMode) {
                sendDeadlines.remove(message);
            }
            messagesDelivered++;
            handler.onSendComplete(this, message.id, SendStatus.DELIVERED, "");
        }
    }

    private int onPing(final long nowNs, final int pathId, final ByteBuffer in, final int offset, final int length) {
        if (state == ConnectionState.CONNECTING) {
            return DropReason.WRONG_STATE.ordinal();
        }
        final long pn = PacketFlyweight.packetNumber(in, offset);
        if (pn < 0) {
            return DropReason.BAD_FIELD.ordinal();
        }
        paths[pathId].received.onPacket(pn, nowNs, true);
        return -1;
    }

    private int onClose(final long nowNs, final ByteBuffer in, final int offset, final int length) {
        if (length < CloseFlyweight.REASON_OFFSET) {
            return DropReason.TRUNCATED.ordinal();
        }
        final int reasonLength = CloseFlyweight.reasonLength(in, offset);
        if (reasonLength > CloseFlyweight.MAX_REASON_BYTES || CloseFlyweight.REASON_OFFSET + reasonLength > length) {
            return DropReason.BAD_FIELD.ordinal();
        }
        closeCode = CloseFlyweight.code(in, offset);
        closeReason = CloseFlyweight.reason(in, offset, reasonLength);
        closedByPeer = true;
        state = ConnectionState.DRAINING;
        closeEndNs = nowNs + 3 * maxPto();
        failPending("connection closed by peer: " + closeReason);
        handler.onClosed(this, closeCode, closeReason, true);
        return -1;
    }

    private void failPending(final String detail) {
        final List<SendMessage> pending = new ArrayList<>(inProgress.values());
        pending.sort(Comparator.comparingLong(m -> m.id));
        inProgress.clear();
        sendQueue.clear();
        sendDeadlines.clear();
        retransmitQueue.clear();
        for (final SendMessage m : pending) {
            m.state = SendMessage.DONE;
            handler.onSendComplete(this, m.id, SendStatus.FAILED, detail);
        }
    }

    private long maxPto() {
        long pto = 0;
        for (final Path p : paths) {
            pto = Math.max(pto, p.rtt.ptoNs(config.timerGranularityNs(), config.maxAckDelayNs()));
        }
        return pto;
    }

    // ------------------------------------------------------------------ outgoing

    /**
     * Runs timers and emits every datagram due at {@code nowNs}.
     *
     * @return the next time this connection needs {@code poll} again.
     */
    long poll(final long nowNs, final DatagramSink sink) {
        switch (state) {
            case CLOSED:
                return Long.MAX_VALUE;
            case CLOSING:
                if (closeDue) {
                    sendClose(nowNs, sink);
                }
                if (nowNs - closeEndNs >= 0) {
                    state = ConnectionState.CLOSED;
                    return Long.MAX_VALUE;
                }
                return closeEndNs;
            case DRAINING:
                if (nowNs - closeEndNs >= 0) {
                    state = ConnectionState.CLOSED;
                    return Long.MAX_VALUE;
                }
                return closeEndNs;
            case CONNECTING:
                return pollHandshake(nowNs, sink);
            default:
                break;
        }
        if (nowNs - lastReceiveNs >= peerIdleTimeoutNs) {
            final long silentMs = (nowNs - lastReceiveNs) / 1_000_000;
            close(nowNs, CLOSE_IDLE_TIMEOUT, "idle timeout: nothing received from the peer for " + silentMs + " ms"
                + failedPathsNote());
            return poll(nowNs, sink);
        }
        long next = lastReceiveNs + peerIdleTimeoutNs;
        if (acceptDue) {
            acceptDue = false;
            sendHandshake(nowNs, sink, PacketFlyweight.TYPE_HANDSHAKE_ACCEPT, peerId);
        }
        for (final Path path : paths) {
            next = Math.min(next, validatePath(nowNs, path, sink));
        }
        if (confirmDue) {
            // The client's first packet after the ACCEPT: it proves its address to the server, whose
            // data waits for that.
            confirmDue = false;
            sendPing(nowNs, paths[0], sink);
        }
        next = Math.min(next, expireDeadlines(nowNs));
        for (final Path path : paths) {
            next = Math.min(next, runPathTimers(nowNs, path));
        }
        for (final Path path : paths) {
            if (path.repathRequested) {
                repath(nowNs, path, sink);
            }
        }
        for (final Path path : paths) {
            next = Math.min(next, maybeSendAck(nowNs, path, sink));
        }
        next = Math.min(next, sendData(nowNs, sink));
        next = Math.min(next, keepAlive(nowNs, sink));
        if (state != ConnectionState.ESTABLISHED) {
            return poll(nowNs, sink);
        }
        return next;
    }

    private long pollHandshake(final long nowNs, final DatagramSink sink) {
        if (nowNs - handshakeDueNs >= 0) {
            if (handshakeAttempts >= config.handshakeAttempts()) {
                final long waitedMs = (nowNs - createdNs) / 1_000_000;
                close(nowNs, CLOSE_HANDSHAKE_TIMEOUT, "handshake timed out: no answer from "
                    + paths[0].remoteAddress + " after " + handshakeAttempts + " attempts in " + waitedMs + " ms"
                    + (config.key() != null ? " (a peer with another job key, or none, ignores this one's handshake)"
                    : " (a peer with a job key ignores unauthenticated handshakes)"));
                return Long.MAX_VALUE;
            }
            handshakeSentNs = nowNs;
            sendHandshake(nowNs, sink, PacketFlyweight.TYPE_HANDSHAKE_INIT, 0);
            handshakeDueNs = nowNs + (config.handshakeRetryNs() << Math.min(handshakeAttempts, MAX_HANDSHAKE_BACKOFF_EXPONENT));
            handshakeAttempts++;
        }
        return handshakeDueNs;
    }

    private void sendHandshake(final long nowNs, final DatagramSink sink, final byte type, final long destination) {
        final ByteBuffer out = endpoint.out();
        PacketFlyweight.writeHeader(out, 0, type, 0, destination, 0);
        HandshakeFlyweight.write(out, 0, localId, paths.length, config.maxPayloadBytes(), config.receiveWindowBytes(),
            (int) Math.min(Integer.MAX_VALUE, config.idleTimeoutNs() / 1_000_000), config.maxMessageBytes(), localNonce);
        int length = HandshakeFlyweight.LENGTH;
        if (type == PacketFlyweight.TYPE_HANDSHAKE_INIT && retryToken != null) {
            PacketFlyweight.setFlag(out, 0, PacketFlyweight.FLAG_RETRY_TOKEN);
            out.put(ValidationFlyweight.INIT_TOKEN_OFFSET, retryToken);
            length = ValidationFlyweight.INIT_WITH_TOKEN_LENGTH;
        }
        if (spendUnvalidated(length + (config.key() == null ? 0 : HandshakeAuth.TAG_LENGTH))) {
            endpoint.emitHandshake(sink, paths[0].remoteAddress, length,
                type == PacketFlyweight.TYPE_HANDSHAKE_ACCEPT ? peerNonce : null);
        }
    }

    /**
     * Answers the peer's path challenge, and challenges a new address the peer's packets came from
     * on {@code path} (as QUIC's path validation, RFC 9000 section 8.2): the path keeps its address
     * until the new one echoes the random bytes, so a packet replayed or rewritten from elsewhere
     * cannot redirect it. Up to {@value #MAX_PATH_CHALLENGES} challenges, one per probe timeout.
     *
     * @return when the next challenge is due.
     */
    private long validatePath(final long nowNs, final Path path, final DatagramSink sink) {
        final ByteBuffer out = endpoint.out();
        if (path.responseTo != null) {
            PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_PATH_RESPONSE, path.id, peerId, responsesSent++);
            ValidationFlyweight.putChallenge(out, 0, path.responseData);
            emitTo(sink, path.responseTo, path.id, ValidationFlyweight.CHALLENGE_LENGTH);
            path.responseTo = null;
        }
        if (path.candidateAddress == null) {
            return Long.MAX_VALUE;
        }
        if (nowNs - path.challengeDueNs < 0) {
            return path.challengeDueNs;
        }
        if (path.challengesSent == MAX_PATH_CHALLENGES) {
            path.candidateAddress = null;
            return Long.MAX_VALUE;
        }
        PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_PATH_CHALLENGE, path.id, peerId, challengesSent++);
        ValidationFlyweight.putChallenge(out, 0, path.challengeData);
        emitTo(sink, path.candidateAddress, path.id, ValidationFlyweight.CHALLENGE_LENGTH);
        path.challengesSent++;
        path.challengeDueNs = nowNs + path.rtt.ptoNs(config.timerGranularityNs(), config.maxAckDelayNs());
        return path.challengeDueNs;
    }

    /** Sends the packet in the endpoint's buffer on {@code path}, sealed, unless the amplification limit forbids it. */
    private void emit(final DatagramSink sink, final Path path, final int length) {
        emitTo(sink, path.remoteAddress, path.id, length);
    }

    private void emitTo(final DatagramSink sink, final Object address, final int pathId, final int length) {
        if (spendUnvalidated(length + (protection == null ? 0 : PacketProtection.TAG_LENGTH))) {
            endpoint.emit(sink, address, pathId, length, protection);
        }
    }

    /** @return whether {@code bytes} may go to the peer now: always once it is validated, else while the budget lasts. */
    private boolean spendUnvalidated(final int bytes) {
        if (peerValidated) {
            return true;
        }
        if (bytes > unvalidatedBudget) {
            return false;
        }
        unvalidatedBudget -= bytes;
        return true;
    }

    private void sendClose(final long nowNs, final DatagramSink sink) {
        closeDue = false;
        lastCloseSentNs = nowNs;
        final ByteBuffer out = endpoint.out();
        for (final Path path : paths) {
            if (path.usable()) {
                PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_CLOSE, path.id, peerId, closesSent++);
                final int length = CloseFlyweight.write(out, 0, closeCode, closeReason);
                emit(sink, path, length);
            }
        }
    }

    private long expireDeadlines(final long nowNs) {
        while (!sendDeadlines.isEmpty() && nowNs - sendDeadlines.peek().deadlineNs >= 0) {
            final SendMessage m = sendDeadlines.poll();
            if (m.state != SendMessage.ACTIVE) {
                continue;
            }
            m.state = SendMessage.DONE;
            inProgress.remove(m.id);
            sendQueue.remove(m);
            messagesExpired++;
            handler.onSendComplete(this, m.id, SendStatus.EXPIRED,
                "deadline passed with " + m.ackedBytes + " of " + m.length + " bytes acknowledged");
        }
        while (!receiveDeadlines.isEmpty() && nowNs - receiveDeadlines.peek().deadlineNs >= 0) {
            deliver(receiveDeadlines.peek());
        }
        long next = Long.MAX_VALUE;
        if (!sendDeadlines.isEmpty()) {
            next = sendDeadlines.peek().deadlineNs;
        }
        if (!receiveDeadlines.isEmpty()) {
            next = Math.min(next, receiveDeadlines.peek().deadlineNs);
        }
        return next;
    }

    private long runPathTimers(final long nowNs, final Path path) {
        final SentPacketTracker<SendMessage> sent = path.sent;
        if (nowNs - sent.lossTimeNs() >= 0) {
            detectLosses(nowNs, path);
        }
        if (sent.lossTimeNs() != Long.MAX_VALUE) {
            return sent.lossTimeNs();
        }
        final long pto = path.ptoDeadlineNs(config.timerGranularityNs(), config.maxAckDelayNs());
        if (pto != Long.MAX_VALUE && nowNs - pto >= 0) {
            path.ptoCount++;
            path.ptoTotal++;
            if (path.failed) {
                path.probesPending = 1;
            } else if (paths.length > 1 && path.ptoCount >= config.pathFailurePtos()) {
                fail(nowNs, path);
            } else {
                path.probesPending = 2;
            }
            scheduler.onProbeTimeout(nowNs, path.id, path.failed, pathView);
            return path.ptoDeadlineNs(config.timerGranularityNs(), config.maxAckDelayNs());
        }
        return pto;
    }

    private long maybeSendAck(final long nowNs, final Path path, final DatagramSink sink) {
        final int ackEvery = config.ackEveryPackets();
        final long maxDelay = config.maxAckDelayNs();
        if (!path.usable()) {
            // A failed path sends no ACK until it is reinstated (the datagram that reinstates it is
            // followed by a poll), so its overdue ACK deadline is no timer: returned, it would
            // wake the connection at once, again and again.
            return Long.MAX_VALUE;
        }
        if (path.received.ackDue(nowNs, ackEvery, maxDelay)) {
            sendAck(nowNs, path, sink);
        }
        return path.received.ackDeadlineNs(maxDelay);
    }

    private void sendAck(final long nowNs, final Path path, final DatagramSink sink) {
        final ByteBuffer out = endpoint.out();
        PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_ACK, path.id, peerId, path.acksSent);
        advertisedMaxData = releasedBytes + config.receiveWindowBytes();
        AckFlyweight.writePrefix(out, 0, advertisedMaxData, 1);
        final long ackDelayUs = (nowNs - path.received.largestReceivedTimeNs()) / 1_000;
        final int ranges = path.received.drainRanges(rangeLo, rangeHi, AckFlyweight.MAX_RANGES);
        final int blockLength = AckFlyweight.writeBlock(out, AckFlyweight.BLOCKS_OFFSET, path.id, ackDelayUs, rangeLo, rangeHi, ranges);
        path.acksSent++;
        emit(sink, path, AckFlyweight.BLOCKS_OFFSET + blockLength);
    }

    private long sendData(final long nowNs, final DatagramSink sink) {
        if (!peerValidated) {
            // No data to an address that has not answered yet; the client's first packet wakes this.
            return Long.MAX_VALUE;
        }
        final int datagram = config.maxDatagramBytes();
        final boolean dataWaiting = !retransmitQueue.isEmpty() || !sendQueue.isEmpty();
        while (true) {
            final Path probe = probeDue();
            if (probe != null) {
                if (probe.failed || !sendNextChunk(nowNs, probe, sink)) {
                    sendProbe(nowNs, probe, sink);
                }
                continue;
            }
            long nextPace = Long.MAX_VALUE;
            for (final Path p : paths) {
                if (!p.hasWindow(datagram)) {
                    p.pacer.release();
                } else if (!p.pacer.ready(nowNs)) {
                    if (dataWaiting) {
                        p.pacer.hold();
                    }
                    nextPace = Math.min(nextPace, p.pacerWakeNs());
                }
            }
            final int pick = scheduler.pick(nowNs, pathView);
            if (pick < 0) {
                return nextPace;
            }
            if (pick >= paths.length || !paths[pick].hasWindow(datagram)) {
                throw new IllegalStateException("path scheduler '" + config.pathScheduler() + "' picked path " + pick
                    + ", which " + (pick >= paths.length ? "does not exist" : "has no congestion window")
                    + "; a scheduler must return -1 or a path with window");
            }
            final Path chosen = paths[pick];
            if (!chosen.pacer.ready(nowNs)) {
                return Math.min(nextPace, chosen.pacerWakeNs());
            }
            if (!sendNextChunk(nowNs, chosen, sink)) {
                for (final Path p : paths) {
                    p.sent.onAppLimited();
                    p.pacer.release();
                }
                return nextPace;
            }
        }
    }

    /** @return a path owing probes after a probe timeout (failed paths included), or null. */
    private Path probeDue() {
        for (final Path p : paths) {
            if (p.probesPending > 0 && p.addressed() && p.sent.hasCapacity()) {
                return p;
            }
        }
        return null;
    }

    /** Sends the next repair or new chunk on {@code path}. @return false if there was nothing to send. */
    private boolean sendNextChunk(final long nowNs, final Path path, final DatagramSink sink) {
        while (!retransmitQueue.isEmpty()) {
            final SendMessage m = retransmitQueue.peekMessage();
            final int chunk = retransmitQueue.peekChunk();
            retransmitQueue.pop();
            if (m.state == SendMessage.ACTIVE && !m.isAcked(chunk)) {
                path.retransmittedPackets++;
                sendChunk(nowNs, path, m, chunk, sink);
                return true;
            }
        }
        while (!sendQueue.isEmpty()) {
            final SendMessage m = sendQueue.peek();
            if (m.state != SendMessage.ACTIVE || !m.hasUnsentChunks()) {
                sendQueue.poll();
                continue;
            }
            final int chunk = m.nextNewChunk;
            if (m.creditBase >= peerMaxData && m.length > 0) {
                // A message may start only inside the peer's window; once started it may finish, so
                // a message larger than the window still gets through, and the peer's reassembly
                // memory stays below its window plus one message.
                flowControlBlocked++;
                return false;
            }
            m.nextNewChunk++;
            if (!m.hasUnsentChunks()) {
                sendQueue.poll();
            }
            sendChunk(nowNs, path, m, chunk, sink);
            return true;
        }
        return false;
    }

    /**
     * A probe with nothing new to send: repeat the oldest data in flight on the path, or a PING (a
     * failed path carries PINGs only).
     */
    private void sendProbe(final long nowNs, final Path path, final DatagramSink sink) {
        final long pn = path.failed ? -1 : path.sent.oldestInFlightWithData();
        if (pn >= 0) {
            final SendMessage m = path.sent.messageOf(pn);
            final int chunk = path.sent.chunkOf(pn);
            if (m.state == SendMessage.ACTIVE && !m.isAcked(chunk)) {
                path.retransmittedPackets++;
                sendChunk(nowNs, path, m, chunk, sink);
                return;
            }
        }
        sendPing(nowNs, path, sink);
    }

    private void sendChunk(final long nowNs, final Path path, final SendMessage m, final int chunk, final DatagramSink sink) {
        final int payloadLength = m.chunkLength(chunk);
        final int length = DataFlyweight.HEADER_LENGTH + payloadLength;
        final long pn = path.sent.nextPacketNumber();
        final ByteBuffer out = endpoint.out();
        PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_DATA, path.id, peerId, pn);
        int deadlineLeftUs = 0;
        if (m.deadlineMode) {
            deadlineLeftUs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (m.deadlineNs - nowNs) / 1_000));
        }
        DataFlyweight.write(out, 0, m.id, m.tag, m.chunkOffset(chunk), m.length,
            m.deadlineMode ? DataFlyweight.MODE_DEADLINE : DataFlyweight.MODE_RELIABLE, payloadLength, deadlineLeftUs);
        if (payloadLength > 0) {
            m.copyChunk(chunk, out, DataFlyweight.HEADER_LENGTH);
        }
        beforePacketSent(nowNs, path, length);
        path.sent.onSent(nowNs, length, m, chunk);
        onPacketSent(nowNs, path, length);
        emit(sink, path, length);
    }

    private void sendPing(final long nowNs, final Path path, final DatagramSink sink) {
        final long pn = path.sent.nextPacketNumber();
        final ByteBuffer out = endpoint.out();
        PacketFlyweight.writeHeader(out, 0, PacketFlyweight.TYPE_PING, path.id, peerId, pn);
        final int length = PacketFlyweight.HEADER_LENGTH;
        beforePacketSent(nowNs, path, length);
        path.sent.onSent(nowNs, length, null, -1);
        onPacketSent(nowNs, path, length);
        emit(sink, path, length);
    }

    /**
     * Charges the pacer (probes bypass it) before the packet is recorded, so that when the host was
     * too late to send at the pacing rate this very packet, whose rate sample spans the gap, is
     * marked application-limited.
     */
    private void beforePacketSent(final long nowNs, final Path path, final int length) {
        if (path.probesPending == 0
            && path.chargePacer(nowNs, length, config, endpoint.timerLateness().estimateNs())) {
            path.sent.onAppLimited();
        }
    }

    private void onPacketSent(final long nowNs, final Path path, final int length) {
        path.packetsSent++;
        path.bytesSent += length;
        if (path.probesPending > 0) {
            path.probesPending--;
        }
        path.cc.onPacketSent(nowNs, length, path.sent.bytesInFlight());
        path.lastActivityNs = nowNs;
        scheduler.onSent(nowNs, path.id, length);
    }

    /**
     * Keeps every idle path alive, not only the first: a PING on each working path with nothing in
     * flight and no traffic for a third of the idle timeout, so a path that died while idle is
     * found (its PING times out) before the connection needs it.
     */
    private long keepAlive(final long nowNs, final DatagramSink sink) {
        if (!peerValidated) {
            // Nothing goes to an address that has not answered but the ACCEPT (and a CLOSE): no
            // packet in flight, so no probe timer either.
            return Long.MAX_VALUE;
        }
        final long interval = peerIdleTimeoutNs / 3;
        long next = Long.MAX_VALUE;
        for (final Path path : paths) {
            if (!path.usable() || path.sent.packetsInFlight() > 0) {
                continue;
            }
            final long due = path.lastActivityNs + interval;
            if (nowNs - due >= 0) {
                sendPing(nowNs, path, sink);
                next = Math.min(next, nowNs + interval);
            } else {
                next = Math.min(next, due);
            }
        }
        return next;
    }

    // ------------------------------------------------------------------ path failure and re-pathing

    /**
     * Declares a path failed: every packet in flight on it is lost, its data goes to the repair
     * queue (so the live paths carry it), and it is probed in the background from now on.
     */
    private void fail(final long nowNs, final Path path) {
        path.failed = true;
        path.failures++;
        path.failedAtNs = nowNs;
        path.pacer.release();
        final int lost = path.sent.declareAllLost(recoveryListener);
        path.probesPending = 1;
        recordEvent(nowNs, path, PathEvent.Kind.FAILED, path.ptoCount + " probe timeouts; " + lost
            + " packets in flight declared lost and repaired on the other paths");
        scheduler.onPathStateChanged(nowNs, path.id, false, pathView);
    }

    /** A failed path answered: it carries data again, with a fresh congestion controller. */
    private void reinstate(final long nowNs, final Path path) {
        path.failed = false;
        path.cc = newController();
        recordEvent(nowNs, path, PathEvent.Kind.REINSTATED, "answered a probe after "
            + (nowNs - path.failedAtNs) / 1_000_000 + " ms");
        scheduler.onPathStateChanged(nowNs, path.id, true, pathView);
    }

    private void repath(final long nowNs, final Path path, final DatagramSink sink) {
        if (!path.addressed()) {
            return;
        }
        final Object moved = sink.repath(path.remoteAddress, path.id);
        if (moved == null) {
            return;
        }
        path.repathRequested = false;
        recordEvent(nowNs, path, PathEvent.Kind.REPATHED, path.remoteAddress + " -> " + moved);
        path.remoteAddress = moved;
        path.pinnedAddress = moved;
        path.repaths++;
        // Another link is another bottleneck: what the controller learned describes the old one.
        // As after a migration to a new path (RFC 9000 section 9.4), start it afresh.
        path.cc = newController();
        path.sent.startRateEpoch();
        if (path.failed) {
            // Probe the new route now rather than at the failed path's backed-off probe timeout.
            path.probesPending = Math.max(1, path.probesPending);
            path.ptoCount = Math.min(path.ptoCount, config.pathFailurePtos());
        }
        scheduler.onRepathed(nowNs, path.id);
    }

    private CongestionControl newController() {
        return CongestionControls.create(config.congestionControl(), ccConfig);
    }

    private void recordEvent(final long nowNs, final Path path, final PathEvent.Kind kind, final String detail) {
        if (pathEvents.size() == MAX_PATH_EVENTS) {
            pathEvents.poll();
        }
        pathEvents.add(new PathEvent(nowNs - createdNs, path.id, kind, detail));
    }

    /** @return for an idle-timeout message: which paths had been declared failed, and when. */
    private String failedPathsNote() {
        final StringBuilder sb = new StringBuilder();
        for (final Path p : paths) {
            if (p.failed) {
                sb.append(sb.length() == 0 ? "; paths failed: " : ", ").append(p.id).append(" at ")
                    .append(String.format(java.util.Locale.ROOT, "%.3fs", (p.failedAtNs - createdNs) / 1e9));
            }
        }
        if (sb.length() > 0 && countFailed() == paths.length) {
            sb.insert(0, "; all " + paths.length + " paths failed");
        }
        return sb.toString();
    }

    private int countFailed() {
        int n = 0;
        for (final Path p : paths) {
            if (p.failed) {
                n++;
            }
        }
        return n;
    }

    /** The scheduler's view of this connection's paths. */
    private final class PathView implements PathSet {
        @Override
        public int count() {
            return paths.length;
        }

        @Override
        public boolean usable(final int path) {
            return paths[path].usable();
        }

        @Override
        public boolean hasWindow(final int path) {
            return paths[path].hasWindow(config.maxDatagramBytes());
        }

        @Override
        public long readyAtNs(final int path) {
            return paths[path].pacer.readyAtNs();
        }

        @Override
        public long congestionWindowBytes(final int path) {
            return paths[path].cc.congestionWindowBytes();
        }

        @Override
        public long bytesInFlight(final int path) {
            return paths[path].sent.bytesInFlight();
        }

        @Override
        public long smoothedRttNs(final int path) {
            return paths[path].rtt.smoothedRttNs();
        }

        @Override
        public long minRttNs(final int path) {
            return paths[path].rtt.minRttNs();
        }

        @Override
        public long deliveryRateBytesPerSecond(final int path) {
            final Path p = paths[path];
            final long rate = p.cc.pacingRateBytesPerSecond();
            if (rate != CongestionControl.UNPACED && rate > 0) {
                return rate;
            }
            return (long) (p.cc.congestionWindowBytes() * 1e9 / Math.max(1, p.rtt.smoothedRttNs()));
        }

        @Override
        public long packetsSent(final int path) {
            return paths[path].packetsSent;
        }

        @Override
        public long lostPackets(final int path) {
            return paths[path].sent.totalLostPackets();
        }

        @Override
        public void repath(final int path) {
            paths[path].repathRequested = true;
        }
    }
}
