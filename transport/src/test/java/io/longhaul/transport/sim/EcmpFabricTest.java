package io.longhaul.transport.sim;

import io.longhaul.transport.sim.LinkModel.DropReason;
import io.longhaul.transport.sim.LinkModel.Fate;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EcmpFabricTest {
    private static final long US = 1_000L;
    private static final long MS = 1_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int MTU = 1500;
    private static final InetSocketAddress SERVER = new InetSocketAddress("10.0.1.1", 9000);

    private static InetSocketAddress client(final int port) {
        return new InetSocketAddress("10.0.0.1", port);
    }

    /** The hash exactly as its Javadoc states it, written out again. */
    private static int referenceLink(final byte[] src, final int srcPort, final byte[] dst, final int dstPort, final long seed, final int k) {
        long h = 0xcbf29ce484222325L;
        final byte[] bytes = new byte[src.length + dst.length + 4];
        System.arraycopy(src, 0, bytes, 0, src.length);
        bytes[src.length] = (byte) (srcPort >>> 8);
        bytes[src.length + 1] = (byte) srcPort;
        System.arraycopy(dst, 0, bytes, src.length + 2, dst.length);
        bytes[bytes.length - 2] = (byte) (dstPort >>> 8);
        bytes[bytes.length - 1] = (byte) dstPort;
        for (final byte b : bytes) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        h ^= seed;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) Long.remainderUnsigned(h, k);
    }

    @Test
    void shouldHashFourFlowsOntoThePredictedLinks() {
        // Four flows from one host to one server, source ports 50000..50003. With the default hash
        // seed two of them collide on link 3 and link 1 idles; hash seed 3 spreads them one per link.
        final int[] expectedSeed0 = {3, 3, 0, 2};
        final int[] expectedSeed3 = {3, 0, 1, 2};
        final EcmpFabric seed0 = new EcmpFabric(FabricSpec.parse("ecmp=4"), 1, 0);
        final EcmpFabric seed3 = new EcmpFabric(FabricSpec.parse("ecmp=4,hash-seed=3"), 1, 0);
        for (int i = 0; i < 4; i++) {
            assertThat(seed0.linkFor(client(50000 + i), SERVER)).as("flow %d, hash seed 0", i).isEqualTo(expectedSeed0[i]);
            assertThat(seed3.linkFor(client(50000 + i), SERVER)).as("flow %d, hash seed 3", i).isEqualTo(expectedSeed3[i]);
        }
    }

    @Test
    void shouldHashAnIpv4TupleHeldInIntsAsItsFourBytes() {
        final SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 10_000; i++) {
            final int src = random.nextInt();
            final int dst = random.nextInt();
            final int sp = random.nextInt(65536);
            final int dp = random.nextInt(65536);
            final int k = 1 + random.nextInt(FabricSpec.MAX_LINKS);
            final long seed = random.nextLong();
            final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse("ecmp=" + k + ",hash-seed=" + seed), 2, 0);
            final byte[] s = java.nio.ByteBuffer.allocate(4).putInt(src).array();
            final byte[] d = java.nio.ByteBuffer.allocate(4).putInt(dst).array();
            assertThat(fabric.linkForIpv4(src, sp, dst, dp)).as("sample %d (seed 12)", i).isEqualTo(referenceLink(s, sp, d, dp, seed, k));
        }
    }

    @Test
    void shouldCountADatagramOfferedByLinkAndHostAsAFlowsDatagram() {
        final EcmpFabric byFlow = new EcmpFabric(FabricSpec.parse("ecmp=2,rate=10mbit,queue=3000,nic=20mbit"), 2, 0);
        final EcmpFabric byLink = new EcmpFabric(FabricSpec.parse("ecmp=2,rate=10mbit,queue=3000,nic=20mbit"), 2, 0);
        final EcmpFabric.Flow flow = byFlow.flow(1, 3, client(50000), SERVER);
        final int link = byFlow.linkFor(client(50000), SERVER);
        final LinkModel.Fate a = new LinkModel.Fate();
        final LinkModel.Fate b = new LinkModel.Fate();
        for (int i = 0; i < 5; i++) {
            assertThat(byLink.offer(i * US, 1, 3, link, MTU, b)).as("datagram %d", i).isEqualTo(byFlow.offer(i * US, flow, MTU, a));
            assertThat(b.deliverAtNs()).isEqualTo(a.deliverAtNs());
        }
        assertThat(byLink.counters().links()).isEqualTo(byFlow.counters().links());
        assertThat(byLink.counters().nics()).isEqualTo(byFlow.counters().nics());
        assertThatThrownBy(() -> byLink.offer(0, 2, 0, 0, MTU, b)).hasMessageContaining("direction 0 to 1, link 0 to 1");
    }

    @Test
    void shouldComputeTheHashItsJavadocDocuments() {
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 10_000; i++) {
            final byte[] src = new byte[random.nextBoolean() ? 4 : 16];
            final byte[] dst = new byte[src.length];
            random.nextBytes(src);
            random.nextBytes(dst);
            final int sp = random.nextInt(65536);
            final int dp = random.nextInt(65536);
            final long seed = random.nextLong();
            final int k = 1 + random.nextInt(FabricSpec.MAX_LINKS);
            assertThat(EcmpFabric.linkFor(src, sp, dst, dp, seed, k)).as("sample %d (seed 11)", i)
                .isEqualTo(referenceLink(src, sp, dst, dp, seed, k));
        }
        // A simulated node's address is its index, 4 bytes big-endian.
        final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse("ecmp=8,hash-seed=5"), 2, 0);
        assertThat(fabric.linkFor(new SimAddress(2, 1024), new SimAddress(7, 0)))
            .isEqualTo(referenceLink(new byte[] {0, 0, 0, 2}, 1024, new byte[] {0, 0, 0, 7}, 0, 5, 8));
        assertThat(fabric.linkFor(2, new SimRoute(new SimAddress(7, 0), 1024)))
            .isEqualTo(fabric.linkFor(new SimAddress(2, 1024), new SimAddress(7, 0)));
    }

    @Test
    void shouldSpreadManyFlowsEvenlyAndDependOnTheHashSeed() {
        final EcmpFabric a = new EcmpFabric(FabricSpec.parse("ecmp=4"), 1, 0);
        final EcmpFabric b = new EcmpFabric(FabricSpec.parse("ecmp=4"), 1, 0);
        final EcmpFabric other = new EcmpFabric(FabricSpec.parse("ecmp=4,hash-seed=1"), 1, 0);
        final int[] counts = new int[4];
        int moved = 0;
        for (int port = 1024; port < 1024 + 4096; port++) {
            final int link = a.linkFor(client(port), SERVER);
            assertThat(b.linkFor(client(port), SERVER)).isEqualTo(link);
            counts[link]++;
            if (other.linkFor(client(port), SERVER) != link) {
                moved++;
            }
        }
        for (final int c : counts) {
            // 4096 flows, 1024 expected per link; 5 standard deviations are ±139.
            assertThat(c).isBetween(1024 - 139, 1024 + 139);
        }
        // Another hash seed re-deals about 3/4 of the flows.
        assertThat(moved).isBetween(2800, 3350);
    }

    @Test
    void shouldDropExactlyTheFlowsPinnedToAFailedLinkDuringTheFailure() {
        final FabricSpec spec = FabricSpec.parse("ecmp=4,delay=1ms,fail=2@100ms+50ms");
        final EcmpFabric fabric = new EcmpFabric(spec, 2, 0);
        final List<EcmpFabric.Flow> flows = new ArrayList<>();
        for (int port = 0; port < 16; port++) {
            flows.add(fabric.flow(0, new SimAddress(0, port), new SimAddress(1, 0)));
            flows.add(fabric.flow(1, new SimAddress(1, 0), new SimAddress(0, port)));
        }
        assertThat(flows).extracting(EcmpFabric.Flow::link).contains(2);
        final Fate fate = new Fate();
        long expectedDrops = 0;
        for (long t = 0; t < 300 * MS; t += 500 * US) {
            for (final EcmpFabric.Flow flow : flows) {
                final boolean down = flow.link() == 2 && t >= 100 * MS && t < 150 * MS;
                final boolean delivered = fabric.offer(t, flow, MTU, fate);
                assertThat(delivered).as("flow %s at %d ns", flow, t).isEqualTo(!down);
                if (down) {
                    assertThat(fate.dropReason()).isEqualTo(DropReason.LINK_DOWN);
                    expectedDrops++;
                } else {
                    assertThat(fate.deliverAtNs()).isEqualTo(t + MS);
                }
            }
        }
        final EcmpFabric.Counters counters = fabric.counters();
        assertThat(counters.link(0, 2).failureDrops() + counters.link(1, 2).failureDrops()).isEqualTo(expectedDrops);
        for (final EcmpFabric.LinkCounters c : counters.links()) {
            if (c.link() != 2) {
                assertThat(c.failureDrops()).as("link %d direction %d", c.link(), c.direction()).isZero();
            }
        }
    }

    @Test
    void shouldChangeTheLossRateFromTheDegradationsTime() {
        final long seed = 21;
        final FabricSpec spec = FabricSpec.parse("ecmp=2,delay=2ms,seed=" + seed + ",degrade=1@1s:loss=20%:delay=5ms");
        final EcmpFabric fabric = new EcmpFabric(spec, 1, 0);
        final EcmpFabric.Flow[] onLink = new EcmpFabric.Flow[2];
        for (int port = 1024; onLink[0] == null || onLink[1] == null; port++) {
            final EcmpFabric.Flow f = fabric.flow(0, 0, client(port), SERVER);
            onLink[f.link()] = f;
        }
        final Fate fate = new Fate();
        final long[] lostBefore = new long[2];
        final long[] lostAfter = new long[2];
        final int perPhase = 20_000;
        for (int i = 0; i < 2 * perPhase; i++) {
            final long t = i * 50 * US;   // 0 to 2 s
            for (int l = 0; l < 2; l++) {
                if (!fabric.offer(t, onLink[l], MTU, fate)) {
                    assertThat(fate.dropReason()).isEqualTo(DropReason.LOSS);
                    (t < S ? lostBefore : lostAfter)[l]++;
                } else {
                    assertThat(fate.deliverAtNs() - t).as("delay on link %d at %d ns", l, t).isEqualTo(l == 1 && t >= S ? 5 * MS : 2 * MS);
                }
            }
        }
        assertThat(lostBefore).as("seed %d", seed).containsExactly(0, 0);
        assertThat(lostAfter[0]).as("seed %d", seed).isZero();
        // 20% of 20000: 4000 ± 5 standard deviations (283).
        assertThat(lostAfter[1]).as("seed %d", seed).isBetween(4000L - 283, 4000L + 283);
        assertThat(fabric.counters().link(0, 1).lossDrops()).isEqualTo(lostAfter[1]);
    }

    @Test
    void shouldKeepTheQueueOfADegradedLink() {
        // 8 Mbit/s: one byte per microsecond. Ten 1000-byte datagrams at 0 keep the link busy to 10 ms;
        // at 1 ms its delay becomes 5 ms. A datagram offered at 2 ms waits for the backlog.
        final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse("ecmp=1,rate=8mbit,queue=1M,degrade=0@1ms:delay=5ms"), 1, 0);
        final EcmpFabric.Flow flow = fabric.flow(0, 0, client(1), SERVER);
        final Fate fate = new Fate();
        for (int i = 1; i <= 10; i++) {
            assertThat(fabric.offer(0, flow, 1000, fate)).isTrue();
            assertThat(fate.deliverAtNs()).isEqualTo(i * MS);
        }
        assertThat(fabric.offer(2 * MS, flow, 1000, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isEqualTo(11 * MS + 5 * MS);
        assertThat(fabric.linkModel(0, 0).spec().delayNs()).isEqualTo(5 * MS);
        assertThat(fabric.linkModel(0, 0).queuedBytes(2 * MS)).isEqualTo(9000);
    }

    @Test
    void shouldCapAHostsFlowsOnDifferentLinksAtItsNicRate() {
        // Two links of 100 Mbit/s, a NIC of 100 Mbit/s: two flows of one host on different links,
        // each offered at 100 Mbit/s, together get no more than the NIC's 100 Mbit/s.
        final long rate = 100_000_000L;
        final long seconds = 1;
        for (final String nic : new String[] {",nic=100mbit", ""}) {
            final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse("ecmp=2,rate=100mbit,delay=1ms" + nic), 1, 0);
            final EcmpFabric.Flow[] onLink = new EcmpFabric.Flow[2];
            for (int port = 1024; onLink[0] == null || onLink[1] == null; port++) {
                final EcmpFabric.Flow f = fabric.flow(0, 0, client(port), SERVER);
                onLink[f.link()] = f;
            }
            final Fate fate = new Fate();
            final int size = 1250;                      // 100 us at 100 Mbit/s
            final long endNs = seconds * S;
            final long[] bytes = new long[2];
            for (long t = 0; t < endNs; t += 100 * US) {
                for (int l = 0; l < 2; l++) {
                    if (fabric.offer(t, onLink[l], size, fate) && fate.deliverAtNs() <= endNs) {
                        bytes[l] += size;
                    }
                }
            }
            final double totalBitsPerSecond = (bytes[0] + bytes[1]) * 8.0 / seconds;
            if (nic.isEmpty()) {
                assertThat(totalBitsPerSecond).as("without a NIC, both links at their rate").isGreaterThan(1.95 * rate);
            } else {
                assertThat(totalBitsPerSecond).as("two links behind one NIC").isLessThanOrEqualTo(rate).isGreaterThan(0.95 * rate);
                assertThat(bytes[0]).as("link 0 carried data").isGreaterThan(0);
                assertThat(bytes[1]).as("link 1 carried data").isGreaterThan(0);
                final EcmpFabric.Counters c = fabric.counters();
                assertThat(c.nics()).hasSize(1);
                assertThat(c.nics().get(0).drops()).as("the NIC queue overflowed").isPositive();
            }
        }
    }

    @Test
    void shouldMakeCountersAddUpAndAgreeWithTheFates() {
        final long seed = 3;
        final FabricSpec spec = FabricSpec.parse("ecmp=4,rate=50mbit/100mbit/100mbit/100mbit,delay=1ms,queue=30K,loss=1%,dup=1%,corrupt=1%,"
            + "nic=150mbit,nic-queue=64K,seed=" + seed + ",fail=1@200ms+100ms,degrade=3@100ms:loss=10%");
        final EcmpFabric fabric = new EcmpFabric(spec, 2, 0);
        final SplittableRandom random = new SplittableRandom(seed);
        final List<EcmpFabric.Flow> flows = new ArrayList<>();
        final int firstPeer = 4 + random.nextInt(4);
        for (int host = 0; host < 4; host++) {
            for (int port = 0; port < 4; port++) {
                final int peer = host == 0 && port == 0 ? firstPeer : 4 + random.nextInt(4);
                flows.add(fabric.flow(0, new SimAddress(host, port), new SimAddress(peer, port)));
                flows.add(fabric.flow(1, new SimAddress(peer, port), new SimAddress(host, port)));
            }
        }
        // A flow is made once: asking again gives the same handle.
        assertThat(fabric.flow(0, new SimAddress(0, 0), new SimAddress(firstPeer, 0))).isSameAs(flows.get(0));
        final Fate fate = new Fate();
        final long[] byReason = new long[DropReason.values().length];
        long delivered = 0;
        long offered = 0;
        long t = 0;
        for (int i = 0; i < 200_000; i++) {
            t += random.nextInt(4_000);
            final EcmpFabric.Flow flow = flows.get(random.nextInt(flows.size()));
            offered++;
            if (fabric.offer(t, flow, 64 + random.nextInt(MTU - 64), fate)) {
                delivered++;
            } else {
                byReason[fate.dropReason().ordinal()]++;
            }
        }
        final EcmpFabric.Counters c = fabric.counters();
        assertThat(c.offered()).as("seed %d", seed).isEqualTo(offered);
        assertThat(c.delivered()).isEqualTo(delivered);
        assertThat(c.offered()).isEqualTo(c.delivered() + c.drops());
        for (final EcmpFabric.LinkCounters l : c.links()) {
            assertThat(l.offered()).as("link %s", l).isEqualTo(l.delivered() + l.drops());
        }
        final long nicDrops = c.nics().stream().mapToLong(EcmpFabric.NicCounters::drops).sum();
        final long queueDrops = c.links().stream().mapToLong(EcmpFabric.LinkCounters::queueDrops).sum();
        final long lossDrops = c.links().stream().mapToLong(EcmpFabric.LinkCounters::lossDrops).sum();
        final long failureDrops = c.links().stream().mapToLong(EcmpFabric.LinkCounters::failureDrops).sum();
        assertThat(byReason[DropReason.QUEUE_FULL.ordinal()]).isEqualTo(nicDrops + queueDrops);
        assertThat(byReason[DropReason.LOSS.ordinal()]).isEqualTo(lossDrops);
        assertThat(byReason[DropReason.LINK_DOWN.ordinal()]).isEqualTo(failureDrops);
        assertThat(List.of(nicDrops, queueDrops, lossDrops, failureDrops)).as("every kind of drop happened, seed %d", seed)
            .allMatch(v -> v > 0);
        assertThat(c.links()).hasSize(8);
        assertThat(c.flows()).hasSize(flows.size());
        for (int i = 0; i < flows.size(); i++) {
            assertThat(c.flows().get(i).link()).isEqualTo(flows.get(i).link());
            assertThat(c.flows().get(i).source()).isEqualTo(flows.get(i).source());
        }
    }

    @Test
    void shouldReplayExactlyFromTheSameSpecAndOffers() {
        final FabricSpec spec = FabricSpec.parse("ecmp=3,rate=100mbit,delay=1ms,jitter=100us,loss=2%,reorder=1%,nic=200mbit,seed=8");
        final List<Long> first = run(spec);
        assertThat(run(spec)).isEqualTo(first);
        assertThat(run(spec.withSeed(9))).isNotEqualTo(first);
    }

    private static List<Long> run(final FabricSpec spec) {
        final EcmpFabric fabric = new EcmpFabric(spec, 1, 0);
        final EcmpFabric.Flow[] flows = new EcmpFabric.Flow[6];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = fabric.flow(0, i % 2, new InetSocketAddress("10.0.0." + (1 + i % 2), 4000 + i), SERVER);
        }
        final Fate fate = new Fate();
        final List<Long> out = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            out.add(fabric.offer(i * 20 * US, flows[i % flows.length], MTU, fate) ? fate.deliverAtNs() : -fate.dropReason().ordinal());
        }
        return out;
    }

    @Test
    void shouldKeepEachLinksTimeMonotonicWhenOffersComeOutOfOrder() {
        // Two hosts behind NICs share a link: host 0's NIC is backlogged, so its datagram reaches the
        // link late; host 1's datagram, offered after it, must not reach the link before it.
        final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse("ecmp=1,rate=1gbit,nic=8mbit"), 1, 0);
        final EcmpFabric.Flow busy = fabric.flow(0, 0, client(1), SERVER);
        final EcmpFabric.Flow idle = fabric.flow(0, 1, new InetSocketAddress("10.0.0.2", 1), SERVER);
        final Fate fate = new Fate();
        for (int i = 0; i < 5; i++) {
            assertThat(fabric.offer(0, busy, 1000, fate)).isTrue();
        }
        final long busyDelivery = fate.deliverAtNs();
        assertThat(busyDelivery).isEqualTo(5 * MS + 8 * US);   // NIC: 1 ms each; link: 8 us
        assertThat(fabric.offer(100 * US, idle, 1000, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isGreaterThanOrEqualTo(busyDelivery);
        // An offer earlier than the last one (a late simulated host) is treated as at that time.
        assertThat(fabric.offer(50 * US, idle, 1000, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isGreaterThan(busyDelivery);
    }

    @Test
    void shouldNotAllocatePerDatagram() {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final EcmpFabric fabric = new EcmpFabric(FabricSpec.parse(
            "ecmp=4,rate=1gbit,delay=1ms,loss=1%,jitter=10us,queue=100p,nic=2gbit,fail=1@10ms+10ms,degrade=2@30ms:loss=5%"), 1, 0);
        final EcmpFabric.Flow[] flows = new EcmpFabric.Flow[8];
        for (int i = 0; i < flows.length; i++) {
            flows[i] = fabric.flow(0, 0, client(2000 + i), SERVER);
        }
        final Fate fate = new Fate();
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {   // warm up: JIT, lazily created state
            sink += fabric.offer(i * 500L, flows[i & 7], MTU, fate) ? 1 : 0;
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 200_000; i < 400_000; i++) {
            sink += fabric.offer(i * 500L, flows[i & 7], MTU, fate) ? 1 : 0;
        }
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(sink).isPositive();
        assertThat(allocated).as("bytes allocated by 200000 offers").isLessThan(64 * 1024);
    }

    @Test
    void shouldRejectForeignFlowsAndBadArguments() {
        final EcmpFabric a = new EcmpFabric(FabricSpec.parse("ecmp=2"), 1, 0);
        final EcmpFabric b = new EcmpFabric(FabricSpec.parse("ecmp=2"), 1, 0);
        final EcmpFabric.Flow flow = b.flow(0, 0, client(1), SERVER);
        assertThatThrownBy(() -> a.offer(0, flow, 100, new Fate())).hasMessageContaining("belongs to another fabric");
        assertThatThrownBy(() -> a.flow(1, 0, client(1), SERVER)).hasMessage("direction: 1 is out of range; accepted: 0 to 0");
        assertThatThrownBy(() -> new EcmpFabric(FabricSpec.parse("ecmp=2"), 3, 0)).hasMessageContaining("directions: 3 is out of range");
        assertThatThrownBy(() -> b.offer(0, flow, -1, new Fate())).hasMessageContaining("lengthBytes: -1 is out of range");
    }
}
