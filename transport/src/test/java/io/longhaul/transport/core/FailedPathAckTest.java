package io.longhaul.transport.core;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;
import io.longhaul.transport.sim.SimNetwork.SimNode;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data or probes that arrive on a path its receiver has declared failed owe an ACK the failed path
 * may not send. That overdue ACK must not become a timer: returned as the connection's next
 * deadline it woke the connection at once, over and over (one simulator event per nanosecond of
 * virtual time), until the path was reinstated. Here two hosts send to each other over four paths
 * of an ECMP group while the link under path 0 is down for a second.
 */
class FailedPathAckTest {
    private static final long MS = 1_000_000L;
    private static final int SIZE = 1 << 20;

    private static final class Sink implements ConnectionHandler {
        long bytes;
        Connection accepted;

        @Override
        public void onEstablished(final Connection c) {
            accepted = c;
        }

        @Override
        public void onMessage(final Connection c, final int tag, final long id, final ByteBuffer data, final MissingRanges missing) {
            bytes += data.remaining();
        }
    }

    @Test
    void shouldNotSpinOnAnAckOwedByAFailedPath() {
        for (long seed = 1; seed <= 2; seed++) {
            final SimNetwork net = new SimNetwork();
            final Sink aSink = new Sink();
            final Sink bSink = new Sink();
            final CoreConfig config = new CoreConfig().maxPayloadBytes(8_900);
            final SimNode a = net.addNode("a", config.copy().connectionIdSeed(seed * 31), aSink);
            final SimNode b = net.addNode("b", config.copy().connectionIdSeed(seed * 31 + 1), bSink);
            final String group = "ecmp=4,rate=1gbit,delay=5ms,hash-seed=" + seed + ",seed=" + seed;
            final int dead = new EcmpFabric(FabricSpec.parse(group), 2, 0).linkFor(new SimAddress(a.index(), 0), new SimAddress(b.index(), 0));
            net.fabric(List.of(a), List.of(b), FabricSpec.parse(group + ",fail=" + dead + "@300ms+1s"));
            final Connection ab = a.endpoint().connect(0, b.addresses(4));
            final ByteBuffer payload = ByteBuffer.allocate(SIZE);
            long worstEventsPerMs = 0;
            while (net.nowNs() < 2_500 * MS) {
                if (ab.state() == ConnectionState.ESTABLISHED && bSink.accepted != null) {
                    while (ab.pendingMessages() < 4) {
                        ab.send(net.nowNs(), 0, payload.duplicate());
                    }
                    while (bSink.accepted.pendingMessages() < 4) {
                        bSink.accepted.send(net.nowNs(), 1, payload.duplicate());
                    }
                    net.wake(a);
                    net.wake(b);
                }
                final long before = net.eventsProcessed();
                net.runFor(MS);
                worstEventsPerMs = Math.max(worstEventsPerMs, net.eventsProcessed() - before);
                // A spinning connection makes a million events per millisecond; stop before it takes minutes.
                assertThat(worstEventsPerMs).as("seed=%d: events in one ms of virtual time at %d ms; %s", seed, net.nowNs() / MS,
                    ab.stats().pathEvents()).isLessThan(20_000);
            }
            System.out.printf("seed %d: worst %d events per ms; a: %s; b: %s%n", seed, worstEventsPerMs, ab.stats().pathEvents(),
                bSink.accepted.stats().pathEvents());
            assertThat(ab.stats().pathEvents()).as("seed=%d", seed).extracting(e -> e.pathId() + " " + e.kind()).contains("0 FAILED");
            assertThat(aSink.bytes).as("seed=%d b to a", seed).isPositive();
            assertThat(bSink.bytes).as("seed=%d a to b", seed).isPositive();
        }
    }
}
