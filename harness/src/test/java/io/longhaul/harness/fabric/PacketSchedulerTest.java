package io.longhaul.harness.fabric;

import io.longhaul.transport.sim.EcmpFabric;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PacketSchedulerTest {
    private static final long MS = 1_000_000L;

    /** Three hosts: 0 and 1 in DC 0, 2 in DC 1. */
    private static FabricTopology topology(final String inter, final String intra) {
        return new FabricTopology("lhf", 3, 2, LinkSpec.parse(inter), LinkSpec.parse(intra));
    }

    /** Writes a minimal IPv4 header of {@code length} bytes from host src to host dst into a fresh slot. */
    private static int packet(final PacketScheduler s, final int src, final int dst, final int length, final int marker) {
        final int slot = s.acquire();
        final ByteBuffer b = s.slab();
        final int base = (int) PacketScheduler.offset(slot);
        for (int i = 0; i < length; i++) {
            b.put(base + i, (byte) 0);
        }
        b.put(base, (byte) 0x45);
        b.putShort(base + 2, (short) length);
        b.putInt(base + 12, s.topology().addressOf(src));
        b.putInt(base + 16, s.topology().addressOf(dst));
        b.putInt(base + 20, marker);
        return slot;
    }

    private static List<long[]> drain(final PacketScheduler s, final long untilNs) {
        final List<long[]> out = new ArrayList<>();
        int slot;
        while ((slot = s.pollDue(untilNs)) >= 0) {
            out.add(new long[] {s.lastDueNs(), s.destination(slot), s.slab().getInt((int) PacketScheduler.offset(slot) + 20)});
            s.release(slot);
        }
        return out;
    }

    @Test
    void shouldDelayInterDcPacketsByTheLinkDelayAndIntraDcPacketsByTheIntraDelay() {
        final PacketScheduler s = new PacketScheduler(topology("delay=5ms", "delay=50us"), 64);
        assertThat(s.submit(1_000, 0, packet(s, 0, 2, 100, 1), 100)).isTrue();
        assertThat(s.submit(2_000, 0, packet(s, 0, 1, 100, 2), 100)).isTrue();
        assertThat(s.nextDeadlineNs()).isEqualTo(2_000 + 50_000);
        final List<long[]> got = drain(s, Long.MAX_VALUE / 2);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).containsExactly(52_000, 1, 2);
        assertThat(got.get(1)).containsExactly(1_000 + 5 * MS, 2, 1);
        assertThat(s.slotsInUse()).isZero();
    }

    @Test
    void shouldReleaseNothingBeforeItIsDue() {
        final PacketScheduler s = new PacketScheduler(topology("delay=5ms", "none"), 64);
        s.submit(0, 2, packet(s, 2, 0, 60, 7), 60);
        assertThat(s.pollDue(5 * MS - 1)).isEqualTo(-1);
        assertThat(drain(s, 5 * MS)).hasSize(1);
    }

    @Test
    void shouldSerializeAtTheLinkRateAndKeepEqualDeadlinesInArrivalOrder() {
        // 1500 bytes at 12 Mbit/s take exactly 1 ms each.
        final PacketScheduler s = new PacketScheduler(topology("rate=12mbit,queue=100p", "none"), 64);
        for (int i = 0; i < 10; i++) {
            s.submit(0, 0, packet(s, 0, 2, 1500, i), 1500);
        }
        // No delay on the intra link: all ten are due at once and must come out in order.
        for (int i = 0; i < 10; i++) {
            s.submit(0, 0, packet(s, 0, 1, 60, 100 + i), 60);
        }
        final List<long[]> got = drain(s, Long.MAX_VALUE / 2);
        assertThat(got).hasSize(20);
        for (int i = 0; i < 10; i++) {
            assertThat(got.get(i)[2]).isEqualTo(100 + i);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(got.get(10 + i)[0]).isEqualTo((i + 1) * MS);
            assertThat(got.get(10 + i)[2]).isEqualTo(i);
        }
    }

    @Test
    void shouldDropAndCountLossQueueOverflowAndForeignPackets() {
        final PacketScheduler s = new PacketScheduler(topology("loss=10%", "rate=12mbit,queue=3000"), 256);
        int delivered = 0;
        for (int i = 0; i < 20_000; i++) {
            if (s.submit(i, 0, packet(s, 0, 2, 100, i), 100)) {
                delivered++;
            }
            drain(s, i);
        }
        assertThat(s.link(0, 2).droppedByLoss()).isEqualTo(20_000 - delivered);
        assertThat((double) s.link(0, 2).droppedByLoss() / 20_000).isBetween(0.09, 0.11);
        // A queue of 3000 bytes holds two 1500-byte packets: the third offered at once is tail-dropped.
        for (int i = 0; i < 3; i++) {
            s.submit(30_000, 1, packet(s, 1, 0, 1500, i), 1500);
        }
        assertThat(s.link(1, 0).droppedByQueue()).isEqualTo(1);
        final int notIp = s.acquire();
        s.slab().put((int) PacketScheduler.offset(notIp), (byte) 0x60);
        assertThat(s.submit(30_000, 0, notIp, 40)).isFalse();
        assertThat(s.submit(30_000, 0, packet(s, 0, 0, 40, 0), 40)).isFalse();
        final int outside = packet(s, 0, 1, 40, 0);
        s.slab().putInt((int) PacketScheduler.offset(outside) + 16, 0x0A4E0000 + 999);
        assertThat(s.submit(30_000, 0, outside, 40)).isFalse();
        assertThat(s.droppedNotIpv4()).isEqualTo(1);
        assertThat(s.droppedNoRoute()).isEqualTo(2);
        drain(s, Long.MAX_VALUE / 2);
        assertThat(s.slotsInUse()).isZero();
    }

    @Test
    void shouldDeliverDuplicatesAsSecondCopiesAndFlipOneBitOfCorruptedPackets() {
        final PacketScheduler s = new PacketScheduler(topology("dup=100%,corrupt=100%", "none"), 64);
        s.submit(0, 0, packet(s, 0, 2, 200, 42), 200);
        assertThat(s.slotsInUse()).isEqualTo(2);
        int slot;
        int differing = 0;
        final List<byte[]> copies = new ArrayList<>();
        while ((slot = s.pollDue(Long.MAX_VALUE / 2)) >= 0) {
            final byte[] bytes = new byte[s.length(slot)];
            s.slab().get((int) PacketScheduler.offset(slot), bytes);
            copies.add(bytes);
            s.release(slot);
        }
        assertThat(copies).hasSize(2);
        for (int i = 0; i < 200; i++) {
            final int x = (copies.get(0)[i] ^ copies.get(1)[i]) & 0xFF;
            if (x != 0) {
                differing++;
                assertThat(Integer.bitCount(x)).isEqualTo(1);
            }
        }
        assertThat(differing).isEqualTo(1);
        assertThat(s.link(0, 2).duplicated()).isEqualTo(1);
        assertThat(s.link(0, 2).corrupted()).isEqualTo(1);
    }

    @Test
    void shouldCountPacketsDroppedForWantOfBuffers() {
        final PacketScheduler s = new PacketScheduler(topology("delay=1s", "none"), PacketScheduler.MIN_SLOTS);
        for (int i = 0; i < PacketScheduler.MIN_SLOTS; i++) {
            s.submit(i, 0, packet(s, 0, 2, 60, i), 60);
        }
        assertThat(s.acquire()).isEqualTo(-1);
        s.dropPoolFull(60);
        assertThat(s.droppedPoolFull()).isEqualTo(1);
        assertThat(s.packetsIn()).isEqualTo(PacketScheduler.MIN_SLOTS + 1);
    }

    @Test
    void shouldGiveEachLinkItsOwnRandomStream() {
        final PacketScheduler s = new PacketScheduler(topology("loss=50%", "loss=50%"), 64);
        final StringBuilder a = new StringBuilder();
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            a.append(s.submit(i, 0, packet(s, 0, 2, 60, i), 60) ? '1' : '0');
            b.append(s.submit(i, 1, packet(s, 1, 2, 60, i), 60) ? '1' : '0');
            drain(s, i);
        }
        assertThat(a.toString()).isNotEqualTo(b.toString());
    }

    @Test
    void shouldRejectABufferCountOutOfRange() {
        assertThatThrownBy(() -> new PacketScheduler(topology("none", "none"), 10))
            .hasMessageContaining("--buffers: 10 is out of range; accepted: 64 to");
    }

    /** A UDP (17) or TCP (6) packet from host src:srcPort to host dst:dstPort in a fresh slot. */
    private static int transportPacket(final PacketScheduler s, final int protocol, final int src, final int srcPort, final int dst,
                                       final int dstPort, final int length) {
        final int slot = packet(s, src, dst, length, 0);
        final ByteBuffer b = s.slab();
        final int base = (int) PacketScheduler.offset(slot);
        b.put(base + 9, (byte) protocol);
        b.putShort(base + 20, (short) srcPort);
        b.putShort(base + 22, (short) dstPort);
        return slot;
    }

    private static byte[] ip(final FabricTopology t, final int host) {
        return ByteBuffer.allocate(4).putInt(t.addressOf(host)).array();
    }

    @Test
    void shouldHashEveryInterDcFiveTupleOntoOneLinkOfTheDcPairsSharedEcmpGroup() {
        final FabricTopology t = new FabricTopology("lhf", 3, 2, FabricSpec.parse("ecmp=4,delay=1ms,hash-seed=7"), LinkSpec.parse("none"));
        final PacketScheduler s = new PacketScheduler(t, 256);
        final long[] expected = new long[8];
        for (int port = 50000; port < 50016; port++) {
            // Hosts 0 and 1 (DC 0) to host 2 (DC 1), UDP and TCP, and host 2's replies: direction 1.
            final int src = port % 2;
            final int protocol = port % 3 == 0 ? 6 : 17;
            assertThat(s.submit(0, src, transportPacket(s, protocol, src, port, 2, 9000, 200), 200)).isTrue();
            expected[EcmpFabric.linkFor(ip(t, src), port, ip(t, 2), 9000, 7, 4)]++;
            assertThat(s.submit(0, 2, transportPacket(s, protocol, 2, 9000, src, port, 100), 100)).isTrue();
            expected[4 + EcmpFabric.linkFor(ip(t, 2), 9000, ip(t, src), port, 7, 4)]++;
        }
        // ICMP has no ports: the tuple is the two addresses with ports 0.
        assertThat(s.submit(0, 0, packet(s, 0, 2, 84, 0), 84)).isTrue();
        expected[EcmpFabric.linkFor(ip(t, 0), 0, ip(t, 2), 0, 7, 4)]++;
        // Inside a DC the group is not crossed.
        assertThat(s.submit(0, 0, transportPacket(s, 17, 0, 1, 1, 2, 100), 100)).isTrue();
        final EcmpFabric group = s.group(1, 0);
        assertThat(group).isSameAs(s.group(0, 1));
        final long[] offered = new long[8];
        for (final EcmpFabric.LinkCounters c : group.counters().links()) {
            offered[c.direction() * 4 + c.link()] = c.offered();
        }
        assertThat(offered).as("per direction and link, hash seed 7").containsExactly(expected);
        assertThat(java.util.Arrays.stream(expected, 0, 4).filter(n -> n > 0).count()).as("16 flows spread over several links").isGreaterThan(1);
        assertThat(drain(s, 2 * MS)).hasSize(34);
        assertThat(s.linkBytesDelivered(0, 2) + s.linkBytesDelivered(1, 2)).isEqualTo(16 * 200 + 84);
    }

    @Test
    void shouldBlackholeOnlyTheFlowsOnAFailedLinkAndCapEachHostAtItsNic() {
        final String spec = "ecmp=2,rate=100mbit,queue=100p,nic=100mbit,nic-queue=10p,fail=0@0s+1s";
        final FabricTopology t = new FabricTopology("lhf", 3, 2, FabricSpec.parse(spec), LinkSpec.parse("none"));
        final PacketScheduler s = new PacketScheduler(t, 1024, 5 * MS);
        int onZero = -1;
        int onOne = -1;
        for (int port = 40000; onZero < 0 || onOne < 0; port++) {
            final int link = EcmpFabric.linkFor(ip(t, 0), port, ip(t, 2), 9000, 0, 2);
            if (link == 0 && onZero < 0) {
                onZero = port;
            } else if (link == 1 && onOne < 0) {
                onOne = port;
            }
        }
        // The failure counts from the scheduler's start (5 ms): link 0 is down until 1.005 s.
        assertThat(s.submit(10 * MS, 0, transportPacket(s, 17, 0, onZero, 2, 9000, 1000), 1000)).isFalse();
        assertThat(s.submit(10 * MS, 0, transportPacket(s, 17, 0, onOne, 2, 9000, 1000), 1000)).isTrue();
        assertThat(s.submit(1_006 * MS, 0, transportPacket(s, 17, 0, onZero, 2, 9000, 1000), 1000)).as("link 0 is back").isTrue();
        final EcmpFabric.Counters c = s.group(0, 1).counters();
        assertThat(c.link(0, 0).failureDrops()).isEqualTo(1);
        assertThat(c.link(0, 1).failureDrops()).isZero();
        // A burst of 40 at one instant: host 0's NIC queue holds 10 packets, whatever links they hash to.
        int accepted = 0;
        for (int i = 0; i < 40; i++) {
            accepted += s.submit(2_000 * MS, 0, transportPacket(s, 17, 0, i % 2 == 0 ? onZero : onOne, 2, 9000, 1000), 1000) ? 1 : 0;
        }
        assertThat(accepted).as("the NIC's queue, not the two links', bounds the burst").isBetween(10, 11);
        final long dropped = 40 - accepted;
        assertThat(s.group(0, 1).counters().nics()).singleElement().satisfies(n -> assertThat(n.drops()).isEqualTo(dropped));
    }
}
