package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.sim.MachineModel;
import io.longhaul.transport.sim.SimNetwork;
import io.longhaul.transport.sim.SimNetwork.SimNode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Test fixture: a client and a server on a {@link SimNetwork}, with recorders for every event and
 * deterministic payloads whose bytes are checked on arrival.
 */
final class SimTransfer {
    /** A message as the receiver got it. */
    record Received(int tag, long messageId, ByteBuffer data, MissingRanges missing, long atNs) {
    }

    /** A send completion as the sender got it. */
    record Completion(long messageId, SendStatus status, String detail, long atNs) {
    }

    static final class Recorder implements ConnectionHandler {
        final List<Received> received = new ArrayList<>();
        final Map<Long, Completion> completions = new HashMap<>();
        final List<String> closes = new ArrayList<>();
        final List<Connection> established = new ArrayList<>();
        SimNetwork net;
        long duplicateDeliveries;

        @Override
        public void onEstablished(final Connection connection) {
            established.add(connection);
        }

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            for (final Received r : received) {
                if (r.messageId == messageId) {
                    duplicateDeliveries++;
                }
            }
            received.add(new Received(tag, messageId, data, missing, net.nowNs()));
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            if (completions.put(messageId, new Completion(messageId, status, detail, net.nowNs())) != null) {
                throw new AssertionError("message " + messageId + " completed twice");
            }
        }

        @Override
        public void onClosed(final Connection connection, final int code, final String reason, final boolean byPeer) {
            closes.add((byPeer ? "peer:" : "local:") + code + ":" + reason);
        }
    }

    final long seed;
    final SimNetwork net = new SimNetwork();
    final Recorder clientEvents = new Recorder();
    final Recorder serverEvents = new Recorder();
    final SimNode client;
    final SimNode server;
    final Connection connection;

    SimTransfer(final long seed, final CoreConfig config, final LinkSpec forward, final LinkSpec backward) {
        this(seed, config, new LinkSpec[] {forward}, new LinkSpec[] {backward});
    }

    /** The server with its own configuration ({@code serverConfig}; null for {@code config}). */
    SimTransfer(final long seed, final CoreConfig config, final LinkSpec forward, final LinkSpec backward, final CoreConfig serverConfig) {
        this(seed, config, new LinkSpec[] {forward}, new LinkSpec[] {backward}, MachineModel.IDEAL, serverConfig);
    }

    /** One path per element of {@code forward}/{@code backward}; link seeds derive from {@code seed}. */
    SimTransfer(final long seed, final CoreConfig config, final LinkSpec[] forward, final LinkSpec[] backward) {
        this(seed, config, forward, backward, MachineModel.IDEAL);
    }

    /** Both hosts on machines as rough as {@code machine} (each with its own seed, derived from {@code seed}). */
    SimTransfer(final long seed, final CoreConfig config, final LinkSpec[] forward, final LinkSpec[] backward,
                final MachineModel machine) {
        this(seed, config, forward, backward, machine, null);
    }

    private SimTransfer(final long seed, final CoreConfig config, final LinkSpec[] forward, final LinkSpec[] backward,
                        final MachineModel machine, final CoreConfig serverConfig) {
        this.seed = seed;
        clientEvents.net = net;
        serverEvents.net = net;
        client = net.addNode("client", config.copy().connectionIdSeed(seed * 31 + 1), clientEvents,
            machine.withSeed(seed * 31 + 1));
        server = net.addNode("server", (serverConfig == null ? config : serverConfig).copy().connectionIdSeed(seed * 31 + 2), serverEvents,
            machine.withSeed(seed * 31 + 2));
        for (int p = 0; p < forward.length; p++) {
            net.link(client, server, p, forward[p].withSeed(seed * 1000 + 2L * p), backward[p].withSeed(seed * 1000 + 2L * p + 1));
        }
        connection = client.endpoint().connect(net.nowNs(), server.addresses(forward.length));
    }


    /** Deterministic bytes for message number {@code index}. */
    static ByteBuffer payload(final long seed, final int index, final int length) {
        final byte[] bytes = new byte[length];
        new SplittableRandom(seed * 7919 + index).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    long send(final int tag, final ByteBuffer data) {
        final long id = connection.send(net.nowNs(), tag, data);
        net.wake(client);
        return id;
    }

    long sendWithDeadline(final int tag, final ByteBuffer data, final long deadlineNs) {
        final long id = connection.send(net.nowNs(), tag, data, deadlineNs);
        net.wake(client);
        return id;
    }

    boolean runUntilCompleted(final int messages, final long maxVirtualNs) {
        return net.runUntil(() -> clientEvents.completions.size() >= messages && serverEvents.received.size() >= messages,
            net.nowNs() + maxVirtualNs);
    }

    boolean runUntilEstablished(final long maxVirtualNs) {
        return net.runUntil(() -> connection.state() == ConnectionState.ESTABLISHED, net.nowNs() + maxVirtualNs);
    }

    Connection serverConnection() {
        return serverEvents.established.isEmpty() ? null : serverEvents.established.get(0);
    }

    String describe() {
        return "seed=" + seed + " now=" + net.nowNs() + " client=" + connection.stats() + " server="
            + (serverConnection() == null ? "none" : serverConnection().stats())
            + " clientDrops=" + client.endpoint().droppedTotal() + " serverDrops=" + server.endpoint().droppedTotal();
    }
}
