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
}
