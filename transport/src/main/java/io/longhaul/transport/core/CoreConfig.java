package io.longhaul.transport.core;

import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.protocol.DataFlyweight;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.security.PacketProtection;

import java.util.concurrent.TimeUnit;

/**
 * Protocol knobs of an {@link Endpoint}, with defaults sized for 10-1000 km links. Fluent setters;
 * {@link #validate()} rejects out-of-range values naming the field and the accepted range.
 */
public final class CoreConfig {
    /** Payload that fits a 1500-byte MTU: 1500 - 20 (IPv4) - 8 (UDP) - DATA headers. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1500 - 28 - DataFlyweight.HEADER_LENGTH;
    /** Largest payload in one UDP datagram. */
    public static final int MAX_PAYLOAD_BYTES_LIMIT = 65_507 - DataFlyweight.HEADER_LENGTH;

    private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
    private long receiveWindowBytes = 256L << 20;
    private int maxMessageBytes = DataFlyweight.MAX_MESSAGE_LENGTH;
    private String congestionControl = "bbr";
    private String pathScheduler = PathSchedulers.DEFAULT;
    private int pathFailurePtos = 3;
    private long initialRttNs = TimeUnit.MILLISECONDS.toNanos(100);
    private long maxAckDelayNs = TimeUnit.MILLISECONDS.toNanos(1);
    private int ackEveryPackets = 2;
    private long idleTimeoutNs = TimeUnit.SECONDS.toNanos(30);
    private long handshakeRetryNs = TimeUnit.MILLISECONDS.toNanos(250);
    private int handshakeAttempts = 8;
    private long timerGranularityNs = TimeUnit.MICROSECONDS.toNanos(250);
    private int packetThreshold = 3;
    private int maxPacketsInFlight = 1 << 21;
    private long pacingQuantumNs = TimeUnit.MILLISECONDS.toNanos(1);
    private long pacingMaxBurstNs = TimeUnit.MILLISECONDS.toNanos(5);
    private int initialWindowPackets = 10;
    private long connectionIdSeed = 0x5DEECE66DL;
    private boolean secureConnectionIds;
    private JobKey key;
    private int maxIncomingConnections = 1024;
    private int maxIncomingPerSource = 64;
    private int retryThreshold = DEFAULT_RETRY_THRESHOLD;
    /** See {@link #retryThreshold(int)}. */
    public static final int DEFAULT_RETRY_THRESHOLD = 8;
    /** A {@link #retryThreshold(int)} that never asks for a retry. */
    public static final int NEVER_RETRY = 1 << 20;

    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * Largest DATA payload, the tag included when keyed (see {@link #maxChunkBytes()}); default fits
     * a 1500-byte MTU, raise it for jumbo frames.
     */
    public CoreConfig maxPayloadBytes(final int value) {
        maxPayloadBytes = value;
        return this;
    }

    /** @return the largest datagram this configuration sends. */
    public int maxDatagramBytes() {
        return maxPayloadBytes + DataFlyweight.HEADER_LENGTH;
    }

    public long receiveWindowBytes() {
        return receiveWindowBytes;
    }

    /** Bytes of not-yet-delivered messages the peer may send ahead (reassembly memory). */
    public CoreConfig receiveWindowBytes(final long value) {
        receiveWindowBytes = value;
        return this;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * Largest message this end sends or accepts (default and upper limit 1 GiB). Reassembly memory
     * is bounded by {@code receiveWindowBytes + maxMessageBytes}; the peer learns it in the handshake.
     */
    public CoreConfig maxMessageBytes(final int value) {
        maxMessageBytes = value;
        return this;
    }

    public String congestionControl() {
        return congestionControl;
    }

    /** Congestion control spec, for example {@code bbr} or {@code fixed:rate=1gbit}. */
    public CoreConfig congestionControl(final String value) {
        congestionControl = value;
        return this;
    }

    public String pathScheduler() {
        return pathScheduler;
    }

    /** The path scheduler spec ({@code spray}, {@code plb:rounds=3}, ...) every connection uses. */
    public CoreConfig pathScheduler(final String value) {
        pathScheduler = value;
        return this;
    }

    public int pathFailurePtos() {
        return pathFailurePtos;
    }

    /**
     * Consecutive probe timeouts after which a path of a multipath connection is declared failed:
     * its data in flight is repaired on the other paths and it is probed in the background until
     * it answers. Default 3.
     */
    public CoreConfig pathFailurePtos(final int value) {
        pathFailurePtos = value;
        return this;
    }

    public long initialRttNs() {
        return initialRttNs;
    }

    public CoreConfig initialRttNs(final long value) {
        initialRttNs = value;
        return this;
    }

    public long maxAckDelayNs() {
        return maxAckDelayNs;
    }

    public CoreConfig maxAckDelayNs(final long value) {
        maxAckDelayNs = value;
        return this;
    }

    public int ackEveryPackets() {
        return ackEveryPackets;
    }

    /** Send an ACK at least every this many ack-eliciting packets (delayed ACKs). */
    public CoreConfig ackEveryPackets(final int value) {
        ackEveryPackets = value;
        return this;
    }

    public long idleTimeoutNs() {
        return idleTimeoutNs;
    }

    public CoreConfig idleTimeoutNs(final long value) {
        idleTimeoutNs = value;
        return this;
    }

    public long handshakeRetryNs() {
        return handshakeRetryNs;
    }

    /** First handshake retry interval; doubles on every retry, up to 8 times this. */
    public CoreConfig handshakeRetryNs(final long value) {
        handshakeRetryNs = value;
        return this;
    }

    public int handshakeAttempts() {
        return handshakeAttempts;
    }

    public CoreConfig handshakeAttempts(final int value) {
        handshakeAttempts = value;
        return this;
    }

    public long timerGranularityNs() {
        return timerGranularityNs;
    }

    public CoreConfig timerGranularityNs(final long value) {
        timerGranularityNs = value;
        return this;
    }

    public int packetThreshold() {
        return packetThreshold;
    }

    /** Reordering, in packets, tolerated before a packet is declared lost (RFC 9002: 3). */
    public CoreConfig packetThreshold(final int value) {
        packetThreshold = value;
        return this;
    }

    public int maxPacketsInFlight() {
        return maxPacketsInFlight;
    }

    /** Upper bound on packets tracked per path (a power of two). */
    public CoreConfig maxPacketsInFlight(final int value) {
        maxPacketsInFlight = value;
        return this;
    }

    public long pacingQuantumNs() {
        return pacingQuantumNs;
    }

    /**
     * The send quantum, in time at the pacing rate (default 1 ms, as BBR's): a paced sender is woken
     * when this much credit is due and sends it as one batch (clamped to [2 datagrams, 64 KiB]).
     */
    public CoreConfig pacingQuantumNs(final long value) {
        pacingQuantumNs = value;
        return this;
    }

    public long pacingMaxBurstNs() {
        return pacingMaxBurstNs;
    }

    /**
     * Upper bound on the pacer's bucket, in time at the pacing rate (default 5 ms). The bucket
     * covers one quantum plus the driver's measured timer lateness, so a late wake-up does not cost
     * rate; this bounds the burst a very late one may send.
     */
    public CoreConfig pacingMaxBurstNs(final long value) {
        pacingMaxBurstNs = value;
        return this;
    }

    public int initialWindowPackets() {
        return initialWindowPackets;
    }

    public CoreConfig initialWindowPackets(final int value) {
        initialWindowPackets = value;
        return this;
    }

    public long connectionIdSeed() {
        return connectionIdSeed;
    }

    /**
     * Seed for connection ids when they are not {@link #secureConnectionIds() secure}: the simulator
     * passes a fixed one so that runs repeat.
     */
    public CoreConfig connectionIdSeed(final long value) {
        connectionIdSeed = value;
        return this;
    }

    public int maxIncomingConnections() {
        return maxIncomingConnections;
    }

    /** Sessions peers may open to this endpoint at once; an INIT beyond it is dropped as {@code CONNECTION_LIMIT}. */
    public CoreConfig maxIncomingConnections(final int value) {
        maxIncomingConnections = value;
        return this;
    }

    public int maxIncomingPerSource() {
        return maxIncomingPerSource;
    }

    /** Sessions one source address (host, any port) may open to this endpoint at once. */
    public CoreConfig maxIncomingPerSource(final int value) {
        maxIncomingPerSource = value;
        return this;
    }

    public int retryThreshold() {
        return retryThreshold;
    }

    /**
     * Half-open incoming sessions (their peer's address not yet proven) from which on an INIT
     * without a retry token gets a stateless RETRY instead of a session, so that spoofed INITs
     * create no state: 0 asks every peer for a retry (one round trip more per session),
     * {@link #NEVER_RETRY} none; default {@value #DEFAULT_RETRY_THRESHOLD}.
     */
    public CoreConfig retryThreshold(final int value) {
        retryThreshold = value;
        return this;
    }

    /** The job key sessions are keyed with, or null: unauthenticated (every packet carries a CRC32C only). */
    public JobKey key() {
        return key;
    }

    /**
     * Key every session with {@code value} (null for none): handshakes are authenticated and every
     * later packet sealed (AES-256-GCM); an endpoint with a key drops every packet without one, and
     * one without drops sealed ones. A sealed DATA packet carries {@value PacketProtection#TAG_LENGTH}
     * bytes of tag inside {@link #maxPayloadBytes()}, so its data is that much shorter.
     */
    public CoreConfig key(final JobKey value) {
        key = value;
        return this;
    }

    /** @return the data bytes of a full DATA packet: {@link #maxPayloadBytes()} less the tag when keyed. */
    public int maxChunkBytes() {
        return maxPayloadBytes - (key == null ? 0 : PacketProtection.TAG_LENGTH);
    }

    public boolean secureConnectionIds() {
        return secureConnectionIds;
    }

    /**
     * Draw every connection id from {@link java.security.SecureRandom} (real sockets: an id must not
     * be predictable from another, as a seeded generator's are) instead of the seeded generator.
     */
    public CoreConfig secureConnectionIds(final boolean value) {
        secureConnectionIds = value;
        return this;
    }

    /** @return an independent copy of every knob. */
    public CoreConfig copy() {
        final CoreConfig c = new CoreConfig();
        c.maxPayloadBytes = maxPayloadBytes;
        c.receiveWindowBytes = receiveWindowBytes;
        c.maxMessageBytes = maxMessageBytes;
        c.congestionControl = congestionControl;
        c.pathScheduler = pathScheduler;
        c.pathFailurePtos = pathFailurePtos;
        c.initialRttNs = initialRttNs;
        c.maxAckDelayNs = maxAckDelayNs;
        c.ackEveryPackets = ackEveryPackets;
        c.idleTimeoutNs = idleTimeoutNs;
        c.handshakeRetryNs = handshakeRetryNs;
        c.handshakeAttempts = handshakeAttempts;
        c.timerGranularityNs = timerGranularityNs;
        c.packetThreshold = packetThreshold;
        c.maxPacketsInFlight = maxPacketsInFlight;
        c.pacingQuantumNs = pacingQuantumNs;
        c.pacingMaxBurstNs = pacingMaxBurstNs;
        c.initialWindowPackets = initialWindowPackets;
        c.connectionIdSeed = connectionIdSeed;
        c.secureConnectionIds = secureConnectionIds;
        c.key = key;
        c.maxIncomingConnections = maxIncomingConnections;
        c.maxIncomingPerSource = maxIncomingPerSource;
        c.retryThreshold = retryThreshold;
        return c;
    }

    /**
     * Checks every field.
     *
     * @return this
     * @throws IllegalArgumentException naming the first field out of range and the accepted range.
     */
    public CoreConfig validate() {
        range("maxPayloadBytes", maxPayloadBytes, 64, MAX_PAYLOAD_BYTES_LIMIT);
        range("maxIncomingConnections", maxIncomingConnections, 1, 1 << 20);
        range("maxIncomingPerSource", maxIncomingPerSource, 1, 1 << 20);
        range("retryThreshold", retryThreshold, 0, NEVER_RETRY);
        range("receiveWindowBytes", receiveWindowBytes, 64L << 10, 1L << 40);
        range("maxMessageBytes", maxMessageBytes, 1, DataFlyweight.MAX_MESSAGE_LENGTH);
        range("initialRttNs", initialRttNs, 1_000, 60_000_000_000L);
        range("maxAckDelayNs", maxAckDelayNs, 0, 1_000_000_000L);
        range("ackEveryPackets", ackEveryPackets, 1, 64);
        range("idleTimeoutNs", idleTimeoutNs, 1_000_000, 3_600_000_000_000L);
        range("handshakeRetryNs", handshakeRetryNs, 1_000, 60_000_000_000L);
        range("handshakeAttempts", handshakeAttempts, 1, 30);
        range("timerGranularityNs", timerGranularityNs, 1_000, 100_000_000L);
        range("packetThreshold", packetThreshold, 3, 1 << 20);
        range("maxPacketsInFlight", maxPacketsInFlight, 1 << 10, 1 << 24);
        if (Integer.bitCount(maxPacketsInFlight) != 1) {
            throw new IllegalArgumentException("maxPacketsInFlight must be a power of two, got " + maxPacketsInFlight);
        }
        range("pacingQuantumNs", pacingQuantumNs, 1_000, 100_000_000L);
        range("pacingMaxBurstNs", pacingMaxBurstNs, 1_000, 1_000_000_000L);
        range("initialWindowPackets", initialWindowPackets, 2, 1 << 16);
        range("pathFailurePtos", pathFailurePtos, 1, 30);
        if (pathScheduler == null || pathScheduler.isBlank()) {
            throw new IllegalArgumentException("pathScheduler must name a scheduler");
        }
        if (congestionControl == null || congestionControl.isBlank()) {
            throw new IllegalArgumentException("congestionControl must name an algorithm");
        }
        return this;
    }

    private static void range(final String field, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " = " + value + " is out of range; accepted: [" + min + ", " + max + "]");
        }
    }

    @Override
    public String toString() {
        return "CoreConfig{maxPayloadBytes=" + maxPayloadBytes + ", receiveWindowBytes=" + receiveWindowBytes
            + ", maxMessageBytes=" + maxMessageBytes + ", congestionControl=" + congestionControl + ", pathScheduler=" + pathScheduler
            + ", pathFailurePtos=" + pathFailurePtos + ", initialRttNs=" + initialRttNs
            + ", maxAckDelayNs=" + maxAckDelayNs + ", ackEveryPackets=" + ackEveryPackets
            + ", idleTimeoutNs=" + idleTimeoutNs + ", handshakeRetryNs=" + handshakeRetryNs
            + ", handshakeAttempts=" + handshakeAttempts + ", timerGranularityNs=" + timerGranularityNs
            + ", packetThreshold=" + packetThreshold + ", maxPacketsInFlight=" + maxPacketsInFlight
            + ", pacingQuantumNs=" + pacingQuantumNs + ", pacingMaxBurstNs=" + pacingMaxBurstNs
            + ", initialWindowPackets=" + initialWindowPackets + '}';
    }
}
