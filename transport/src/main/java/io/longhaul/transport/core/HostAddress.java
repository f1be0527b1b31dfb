package io.longhaul.transport.core;

/**
 * A peer address that can name its host: what the endpoint counts per-source limits by (an IP
 * address for a UDP route, a node for a simulated address). Addresses that do not implement it count
 * as their own host, and by their {@code toString()} for retry tokens.
 */
public interface HostAddress {
    /** @return the host part, with equals and hashCode (e.g. an {@link java.net.InetAddress}). */
    Object host();

    /**
     * @return bytes that name this whole address, host and port, and no other: what a retry token
     *         is bound to.
     */
    byte[] identity();
}
