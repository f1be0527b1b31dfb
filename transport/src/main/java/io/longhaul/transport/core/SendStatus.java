package io.longhaul.transport.core;

/** How a sent message ended. */
public enum SendStatus {
    /** Every byte was acknowledged by the peer. */
    DELIVERED,
    /** The message's deadline passed first; the peer received what it received, nothing more was repaired. */
    EXPIRED,
    /** The connection closed first. */
    FAILED
}
