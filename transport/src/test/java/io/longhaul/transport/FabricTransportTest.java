package io.longhaul.transport;

import io.longhaul.transport.core.SendStatus;
import io.longhaul.transport.sim.EcmpFabric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.longhaul.transport.TransportTest.await;
import static io.longhaul.transport.TransportTest.context;
import static io.longhaul.transport.TransportTest.pattern;
import static org.assertj.core.api.Assertions.assertThat;

/** Real sockets on loopback through the in-process ECMP fabric emulation. */
class FabricTransportTest {
    @Test
    @Timeout(60)
    void shouldCarryTwoPathsOnTheFabricLinksTheirFourTuplesHashTo() throws Exception {
        final TransportTest.Receiver receiver = new TransportTest.Receiver();
        final String link = "ecmp=2,rate=200mbit,delay=1ms";
        try (Transport server = Transport.open(context().link(link).linkSeed(21L).messageHandler(receiver));
             Transport client = Transport.open(context().link(link).linkSeed(22L))) {
            assertThat(client.fabric().links()).isEqualTo(2);
            assertThat(client.link().isPerfect()).isTrue();
            final Session session = client.connect(server.localAddress(), 2);
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 4; tag++) {
                sends.add(session.send(tag, pattern(tag, 1 << 20)));
            }
            for (final CompletableFuture<SendStatus> f : sends) {
                assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(SendStatus.DELIVERED);
            }
            await(() -> receiver.messages == 4, 5_000, "4 messages at the receiver");
            assertThat(receiver.errors).isEmpty();

            // Each path's flow is on the link the fabric's hash gives its 4-tuple.
            final EcmpFabric predictor = new EcmpFabric(client.fabric(), 1, 0);
            final InetSocketAddress to = server.localAddress();
            final List<InetSocketAddress> locals = session.localAddresses();
            assertThat(locals).hasSize(2).doesNotHaveDuplicates();
            final EcmpFabric.Counters counters = client.fabricCounters();
            final boolean[] used = new boolean[2];
            for (final InetSocketAddress local : locals) {
                final int expected = predictor.linkFor(local, to);
                used[expected] = true;
                final String source = local.getAddress().getHostAddress() + ":" + local.getPort();
                final String destination = to.getAddress().getHostAddress() + ":" + to.getPort();
                assertThat(counters.flows()).as("flows %s", counters.flows())
                    .contains(new EcmpFabric.FlowLink(0, source, destination, expected));
            }
            for (final EcmpFabric.LinkCounters l : counters.links()) {
                assertThat(l.direction()).as("a transport models its egress only").isZero();
                if (used[l.link()]) {
                    assertThat(l.deliveredBytes()).as("link %d carries its paths (%s)", l.link(), counters).isGreaterThan(1 << 20);
                } else {
                    assertThat(l.offered()).as("link %d has no flow (%s)", l.link(), counters).isZero();
                }
                assertThat(l.offered()).isEqualTo(l.delivered() + l.drops());
            }
            // The server's replies (ACKs) cross its own fabric, from its one port to each client port.
            final EcmpFabric.Counters back = server.fabricCounters();
            assertThat(back.flows()).extracting(EcmpFabric.FlowLink::destination).containsAll(
                locals.stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList());
            assertThat(back.delivered()).isPositive();
            assertThat(client.emulatorCounters().offered()).isGreaterThanOrEqualTo(counters.offered());
        }
    }
}
