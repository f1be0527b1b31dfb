package io.longhaul.transport.sim;

/**
 * The address of one path end of a simulated node: what a simulated endpoint sees as a datagram's
 * source, and what a client connects to.
 *
 * @param node node index in its {@link SimNetwork}.
 * @param path path id (a simulated "port").
 */
public record SimAddress(int node, int path) implements io.longhaul.transport.core.HostAddress {
    /** @return the node: its paths are one host. */
    @Override
    public Object host() {
        return node;
    }

    @Override
    public byte[] identity() {
        return java.nio.ByteBuffer.allocate(8).putInt(node).putInt(path).array();
    }

    @Override
    public String toString() {
        return "sim:" + node + "/" + path;
    }
}
