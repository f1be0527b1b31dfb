package io.longhaul.transport.core;

/** Why the core dropped an incoming datagram. Every drop is counted under one of these. */
public enum DropReason {
    /** Shorter than the header, or than its type's fixed part. */
    TRUNCATED,
    /** A protocol version this build does not speak. */
    BAD_VERSION,
    /** An unknown packet type. */
    UNKNOWN_TYPE,
    /** The CRC32C did not match: corrupted in transit. */
    BAD_CHECKSUM,
    /** A field out of range: lengths, offsets, path ids, inverted or overlapping SACK ranges. */
    BAD_FIELD,
    /** Addressed to a connection this endpoint does not have (an unknown peer). */
    UNKNOWN_CONNECTION,
    /** Valid, but not acceptable in the connection's state (for example data before the handshake). */
    WRONG_STATE,
    /** An ACK for a packet number never sent. */
    ACK_OF_UNSENT,
    /** Data that would exceed the reassembly memory limit (a peer ignoring flow control). */
    REASSEMBLY_LIMIT,
    /** Unsealed at an endpoint with a key (or sealed at one without): an outsider, or a peer with the other setting. */
    UNAUTHENTICATED,
    /** Its tag did not verify: forged, corrupted, or sealed with another key. */
    BAD_TAG,
    /**
     * An INIT beyond the endpoint's limit of incoming sessions, in all or from its source address,
     * or beyond the RETRYs it keeps for sending between two polls.
     */
    CONNECTION_LIMIT,
    /** An INIT whose retry token this endpoint did not issue for that client and address, or issued too long ago. */
    BAD_TOKEN;

    private static final DropReason[] VALUES = values();

    static DropReason of(final int ordinal) {
        return VALUES[ordinal];
    }
}
