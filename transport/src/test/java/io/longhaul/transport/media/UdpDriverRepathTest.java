package io.longhaul.transport.media;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.ConnectionState;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The driver's re-pathing onto spare UDP ports, on loopback. */
class UdpDriverRepathTest {
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    /** Counts what an endpoint saw; written on its loop, read by the test thread. */
    private static final class Events implements ConnectionHandler {
        final Set<Integer> received = ConcurrentHashMap.newKeySet();
        final ConcurrentHashMap<Long, SendStatus> completions = new ConcurrentHashMap<>();

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            if (missing.isEmpty() && data.remaining() == 1 << 20) {
                received.add(tag);
            }
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            completions.put(messageId, status);
        }
    }

    private final Events serverEvents = new Events();
    private final Events clientEvents = new Events();
    private UdpDriver server;
    private UdpDriver client;

    private static UdpDriver driver(final String name, final Events events) {
        final CoreConfig config = new CoreConfig().connectionIdSeed(name.hashCode());
        final UdpDriver.Settings settings = new UdpDriver.Settings(UdpDriver.epollAvailable(), false, false, 4 << 20,
            config.maxDatagramBytes(), 16, null, 1, 1024, name, false, FabricSpec.parse("ecmp=4,delay=1ms"));
        return new UdpDriver(settings, config, events);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close(TIMEOUT_NS);
        }
        if (server != null) {
            server.close(TIMEOUT_NS);
        }
    }

    private static void await(final BooleanSupplier condition, final String what) {
        final long end = System.nanoTime() + TIMEOUT_NS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after 5 s waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private <T> T onClient(final Supplier<T> task) {
        return client.call(task::get, TIMEOUT_NS);
    }

    private Connection connect(final Object route) {
        return onClient(() -> {
            final Connection c = client.endpoint().connect(UdpDriver.nowNs(), route);
            client.runPoll();
            return c;
        });
    }

    private long send(final Connection c, final int tag) {
        return onClient(() -> {
            final long id = c.send(UdpDriver.nowNs(), tag, ByteBuffer.allocate(1 << 20));
            client.runPoll();
            return id;
        });
    }

    @Test
    @Timeout(30)
    void shouldMoveAPathToASparePortOnceOneIsBoundAndCarryDataFromIt() throws Exception {
        server = driver("repath-server", serverEvents);
        client = driver("repath-client", clientEvents);
        final Object serverPort = server.open(LOOPBACK).get(5, TimeUnit.SECONDS);
        final Object clientPort = client.open(LOOPBACK).get(5, TimeUnit.SECONDS);
        final InetSocketAddress serverAddress = server.localAddress(serverPort);
        final Object route = client.route(clientPort, serverAddress);
        final Connection first = connect(route);
        send(first, 1);
        await(() -> serverEvents.received.contains(1), "message 1 over the original port");

        // Nothing is ready on the first call: it starts opening spares.
        assertThat(onClient(() -> client.sink().repath(route, 0))).isNull();
        final Object[] moved = new Object[1];
        await(() -> (moved[0] = onClient(() -> client.sink().repath(route, 0))) != null, "a spare port");
        final InetSocketAddress oldLocal = UdpDriver.localOf(route);
        final InetSocketAddress newLocal = UdpDriver.localOf(moved[0]);
        assertThat(newLocal.getAddress()).isEqualTo(oldLocal.getAddress());
        assertThat(newLocal.getPort()).isNotEqualTo(oldLocal.getPort());
        assertThat(UdpDriver.remoteOf(moved[0])).isEqualTo(serverAddress);

        // A connection on the moved route sends from the spare port and hears back on it.
        final Connection second = connect(moved[0]);
        await(() -> onClient(second::state) == ConnectionState.ESTABLISHED, "handshake from the spare port");
        final long id = send(second, 2);
        await(() -> serverEvents.received.contains(2) && clientEvents.completions.get(id) == SendStatus.DELIVERED,
            "message 2 over the spare port");
        assertThat(UdpDriver.localOf(onClient(() -> second.remoteAddress(0)))).isEqualTo(newLocal);
        // The original port stays open and working.
        send(first, 3);
        await(() -> serverEvents.received.contains(3), "message 3 over the original port");

        // The spare port's datagrams crossed the fabric as their own flow.
        final EcmpFabric.Counters counters = onClient(client::fabricCounters);
        assertThat(counters.flows()).extracting(EcmpFabric.FlowLink::source)
            .contains("127.0.0.1:" + oldLocal.getPort(), "127.0.0.1:" + newLocal.getPort());
        assertThat(onClient(client::repathPortsOpened)).isBetween(1, UdpDriver.SPARE_PORTS + 1);
    }

    @Test
    @Timeout(30)
    void shouldOpenAtMostTheBoundOfSparePortsThenAnswerNull() throws Exception {
        client = driver("repath-bound", clientEvents);
        final Object clientPort = client.open(LOOPBACK).get(5, TimeUnit.SECONDS);
        final Object route = client.route(clientPort, new InetSocketAddress("127.0.0.1", 9));
        final Set<Integer> ports = new HashSet<>();
        await(() -> {
            final Object moved = onClient(() -> client.sink().repath(route, 0));
            if (moved != null) {
                ports.add(UdpDriver.localOf(moved).getPort());
            }
            return ports.size() == UdpDriver.MAX_REPATH_PORTS;
        }, UdpDriver.MAX_REPATH_PORTS + " spare ports");
        assertThat(onClient(client::repathPortsOpened)).isEqualTo(UdpDriver.MAX_REPATH_PORTS);
        for (int i = 0; i < 10; i++) {
            assertThat(onClient(() -> client.sink().repath(route, 0))).as("past the bound").isNull();
        }
        assertThat(ports).doesNotContain(UdpDriver.localOf(route).getPort());
        assertThat(onClient(() -> client.sink().repath("not a route", 0))).isNull();
    }
}
