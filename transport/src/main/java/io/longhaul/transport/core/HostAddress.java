package io.longhaul.transport.core;

/**
 * A peer address that can name its host: what the endpoint counts per-source limits by (an IP
 * address for a UDP route, a node for a simulated address). Addresses that do not implement it count
 * as their own host.
 */
public interface HostAddress {
    /** @return the host part, with equals and hashCode (e.g. an {@link java.net.InetAddress}). */
    Object host();
}
