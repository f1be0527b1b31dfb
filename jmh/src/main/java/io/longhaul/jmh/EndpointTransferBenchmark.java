package io.longhaul.jmh;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.DatagramSink;
import io.longhaul.transport.core.Endpoint;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The whole sans-I/O core per packet, without sockets: a client and a server {@link Endpoint} wired
 * back to back through in-memory queues move one message; each operation is one message, so
 * ns/op divided by the packet count (reported by {@link #packetsPerMessage}) is the core's CPU cost
 * per DATA packet on both ends together, ACKs included: what a driver adds system calls to.
 *
 * <p>Unpaced ({@code fixed:window=256m}), lossless; the clock advances 1 us per exchange.
 * The receiver reassembles into one recycled buffer ({@code ConnectionHandler#receiveBuffer}), so
 * {@code -prof gc}'s B/op is what the core allocates per message (bookkeeping), none of it per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EndpointTransferBenchmark {
    @Param({"1048576"})
    int messageBytes;

    private Endpoint client;
    private Endpoint server;
    private Connection connection;
    private ByteBuffer payload;
    private ByteBuffer reassembly;
    private long nowNs = 1_000_000_000L;
    private long delivered;
    private final ArrayDeque<ByteBuffer> toServer = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> toClient = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final String clientAddress = "client";
    private final String serverAddress = "server";
    private final DatagramSink clientSink = (remote, path, d) -> toServer.add(copy(d));
    private final DatagramSink serverSink = (remote, path, d) -> toClient.add(copy(d));

    private ByteBuffer copy(final ByteBuffer datagram) {
        ByteBuffer b = free.poll();
        if (b == null) {
            b = ByteBuffer.allocateDirect(65_536);
        }
        b.clear();
        b.put(datagram).flip();
        return b;
    }

    @Setup
    public void setUp() {
        final ConnectionHandler handler = new ConnectionHandler() {
            @Override
            public void onMessage(final Connection c, final int tag, final long id, final ByteBuffer data, final MissingRanges missing) {
                delivered++;
            }

            @Override
            public ByteBuffer receiveBuffer(final Connection c, final int tag, final int length) {
                // Consumed at once: one buffer serves every message, as a recycling application's would.
                if (reassembly == null || reassembly.capacity() != length) {
                    reassembly = ByteBuffer.allocate(length);
                }
                return reassembly;
            }

            @Override
            public void onSendComplete(final Connection c, final long id, final SendStatus status, final String detail) {
            }
        };
        final CoreConfig config = new CoreConfig().congestionControl("fixed:window=256m");
        client = new Endpoint(config, handler);
        server = new Endpoint(config, handler);
        payload = ByteBuffer.allocateDirect(messageBytes);
        connection = client.connect(nowNs, serverAddress);
        final long before = delivered;
        connection.send(nowNs, 0, payload.duplicate());
        exchangeUntil(before + 1);
    }

    private void exchangeUntil(final long target) {
        while (delivered < target || connection.pendingMessages() > 0) {
            nowNs += 1_000;
            client.poll(nowNs, clientSink);
            ByteBuffer d;
            while ((d = toServer.poll()) != null) {
                server.onDatagram(nowNs, clientAddress, d);
                free.add(d);
            }
            server.poll(nowNs, serverSink);
            while ((d = toClient.poll()) != null) {
                client.onDatagram(nowNs, serverAddress, d);
                free.add(d);
            }
        }
    }

    /** One message end to end; divide by {@link #packetsPerMessage} for the cost per packet. */
    @Benchmark
    public long transferOneMessage() {
        final long before = delivered;
        connection.send(nowNs, 0, payload.duplicate());
        exchangeUntil(before + 1);
        return delivered;
    }

    /** @return DATA packets per message at the default payload size. */
    public int packetsPerMessage() {
        return (messageBytes + CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES - 1) / CoreConfig.DEFAULT_MAX_PAYLOAD_BYTES;
    }
}
