package io.longhaul.transport.sim;

import io.longhaul.transport.core.Connection;
import io.longhaul.transport.core.ConnectionHandler;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.core.MissingRanges;
import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.sim.SimNetwork.SimNode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Endpoints on a simulated ECMP fabric: routing by 4-tuple, routes from chosen ports, re-pathing. */
class SimNetworkFabricTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;

    /** Records what a node's endpoint saw. */
    private static final class Recorder implements ConnectionHandler {
        final Map<Integer, ByteBuffer> received = new HashMap<>();
        final Map<Long, SendStatus> completions = new HashMap<>();
        final List<Connection> established = new ArrayList<>();
        final List<String> closes = new ArrayList<>();

        @Override
        public void onEstablished(final Connection connection) {
            established.add(connection);
        }

        @Override
        public void onMessage(final Connection connection, final int tag, final long messageId, final ByteBuffer data,
                              final MissingRanges missing) {
            final ByteBuffer copy = ByteBuffer.allocate(data.remaining());
            copy.put(data.duplicate()).flip();
            received.put(tag, copy);
        }

        @Override
        public void onSendComplete(final Connection connection, final long messageId, final SendStatus status, final String detail) {
            completions.put(messageId, status);
        }

        @Override
        public void onClosed(final Connection connection, final int code, final String reason, final boolean byPeer) {
            closes.add(reason);
        }
    }

    private static ByteBuffer payload(final long seed, final int tag, final int size) {
        final byte[] bytes = new byte[size];
        new SplittableRandom(seed * 7919 + tag).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** Two nodes per side of one fabric. */
    private static final class TwoByTwo {
        final SimNetwork net = new SimNetwork();
        final Recorder[] events = {new Recorder(), new Recorder(), new Recorder(), new Recorder()};
        final SimNode a0;
        final SimNode a1;
        final SimNode b0;
        final SimNode b1;

        TwoByTwo(final long seed, final String fabric) {
            a0 = net.addNode("a0", new CoreConfig().connectionIdSeed(seed * 31 + 1), events[0]);
            a1 = net.addNode("a1", new CoreConfig().connectionIdSeed(seed * 31 + 2), events[1]);
            b0 = net.addNode("b0", new CoreConfig().connectionIdSeed(seed * 31 + 3), events[2]);
            b1 = net.addNode("b1", new CoreConfig().connectionIdSeed(seed * 31 + 4), events[3]);
            net.fabric(List.of(a0, a1), List.of(b0, b1), FabricSpec.parse(fabric));
        }

        EcmpFabric fabric() {
            return net.fabricBetween(a0, b0);
        }
    }

    @Test
    void shouldCarryTransfersBetweenTwoNodesPerSideOverTheLinksTheirFlowsHashTo() {
        final long seed = 5;
        final TwoByTwo t = new TwoByTwo(seed, "ecmp=4,rate=100mbit,delay=2ms,loss=0.1%,seed=" + seed);
        final Connection c0 = t.a0.endpoint().connect(0, t.b0.addresses(4));
        final Connection c1 = t.a1.endpoint().connect(0, t.b1.addresses(4));
        final int size = 4 << 20;
        c0.send(0, 0, payload(seed, 0, size));
        c1.send(0, 1, payload(seed, 1, size));
        t.net.wake(t.a0);
        t.net.wake(t.a1);

        final boolean done = t.net.runUntil(() -> t.events[0].completions.size() == 1 && t.events[1].completions.size() == 1
            && t.events[2].received.size() == 1 && t.events[3].received.size() == 1, 30 * S);

        assertThat(done).as("seed %d: both transfers complete, %s", seed, t.fabric().counters()).isTrue();
        assertThat(t.events[0].completions).containsValue(SendStatus.DELIVERED);
        assertThat(t.events[1].completions).containsValue(SendStatus.DELIVERED);
        assertThat(t.events[2].received.get(0)).isEqualTo(payload(seed, 0, size));
        assertThat(t.events[3].received.get(1)).isEqualTo(payload(seed, 1, size));
        assertThat(t.net.unrouted()).isZero();

        final EcmpFabric fabric = t.fabric();
        final EcmpFabric.Counters counters = fabric.counters();
        // 2 connections × 4 paths, each direction: 16 flows, every one on the link its 4-tuple hashes to.
        assertThat(counters.flows()).hasSize(16);
        final Set<String> expected = new HashSet<>();
        final boolean[][] used = new boolean[2][4];
        for (final SimNode[] pair : new SimNode[][] {{t.a0, t.b0}, {t.a1, t.b1}}) {
            for (int p = 0; p < 4; p++) {
                final SimAddress client = new SimAddress(pair[0].index(), p);
                final SimAddress server = new SimAddress(pair[1].index(), p);
                final int forward = fabric.linkFor(client, server);
                final int backward = fabric.linkFor(server, client);
                expected.add(new EcmpFabric.FlowLink(0, client.toString(), server.toString(), forward).toString());
                expected.add(new EcmpFabric.FlowLink(1, server.toString(), client.toString(), backward).toString());
                used[0][forward] = true;
                used[1][backward] = true;
            }
        }
        assertThat(counters.flows()).extracting(EcmpFabric.FlowLink::toString).containsExactlyInAnyOrderElementsOf(expected);
        for (final EcmpFabric.LinkCounters l : counters.links()) {
            if (used[l.direction()][l.link()]) {
                assertThat(l.delivered()).as("link %s carries its flows", l).isPositive();
            } else {
                assertThat(l.offered()).as("link %s has no flow", l).isZero();
            }
            assertThat(l.offered()).isEqualTo(l.delivered() + l.drops());
        }
        assertThat(counters.link(0, 0).deliveredBytes() + counters.link(0, 1).deliveredBytes() + counters.link(0, 2).deliveredBytes()
            + counters.link(0, 3).deliveredBytes()).as("A to B carried both messages").isGreaterThan(2L * size);
    }

    @Test
    void shouldSendARouteFromItsLocalPortAndKeepThePeersRepliesOnThatPort() {
        final long seed = 6;
        final TwoByTwo t = new TwoByTwo(seed, "ecmp=4,rate=1gbit,delay=1ms");
        final Object moved = t.a0.sink().repath(t.b0.address(0), 0);
        assertThat(moved).isEqualTo(new SimRoute(t.b0.address(0), SimNetwork.FIRST_REPATH_PORT));
        final Connection c = t.a0.endpoint().connect(0, moved, t.b0.address(1));
        c.send(0, 7, payload(seed, 7, 1 << 20));
        t.net.wake(t.a0);

        assertThat(t.net.runUntil(() -> t.events[2].received.size() == 1 && t.events[0].completions.size() == 1, 10 * S)).isTrue();
        assertThat(t.events[2].received.get(7)).isEqualTo(payload(seed, 7, 1 << 20));
        // The server sees the client's new source port and answers it there; the client keeps
        // sending from that port.
        final Connection server = t.events[2].established.get(0);
        assertThat(server.remoteAddress(0)).isEqualTo(new SimAddress(t.a0.index(), SimNetwork.FIRST_REPATH_PORT));
        assertThat(server.remoteAddress(1)).isEqualTo(new SimAddress(t.a0.index(), 1));
        assertThat(c.remoteAddress(0)).isEqualTo(moved);
        assertThat(c.remoteAddress(1)).isEqualTo(t.b0.address(1));

        final EcmpFabric fabric = t.fabric();
        final SimAddress from = new SimAddress(t.a0.index(), SimNetwork.FIRST_REPATH_PORT);
        assertThat(fabric.counters().flows()).contains(
            new EcmpFabric.FlowLink(0, from.toString(), t.b0.address(0).toString(), fabric.linkFor(t.a0.index(), (SimRoute) moved)),
            new EcmpFabric.FlowLink(1, t.b0.address(0).toString(), from.toString(), fabric.linkFor(t.b0.address(0), from)));
        assertThat(fabric.counters().flows()).extracting(EcmpFabric.FlowLink::source).doesNotContain(t.a0.address(0).toString());
    }

    @Test
    void shouldHandOutFreshPortsPerNodeDeterministicallyThatHashOntoOtherLinks() {
        final TwoByTwo t = new TwoByTwo(1, "ecmp=4");
        final SimAddress peer = t.b0.address(0);
        final Object first = t.a0.sink().repath(peer, 0);
        final Object second = t.a0.sink().repath(first, 0);
        assertThat(first).isEqualTo(new SimRoute(peer, 1024));
        assertThat(second).as("a route is moved to the next port, same peer").isEqualTo(new SimRoute(peer, 1025));
        assertThat(t.a1.sink().repath(peer, 3)).as("each node counts its own ports").isEqualTo(new SimRoute(peer, 1024));
        assertThat(t.a0.sink().repath("not an address", 0)).isNull();

        final EcmpFabric fabric = t.fabric();
        final int original = fabric.linkFor(t.a0.address(0), peer);
        final Set<Integer> links = new HashSet<>();
        Object route = second;
        for (int i = 0; i < 16; i++) {
            links.add(fabric.linkFor(t.a0.index(), (SimRoute) route));
            route = t.a0.sink().repath(route, 0);
        }
        assertThat(links).as("16 fresh ports reach links other than the original path's %d", original).contains((original + 1) % 4);
        assertThat(links).hasSize(4);

        final TwoByTwo again = new TwoByTwo(1, "ecmp=4");
        again.a0.sink().repath(peer, 0);
        assertThat(again.a0.sink().repath(peer, 0)).as("replays").isEqualTo(second);
    }

    @Test
    void shouldPreferAnExplicitLinkAndLeaveSameSideTrafficUnrouted() {
        final long seed = 7;
        final TwoByTwo t = new TwoByTwo(seed, "ecmp=2,delay=1ms");
        t.net.link(t.a0, t.b0, 0, LinkSpec.parse("delay=3ms"), LinkSpec.parse("delay=3ms"));
        final Connection c = t.a0.endpoint().connect(0, t.b0.addresses(2));
        c.send(0, 1, payload(seed, 1, 256 << 10));
        t.net.wake(t.a0);
        assertThat(t.net.runUntil(() -> t.events[2].received.size() == 1 && t.events[0].completions.size() == 1, 10 * S)).isTrue();

        assertThat(t.net.linkModel(t.a0, t.b0, 0).delivered()).as("path 0 took the explicit link").isPositive();
        assertThat(t.fabric().counters().flows()).extracting(EcmpFabric.FlowLink::source)
            .containsOnly(t.a0.address(1).toString(), t.b0.address(1).toString());
        assertThat(c.stats().paths().get(0).minRttNs()).isGreaterThanOrEqualTo(6 * MS);
        assertThat(c.stats().paths().get(1).minRttNs()).isLessThan(3 * MS);

        final long before = t.net.unrouted();
        t.a0.endpoint().connect(t.net.nowNs(), t.a1.address(0));
        t.net.wake(t.a0);
        t.net.runFor(10 * MS);
        assertThat(t.net.unrouted()).as("A to A is not the fabric's").isGreaterThan(before);
    }

    @Test
    void shouldCompleteATransferAcrossAnOutageOfTheLinkOfOnePath() {
        final long seed = 8;
        final String base = "ecmp=4,rate=100mbit,delay=2ms,seed=" + seed;
        final TwoByTwo probe = new TwoByTwo(seed, base);
        final int failed = probe.fabric().linkFor(probe.a0.address(0), probe.b0.address(0));
        final TwoByTwo t = new TwoByTwo(seed, base + ",fail=" + failed + "@20ms+300ms");
        final Connection c = t.a0.endpoint().connect(0, t.b0.addresses(4));
        // Long enough to outlast the outage and the failed path's backed-off background probes.
        final int size = 48 << 20;
        c.send(0, 3, payload(seed, 3, size));
        t.net.wake(t.a0);
        final long[] deliveredWhenBack = {-1};
        t.net.schedule(320 * MS, () -> deliveredWhenBack[0] = t.fabric().counters().link(0, failed).delivered());

        assertThat(t.net.runUntil(() -> t.events[2].received.size() == 1 && t.events[0].completions.size() == 1, 60 * S))
            .as("seed %d, link %d down from 20 ms to 320 ms: %s, %s", seed, failed, c.stats(), t.fabric().counters()).isTrue();
        assertThat(t.events[2].received.get(3)).isEqualTo(payload(seed, 3, size));
        final EcmpFabric.LinkCounters down = t.fabric().counters().link(0, failed);
        assertThat(down.failureDrops()).as("the failed link blackholed path 0").isPositive();
        assertThat(deliveredWhenBack[0]).as("the transfer outlived the outage").isNotNegative();
        assertThat(c.stats().pathEvents()).extracting(e -> e.pathId() + " " + e.kind())
            .as("path 0 was declared failed in the outage and reinstated after it").containsSubsequence("0 FAILED", "0 REINSTATED");
        assertThat(down.delivered()).as("the link carried path 0 again once back").isGreaterThan(deliveredWhenBack[0] + 1000);
        assertThat(t.events[0].closes).isEmpty();
    }

    @Test
    void shouldRejectOverlappingOrForeignSides() {
        final TwoByTwo t = new TwoByTwo(1, "ecmp=2");
        final FabricSpec spec = FabricSpec.parse("ecmp=2");
        assertThatThrownBy(() -> t.net.fabric(List.of(t.a0), List.of(t.b0), spec)).hasMessageContaining("already joined by a fabric");
        assertThatThrownBy(() -> t.net.fabric(List.of(t.a0), List.of(t.a0), spec)).hasMessageContaining("is on both sides");
        assertThatThrownBy(() -> t.net.fabric(List.of(), List.of(t.a0), spec)).hasMessageContaining("both sides need at least one node");
        final SimNetwork other = new SimNetwork();
        final SimNode stranger = other.addNode("x", new CoreConfig(), new Recorder());
        final SimNode stranger2 = other.addNode("y", new CoreConfig(), new Recorder());
        assertThatThrownBy(() -> t.net.fabric(List.of(stranger), List.of(stranger2), spec)).hasMessageContaining("is not a node of this network");
    }
}
