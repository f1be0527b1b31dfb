package io.longhaul.collectives;

import io.longhaul.collectives.fabric.Fabric;
import io.longhaul.collectives.fabric.GroupFabric;
import io.longhaul.collectives.fabric.LocalCluster;
import io.longhaul.collectives.fabric.SimCluster;
import io.longhaul.transport.core.CoreConfig;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sub-communicators ({@link Communicator#group}, {@link GroupFabric}) running next to their parent. */
class GroupCommunicatorTest {
    private static final int COUNT = 70_001;

    /** Rank r's value at element i: small integers, so float sums are exact. */
    private static float value(final int rootRank, final int i, final int salt) {
        return (rootRank + 1) * 10 + (i * 7 + salt) % 13;
    }

    private static ByteBuffer filled(final int rootRank, final int salt) {
        final ByteBuffer b = ByteBuffer.allocateDirect(COUNT * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < COUNT; i++) {
            b.putFloat(i * 4, value(rootRank, i, salt));
        }
        return b;
    }

    /** @return wrong elements of {@code b}, expected to hold the sum over {@code members} of their values. */
    private static long wrong(final ByteBuffer b, final int[] members, final int salt) {
        long wrong = 0;
        for (int i = 0; i < COUNT; i++) {
            float expected = 0;
            for (final int m : members) {
                expected += value(m, i, salt);
            }
            if (b.getFloat(i * 4) != expected) {
                wrong++;
            }
        }
        return wrong;
    }

    /**
     * Starts, on every rank and at the same moment, an all-reduce on the parent and one on the
     * rank's DC group (tag space 1) over the same fabric, twice in a row.
     */
    private static List<CompletableFuture<Void>> start(final List<Communicator> parent, final List<Communicator> groups, final ByteBuffer[] world,
                                                       final ByteBuffer[] local) {
        final List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (int r = 0; r < parent.size(); r++) {
            world[r] = filled(r, 1);
            local[r] = filled(r, 2);
            fs.add(parent.get(r).allReduceAsync(world[r], COUNT, DataType.FLOAT32, ReduceOp.SUM));
            fs.add(groups.get(r).allReduceAsync(local[r], COUNT, DataType.FLOAT32, ReduceOp.SUM));
        }
        return fs;
    }

    private static void check(final Topology topo, final ByteBuffer[] world, final ByteBuffer[] local) {
        final int[] all = new int[topo.size()];
        for (int r = 0; r < all.length; r++) {
            all[r] = r;
        }
        for (int r = 0; r < topo.size(); r++) {
            assertThat(wrong(world[r], all, 1)).as("rank %d, parent all-reduce", r).isZero();
            assertThat(wrong(local[r], topo.ranksIn(topo.dcOf(r)), 2)).as("rank %d, DC group all-reduce", r).isZero();
        }
    }

    @Test
    void shouldAllReduceExactlyInsideEachDcWhileTheParentAllReducesOnTheSimulator() {
        final Topology topo = Topology.parse("2x2");
        final LinkSpec intra = LinkSpec.parse("delay=5us,rate=10gbit");
        final LinkSpec inter = LinkSpec.parse("delay=2ms,rate=1gbit,loss=0.5%");
        try (SimCluster cluster = new SimCluster(topo, intra, inter, 7, new CoreConfig())) {
            final CommunicatorConfig config = new CommunicatorConfig().algorithm(Algorithm.HIER).chunkBytes(32 << 10);
            final List<Communicator> parent = new ArrayList<>();
            final List<Communicator> groups = new ArrayList<>();
            for (int r = 0; r < topo.size(); r++) {
                parent.add(new Communicator(cluster.fabric(r), topo, config));
                groups.add(parent.get(r).dcGroup(1));
            }
            assertThat(groups.get(3).rank()).isEqualTo(1);
            assertThat(groups.get(3).size()).isEqualTo(2);
            assertThat(groups.get(3).topology().dcCount()).isEqualTo(1);
            for (int round = 0; round < 2; round++) {
                final ByteBuffer[] world = new ByteBuffer[topo.size()];
                final ByteBuffer[] local = new ByteBuffer[topo.size()];
                final List<CompletableFuture<Void>> fs = start(parent, groups, world, local);
                assertThat(cluster.await(TimeUnit.SECONDS.toNanos(60), fs.toArray(new CompletableFuture<?>[0])))
                    .as("done in virtual time (seed %d)", cluster.seed()).isTrue();
                fs.forEach(Communicator::await);
                check(topo, world, local);
            }
        }
    }

    @Test
    void shouldAllReduceExactlyOnGroupsAndParentAtOnceInMemory() {
        // DCs interleaved (0,1,0,1): group ranks are renumbered from the parent's.
        final Topology topo = Topology.parse("0,1,0,1");
        try (LocalCluster cluster = new LocalCluster(topo, LocalCluster.DeadlineLoss.NONE)) {
            final CommunicatorConfig config = new CommunicatorConfig().algorithm(Algorithm.RING).chunkBytes(16 << 10);
            final List<Communicator> parent = new ArrayList<>();
            final List<Communicator> groups = new ArrayList<>();
            for (int r = 0; r < topo.size(); r++) {
                parent.add(new Communicator(cluster.fabric(r), topo, config));
                groups.add(parent.get(r).dcGroup(2));
            }
            assertThat(groups.get(2).rank()).isEqualTo(1);
            assertThat(((GroupFabric) groups.get(3).fabric()).members()).containsExactly(1, 3);
            for (int round = 0; round < 3; round++) {
                final ByteBuffer[] world = new ByteBuffer[topo.size()];
                final ByteBuffer[] local = new ByteBuffer[topo.size()];
                start(parent, groups, world, local).forEach(Communicator::await);
                check(topo, world, local);
            }
        }
    }

    @Test
    void shouldKeepAGroupsMessagesApartFromTheParentsWithTheSameTag() {
        try (LocalCluster cluster = new LocalCluster(2)) {
            final Fabric a = cluster.fabric(0);
            final Fabric b = cluster.fabric(1);
            final GroupFabric ga = GroupFabric.of(a, new int[] {1, 0}, 3);
            final GroupFabric gb = GroupFabric.of(b, new int[] {1, 0}, 3);
            assertThat(ga.rank()).isEqualTo(1);
            assertThat(gb.rank()).isEqualTo(0);
            final CompletableFuture<ByteBuffer> parentRecv = b.receive(0, 5);
            final CompletableFuture<ByteBuffer> groupRecv = gb.receive(1, 5);
            ga.send(0, 5, ByteBuffer.wrap(new byte[] {42}));
            assertThat(groupRecv).succeedsWithin(java.time.Duration.ofSeconds(5)).satisfies(m -> assertThat(m.get(m.position())).isEqualTo((byte) 42));
            assertThat(parentRecv).isNotDone();
            a.send(1, 5, ByteBuffer.wrap(new byte[] {7}));
            assertThat(parentRecv).succeedsWithin(java.time.Duration.ofSeconds(5)).satisfies(m -> assertThat(m.get(m.position())).isEqualTo((byte) 7));
        }
    }

    @Test
    void shouldRejectBadGroups() {
        try (LocalCluster cluster = new LocalCluster(3)) {
            final Fabric f = cluster.fabric(0);
            assertThatThrownBy(() -> GroupFabric.of(f, new int[] {0, 1}, 0)).hasMessageContaining("tag space 0 is out of range; accepted: 1 to 3");
            assertThatThrownBy(() -> GroupFabric.of(f, new int[] {0, 1}, 4)).hasMessageContaining("accepted: 1 to 3");
            assertThatThrownBy(() -> GroupFabric.of(f, new int[] {1, 2}, 1)).hasMessageContaining("rank 0 is not a member");
            assertThatThrownBy(() -> GroupFabric.of(f, new int[] {0, 0}, 1)).hasMessageContaining("appears twice");
            assertThatThrownBy(() -> GroupFabric.of(f, new int[] {0, 3}, 1)).hasMessageContaining("not a rank of the parent");
            final GroupFabric g = GroupFabric.of(f, new int[] {2, 0}, 1);
            assertThatThrownBy(() -> GroupFabric.of(g, new int[] {1, 0}, 1)).hasMessageContaining("already the parent group's");
            final GroupFabric nested = GroupFabric.of(g, new int[] {1}, 2);
            assertThat(nested.members()).containsExactly(0);
            assertThat(nested.root()).isSameAs(f);
            assertThatThrownBy(() -> g.send(0, 1 << 30, ByteBuffer.allocate(1))).hasMessageContaining("uses the top 2 bits");
        }
    }
}
