package io.longhaul.transport.media;

import java.net.InetSocketAddress;

/**
 * The address the core sees for a path: a local UDP channel plus the peer's socket address. The
 * core stores whatever address object the driver hands it and gives it back in
 * {@link io.longhaul.transport.core.DatagramSink#send}; making it carry the local channel lets one
 * endpoint run paths over several local sockets (distinct source ports) without a lookup.
 */
final class Route implements io.longhaul.transport.core.HostAddress {
    final UdpPort port;
    final InetSocketAddress remote;
    /** Computed once: the core may look routes up per datagram ({@code Objects.hash} would allocate its varargs). */
    private final int hash;

    Route(final UdpPort port, final InetSocketAddress remote) {
        this.port = port;
        this.remote = remote;
        this.hash = 31 * port.index() + remote.hashCode();
    }

    @Override
    public Object host() {
        return remote.getAddress() != null ? remote.getAddress() : remote.getHostString();
    }

    @Override
    public byte[] identity() {
        final byte[] ip = remote.getAddress() != null ? remote.getAddress().getAddress()
            : remote.getHostString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final byte[] id = java.util.Arrays.copyOf(ip, ip.length + 2);
        id[ip.length] = (byte) (remote.getPort() >>> 8);
        id[ip.length + 1] = (byte) remote.getPort();
        return id;
    }

    @Override
    public boolean equals(final Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Route)) {
            return false;
        }
        final Route other = (Route) o;
        return port == other.port && remote.equals(other.remote);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return remote + " via " + port;
    }
}
