package io.longhaul.transport.core;

/** Lifecycle of a connection. */
public enum ConnectionState {
    /** Client side: HANDSHAKE_INIT sent, waiting for HANDSHAKE_ACCEPT (retried with backoff). */
    CONNECTING,
    /** Both ends know each other; data flows. */
    ESTABLISHED,
    /** This end closed; the CLOSE is repeated to stray packets until the closing period ends. */
    CLOSING,
    /** The peer closed; packets are absorbed until the draining period ends. */
    DRAINING,
    /** Gone: no state remains but the final statistics. */
    CLOSED
}
