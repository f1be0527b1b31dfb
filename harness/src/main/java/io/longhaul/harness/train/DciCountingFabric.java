package io.longhaul.harness.train;

import io.longhaul.collectives.Topology;
import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.fabric.Received;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Fabric} that passes everything through and counts the bytes this rank hands to the
 * fabric for ranks of other DCs: the collective messages (each one's 32-byte header and payload,
 * position to limit at the time of the send), whatever collective, communicator or group sent
 * them. Transport overhead (packet headers, acknowledgements, retransmissions, handshakes) is not
 * counted: these are the bytes the training schedule asks the DCI to carry.
 */
public final class DciCountingFabric implements Fabric {
    private final Fabric inner;
    private final Topology topology;
    private final AtomicLong dciBytes = new AtomicLong();

    public DciCountingFabric(final Fabric inner, final Topology topology) {
        this.inner = inner;
        this.topology = topology;
    }

    /** @return bytes sent so far to ranks of other DCs. */
    public long dciBytes() {
        return dciBytes.get();
    }


    private void count(final int peer, final ByteBuffer message) {
        if (topology.dcOf(peer) != topology.dcOf(inner.rank())) {
            dciBytes.addAndGet(message.remaining());
        }
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public long nowNs() {
        return inner.nowNs();
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message) {
        count(peer, message);
        return inner.send(peer, tag, message);
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer header, final ByteBuffer body) {
        count(peer, header);
        count(peer, body);
        return inner.send(peer, tag, header, body);
    }

    @Override
    public CompletableFuture<Void> send(final int peer, final int tag, final ByteBuffer message, final long deadlineNs) {
        count(peer, message);
        return inner.send(peer, tag, message, deadlineNs);
    }

    @Override
    public CompletableFuture<Void> detach(final CompletableFuture<Void> send) {
        return inner.detach(send);
    }

    @Override
    public void release(final ByteBuffer message) {
        inner.release(message);
    }

    @Override
    public CompletableFuture<ByteBuffer> receive(final int peer, final int tag) {
        return inner.receive(peer, tag);
    }

    @Override
    public CompletableFuture<Received> receiveMessage(final int peer, final int tag) {
        return inner.receiveMessage(peer, tag);
    }

    @Override
    public void discard(final int peer, final int tag) {
        inner.discard(peer, tag);
    }

    @Override
    public long rttNs(final int peer) {
        return inner.rttNs(peer);
    }

    @Override
    public Timer schedule(final long delayNs, final Runnable task) {
        return inner.schedule(delayNs, task);
    }

    /** The cluster owns the fabric: closing the wrapper does nothing. */
    @Override
    public void close() {
    }
}
