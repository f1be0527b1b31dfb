package io.longhaul.transport.core;

import java.nio.ByteBuffer;

/**
 * Where the core puts the datagrams it wants sent. The driver copies or transmits the bytes
 * between {@code position} and {@code limit} of {@code datagram} before returning; the core reuses
 * the buffer afterwards.
 */
@FunctionalInterface
public interface DatagramSink {
    /**
     * @param remoteAddress the peer's address for this path, as the driver gave it to the core.
     * @param pathId        the path the datagram belongs to (drivers map it to a local socket).
     * @param datagram      the datagram, between position and limit.
     */
    void send(Object remoteAddress, int pathId, ByteBuffer datagram);

    /**
     * Moves a path to a fresh local source port, so that an ECMP fabric hashes its packets onto a
     * (probably) different link: what PLB does to a flow whose path stays congested. The peer
     * follows the new source address as it follows any valid packet's source.
     *
     * @param remoteAddress the path's current address, as the driver gave it to the core.
     * @param pathId        the path to move.
     * @return the address to use from now on (same peer, new local port), or null when the driver
     *         cannot re-path now (no spare port ready, or re-pathing unsupported); the caller may
     *         ask again later.
     */
    default Object repath(final Object remoteAddress, final int pathId) {
        return null;
    }
}
