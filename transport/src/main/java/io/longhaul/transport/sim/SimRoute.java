package io.longhaul.transport.sim;

/**
 * A simulated path address that also names the local port it is sent from: what
 * {@link io.longhaul.transport.core.DatagramSink#repath} hands back in the simulator, so that a
 * re-pathed flow's 4-tuple (and so its ECMP hash) changes while its peer stays the same.
 *
 * @param remote    the peer's address.
 * @param localPort the sending node's port for this path (a plain {@link SimAddress} path is sent
 *                  from the port equal to its path id).
 */
public record SimRoute(SimAddress remote, int localPort) implements io.longhaul.transport.core.HostAddress {
    /** @return the remote node. */
    @Override
    public Object host() {
        return remote.node();
    }

    /** @return the remote address's: the port it arrived at is this node's own. */
    @Override
    public byte[] identity() {
        return remote.identity();
    }

    @Override
    public String toString() {
        return remote + " from port " + localPort;
    }
}
