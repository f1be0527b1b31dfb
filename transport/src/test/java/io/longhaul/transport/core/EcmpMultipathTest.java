package io.longhaul.transport.core;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.SimAddress;
import io.longhaul.transport.sim.SimNetwork;
import io.longhaul.transport.sim.SimNetwork.SimNode;
import io.longhaul.transport.sim.SimRoute;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four elephant flows between two DCs joined by an ECMP group of 4 x 1 Gbit/s links (10 ms RTT),
 * from two hosts with 4 Gbit/s NICs: {@code single} shows exactly the hash collisions the seed
 * gives, {@code spray} over several source ports fills the group, and {@code plb} re-paths the
 * flows that collide until each link carries one.
 */
class EcmpMultipathTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int LINKS = 4;
    private static final double LINK_BPS = 1e9;
    private static final String FABRIC = "ecmp=4,rate=1gbit,delay=5ms,nic=4gbit";
    /** Jumbo datagrams: a quarter of the events of 1500-byte ones for the same bytes. */
    private static final int PAYLOAD = 8_900;
    private static final int MESSAGE = 4 << 20;

    /** Counts bytes only: the receivers would otherwise hold gigabytes. */
    private static final class Sink implements ConnectionHandler {
        long bytes;
        long failures;

        @Override
        public void onMessage(final Connection c, final int tag, final long id, final ByteBuffer data, final MissingRanges missing) {
            bytes += data.remaining();
        }

        @Override
        public void onSendComplete(final Connection c, final long id, final SendStatus status, final String detail) {
            if (status != SendStatus.DELIVERED) {
                failures++;
            }
        }
    }

    /** Two senders in DC A, two receivers in DC B, one connection from each sender to each receiver. */
    private static final class Dci {
        final SimNetwork net = new SimNetwork();
        final SimNode[] a = new SimNode[2];
        final SimNode[] b = new SimNode[2];
        final Sink[] sinks = {new Sink(), new Sink(), new Sink(), new Sink()};
        final List<Connection> flows = new ArrayList<>();
        final ByteBuffer payload = ByteBuffer.allocate(MESSAGE);

        Dci(final String fabric, final String scheduler, final int pathsPerFlow, final long seed) {
            final CoreConfig config = new CoreConfig().maxPayloadBytes(PAYLOAD).pathScheduler(scheduler);
            for (int i = 0; i < 2; i++) {
                a[i] = net.addNode("a" + i, config.copy().connectionIdSeed(seed * 31 + i), sinks[i]);
            }
            for (int i = 0; i < 2; i++) {
                b[i] = net.addNode("b" + i, config.copy().connectionIdSeed(seed * 31 + 2 + i), sinks[2 + i]);
            }
            net.fabric(List.of(a[0], a[1]), List.of(b[0], b[1]), FabricSpec.parse(fabric));
            for (final SimNode from : a) {
                for (final SimNode to : b) {
                    flows.add(from.endpoint().connect(0, to.addresses(pathsPerFlow)));
                }
            }
        }

        EcmpFabric fabric() {
            return net.fabrics().get(0);
        }

        /** Keeps every flow backlogged: at least 8 messages queued. */
        void keepBusy() {
            for (int f = 0; f < flows.size(); f++) {
                final Connection c = flows.get(f);
                if (c.state() == ConnectionState.ESTABLISHED) {
                    while (c.pendingMessages() < 8) {
                        c.send(net.nowNs(), 0, payload.duplicate());
                    }
                }
            }
            for (final SimNode n : a) {
                net.wake(n);
            }
        }

        /** Runs {@code durationNs} topping the backlog up every millisecond. */
        void run(final long durationNs) {
            final long end = net.nowNs() + durationNs;
            while (net.nowNs() < end) {
                keepBusy();
                net.runFor(MS);
            }
        }

        /** @return bytes delivered by each A-to-B link so far. */
        long[] linkBytes() {
            final long[] bytes = new long[LINKS];
            for (final EcmpFabric.LinkCounters l : fabric().counters().links()) {
                if (l.direction() == 0) {
                    bytes[l.link()] += l.deliveredBytes();
                }
            }
            return bytes;
        }

        /** @return the link each flow's path {@code p} hashes onto now (A to B). */
        int linkOf(final Connection flow, final int p, final int sourceNode) {
            final Object route = flow.remoteAddress(p);
            return route instanceof SimRoute r ? fabric().linkFor(sourceNode, r)
                : fabric().linkFor(new SimAddress(sourceNode, p), (SimAddress) route);
        }

        int sourceNode(final int flow) {
            return a[flow / 2].index();
        }

        long failures() {
            return Arrays.stream(sinks).mapToLong(s -> s.failures).sum();
        }
    }

    /** Measures per-link goodput over {@code windowNs} after {@code warmupNs}. */
    private static double[] measure(final Dci d, final long warmupNs, final long windowNs) {
        d.run(warmupNs);
        final long[] before = d.linkBytes();
        d.run(windowNs);
        final long[] after = d.linkBytes();
        final double[] bps = new double[LINKS];
        for (int i = 0; i < LINKS; i++) {
            bps[i] = (after[i] - before[i]) * 8e9 / windowNs;
        }
        return bps;
    }

    private static String gbps(final double[] bps) {
        final StringBuilder sb = new StringBuilder();
        for (final double v : bps) {
            sb.append(String.format(java.util.Locale.ROOT, "%.2f ", v / 1e9));
        }
        return sb.append("Gbit/s").toString();
    }

    @Test
    void singlePathFlowsCollideExactlyAsTheHashSays() {
        final long seed = 3;
        final Dci d = new Dci(FABRIC, "single", 1, seed);
        final int[] flowsPerLink = new int[LINKS];
        for (int f = 0; f < 4; f++) {
            flowsPerLink[d.linkOf(d.flows.get(f), 0, d.sourceNode(f))]++;
        }
        final double[] bps = measure(d, 2 * S, 2 * S);
        System.out.printf("single: flows per link %s, goodput per link %s%n", Arrays.toString(flowsPerLink), gbps(bps));
        // The seed's split, computed from the documented hash of each flow's 4-tuple.
        assertThat(flowsPerLink).as("flows per link for hash seed 0").containsExactly(1, 1, 2, 0);
        for (int i = 0; i < LINKS; i++) {
            if (flowsPerLink[i] == 0) {
                assertThat(bps[i]).as("link %d carries no flow", i).isLessThan(0.01 * LINK_BPS);
            } else {
                assertThat(bps[i]).as("link %d carries %d flows", i, flowsPerLink[i]).isGreaterThan(0.85 * LINK_BPS);
            }
        }
        assertThat(Arrays.stream(bps).sum()).as("one link idles").isLessThan(3.05 * LINK_BPS);
        assertThat(d.failures()).isZero();
    }

    @Test
    void sprayOverFourSourcePortsFillsTheGroup() {
        for (long seed = 1; seed <= 3; seed++) {
            final Dci d = new Dci(FABRIC + ",hash-seed=" + seed, "spray", 4, seed);
            final double[] bps = measure(d, 2 * S, 2 * S);
            final double total = Arrays.stream(bps).sum();
            System.out.printf("spray seed %d: goodput per link %s, total %.2f Gbit/s%n", seed, gbps(bps), total / 1e9);
            assertThat(total).as("seed %d: %s", seed, gbps(bps)).isGreaterThan(0.90 * LINKS * LINK_BPS);
            assertThat(d.failures()).isZero();
        }
    }

    @Test
    void plbRepathsCollidingFlowsUntilEachLinkCarriesOne() {
        final long convergeBy = 10 * S;
        long worstNs = 0;
        for (long hashSeed = 0; hashSeed < 8; hashSeed++) {
            final long seed = 3 + hashSeed;
            final Dci d = new Dci(FABRIC + ",hash-seed=" + hashSeed, "plb", 1, seed);
            final int[] start = perLink(d);
            long convergedAt = -1;
            while (d.net.nowNs() < convergeBy) {
                d.run(100 * MS);
                if (Arrays.stream(perLink(d)).allMatch(n -> n == 1)) {
                    convergedAt = d.net.nowNs();
                    break;
                }
            }
            final long repaths = repaths(d);
            assertThat(convergedAt).as("hash seed %d: collision-free within %d s (%d re-paths)", hashSeed, convergeBy / S, repaths)
                .isPositive();
            worstNs = Math.max(worstNs, convergedAt);
            // Once apart they stay apart: a flow alone on its link does not look congested.
            final double[] bps = measure(d, 1 * S, 2 * S);
            System.out.printf("plb hash seed %d: flows per link %s at the start, collision-free at %.1f s after %d re-paths; "
                + "then goodput per link %s, %d more re-paths%n", hashSeed, Arrays.toString(start), convergedAt / 1e9, repaths,
                gbps(bps), repaths(d) - repaths);
            assertThat(perLink(d)).as("hash seed %d: still one flow per link", hashSeed).containsOnly(1);
            assertThat(Arrays.stream(bps).sum()).as("hash seed %d: %s", hashSeed, gbps(bps)).isGreaterThan(0.90 * LINKS * LINK_BPS);
            assertThat(d.failures()).isZero();
        }
        System.out.printf("plb: worst convergence %.1f s%n", worstNs / 1e9);
    }

    private static int[] perLink(final Dci d) {
        final int[] perLink = new int[LINKS];
        for (int f = 0; f < 4; f++) {
            perLink[d.linkOf(d.flows.get(f), 0, d.sourceNode(f))]++;
        }
        return perLink;
    }

    private static long repaths(final Dci d) {
        return d.flows.stream().mapToLong(c -> c.stats().sum(PathStats::repaths)).sum();
    }

    /**
     * One flow sprayed over 4 source ports; the link carrying path 0 fails for good mid-transfer.
     * Every message arrives intact and exactly once. {@code spray} declares the path failed and
     * carries on with three; {@code plb} also moves the failed path to a new port, whose probe
     * answers over another link, so all four paths carry data again.
     */
    @Test
    void shouldLoseNothingWhenALinkFailsForGood() {
        for (final String scheduler : new String[] {"spray", "plb"}) {
            final long seed = 5;
            final Dci probe = new Dci(FABRIC, scheduler, 4, seed);
            final int dead = probe.linkOf(probe.flows.get(0), 0, probe.sourceNode(0));
            final Dci d = new Dci(FABRIC + ",fail=" + dead + "@300ms", scheduler, 4, seed);
            final Connection flow = d.flows.get(0);
            final int messages = 40;
            final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            final ByteBuffer[] sent = new ByteBuffer[messages];
            d.net.runUntil(() -> flow.state() == ConnectionState.ESTABLISHED, S);
            for (int m = 0; m < messages; m++) {
                sent[m] = SimTransfer.payload(seed, m, MESSAGE);
                flow.send(d.net.nowNs(), m, sent[m].duplicate());
            }
            d.net.wake(d.a[0]);
            assertThat(d.net.runUntil(() -> d.sinks[2].bytes >= (long) messages * MESSAGE, 30 * S))
                .as("%s: everything delivered despite link %d failing: %s", scheduler, dead, flow.stats()).isTrue();
            assertThat(d.sinks[2].bytes).as("exactly once").isEqualTo((long) messages * MESSAGE);
            assertThat(d.failures()).isZero();
            final ConnectionStats stats = flow.stats();
            System.out.printf("%s, link %d down at 300 ms, done at %.3f s: %s%n", scheduler, dead, d.net.nowNs() / 1e9, stats.pathEvents());
            assertThat(stats.pathEvents()).extracting(e -> e.pathId() + " " + e.kind()).as(scheduler).contains("0 FAILED");
            if (scheduler.equals("plb")) {
                // The transfer may end before the moved path's background probe is answered; give it the time.
                d.net.runFor(2 * S);
                assertThat(flow.stats().pathEvents()).extracting(e -> e.pathId() + " " + e.kind())
                    .containsSubsequence("0 FAILED", "0 REPATHED", "0 REINSTATED");
                assertThat(d.linkOf(flow, 0, d.sourceNode(0))).as("path 0 left the dead link").isNotEqualTo(dead);
                assertThat(flow.stats().paths().get(0).state()).isEqualTo("active");
            } else {
                assertThat(stats.paths().get(0).state()).isEqualTo("failed");
            }
        }
    }

    /**
     * One single-path plb flow whose link fails for good mid-transfer: a connection never declares
     * its only path failed, so plb moves it to a new source port after three probe timeouts in a
     * row (as TCP re-hashes on its retransmission timeouts) until one answers, and everything arrives.
     */
    @Test
    void shouldMoveTheOnlyPathOfAPlbFlowOffAFailedLink() {
        final long seed = 5;
        final Dci probe = new Dci(FABRIC, "plb", 1, seed);
        final int dead = probe.linkOf(probe.flows.get(0), 0, probe.sourceNode(0));
        final Dci d = new Dci(FABRIC + ",fail=" + dead + "@300ms", "plb", 1, seed);
        final Connection flow = d.flows.get(0);
        final int messages = 40;
        d.net.runUntil(() -> flow.state() == ConnectionState.ESTABLISHED, S);
        for (int m = 0; m < messages; m++) {
            flow.send(d.net.nowNs(), m, SimTransfer.payload(seed, m, MESSAGE));
        }
        d.net.wake(d.a[0]);
        assertThat(d.net.runUntil(() -> d.sinks[2].bytes >= (long) messages * MESSAGE, 30 * S))
            .as("everything delivered despite link %d failing: %s", dead, flow.stats()).isTrue();
        assertThat(d.sinks[2].bytes).as("exactly once").isEqualTo((long) messages * MESSAGE);
        assertThat(d.failures()).isZero();
        final ConnectionStats stats = flow.stats();
        System.out.printf("plb, one path, link %d down at 300 ms, done at %.3f s: %s%n", dead, d.net.nowNs() / 1e9, stats.pathEvents());
        assertThat(stats.pathEvents()).extracting(e -> e.pathId() + " " + e.kind()).contains("0 REPATHED").doesNotContain("0 FAILED");
        assertThat(stats.pathEvents().get(0).atNs()).as("moved only after the failure").isGreaterThan(300 * MS);
        assertThat(d.linkOf(flow, 0, d.sourceNode(0))).as("the path left the dead link").isNotEqualTo(dead);
        // The receiver moved its replies to the new port only once that port answered a challenge.
        final Connection receiver = d.b[0].endpoint().connections().stream().filter(c -> c.peerId() == flow.localId())
            .findFirst().orElseThrow();
        assertThat(receiver.stats().pathEvents()).extracting(e -> e.pathId() + " " + e.kind()).contains("0 MIGRATED");
    }
}
