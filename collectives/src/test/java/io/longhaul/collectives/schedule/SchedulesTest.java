package io.longhaul.collectives.schedule;

import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveSpec;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.Topology;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchedulesTest {
    private static CollectiveSpec allReduce(final int count) {
        return new CollectiveSpec(Collective.ALL_REDUCE, DataType.FLOAT32, ReduceOp.SUM, count, -1, false);
    }

    @Test
    void ringAllReduceShouldSendTwoTimesNMinusOneMessagesOfOneSegmentEach() {
        for (int n = 2; n <= 8; n++) {
            for (int r = 0; r < n; r++) {
                final Schedule s = Schedules.compile(allReduce(n * 100), r, Topology.flat(n), Algorithm.RING, Integer.MAX_VALUE);
                assertThat(s.count(Step.Kind.SEND)).isEqualTo(2 * (n - 1));
                assertThat(s.count(Step.Kind.RECV)).isEqualTo(2 * (n - 1));
                assertThat(s.elementsSent()).isEqualTo(2L * (n - 1) * 100);
                for (final Step step : s.steps()) {
                    if (step.kind() == Step.Kind.SEND) {
                        assertThat(step.peer()).isEqualTo((r + 1) % n);
                    }
                }
            }
        }
    }

    @Test
    void ringShouldCutSegmentsIntoChunksThatOverlap() {
        final Schedule s = Schedules.compile(allReduce(4 * 1000), 1, Topology.flat(4), Algorithm.RING, 250);
        assertThat(s.count(Step.Kind.SEND)).isEqualTo(2 * 3 * 4);
        // Several first-round chunks can go at once: they depend only on the initial copy.
        int firstRoundSendsReady = 0;
        for (final Step step : s.steps()) {
            if (step.kind() == Step.Kind.SEND && step.deps().length == 1 && s.step(step.deps()[0]).kind() == Step.Kind.COPY) {
                firstRoundSendsReady++;
            }
        }
        assertThat(firstRoundSendsReady).isEqualTo(4);
    }

    @Test
    void rhdShouldUseTwoLogPStepsAndFoldExtraRanks() {
        for (final int n : new int[] {2, 4, 8}) {
            final int log = Integer.numberOfTrailingZeros(n);
            final Schedule s = Schedules.compile(allReduce(n * 16), 0, Topology.flat(n), Algorithm.RHD, Integer.MAX_VALUE);
            assertThat(s.count(Step.Kind.SEND)).isEqualTo(2 * log);
            assertThat(s.elementsSent()).isEqualTo(2L * (n - 1) * 16);
        }
        // 6 ranks: p = 4, ranks 0..3 fold pairwise; rank 0 only sends its vector and receives the result.
        final Schedule extra = Schedules.compile(allReduce(600), 0, Topology.flat(6), Algorithm.RHD, Integer.MAX_VALUE);
        assertThat(extra.count(Step.Kind.SEND)).isEqualTo(1);
        assertThat(extra.count(Step.Kind.RECV)).isEqualTo(1);
        final Schedule folded = Schedules.compile(allReduce(600), 1, Topology.flat(6), Algorithm.RHD, Integer.MAX_VALUE);
        assertThat(folded.count(Step.Kind.SEND)).isEqualTo(2 * 2 + 1);
    }

    @Test
    void treeShouldSendEachRanksVectorUpOnceAndDownToItsChildren() {
        final int n = 8;
        int totalSends = 0;
        for (int r = 0; r < n; r++) {
            totalSends += Schedules.compile(allReduce(10), r, Topology.flat(n), Algorithm.TREE, Integer.MAX_VALUE).count(Step.Kind.SEND);
        }
        assertThat(totalSends).isEqualTo(2 * (n - 1));
        assertThat(Schedules.compile(allReduce(10), 0, Topology.flat(n), Algorithm.TREE, Integer.MAX_VALUE).count(Step.Kind.RECV))
            .isEqualTo(3);
    }

    @Test
    void hierShouldSendOnlyOneShardAcrossDataCenters() {
        final Topology t = Topology.parse("2x4");
        final int count = 4000;
        for (int r = 0; r < 8; r++) {
            final Schedule s = Schedules.compile(allReduce(count), r, t, Algorithm.HIER, Integer.MAX_VALUE);
            long crossDc = 0;
            for (final Step step : s.steps()) {
                if (step.kind() == Step.Kind.SEND && t.dcOf(step.peer()) != t.dcOf(r)) {
                    crossDc += step.count();
                }
            }
            // Ring all-reduce of a 1000-element shard between 2 DCs: 2 * (2 - 1) / 2 of the shard.
            assertThat(crossDc).as("rank %d", r).isEqualTo(1000);
        }
    }

    @Test
    void everySendShouldMatchOneReceiveOfTheSameSizeOnThePeer() {
        final List<String> failures = new ArrayList<>();
        for (int n = 1; n <= 8; n++) {
            final List<Topology> topologies = new ArrayList<>(List.of(Topology.flat(n)));
            if (n >= 3) {
                final int[] map = new int[n];
                for (int r = 0; r < n; r++) {
                    map[r] = r % 2;
                }
                topologies.add(Topology.of(map));
            }
            for (final Topology topo : topologies) {
                for (final Collective c : Collective.values()) {
                    for (final Algorithm a : Algorithm.values()) {
                        for (final int count : new int[] {0, 1, n + 1, 1000}) {
                            final CollectiveSpec spec = new CollectiveSpec(c, DataType.FLOAT32, ReduceOp.SUM,
                                c == Collective.BARRIER ? 0 : count, c == Collective.BROADCAST ? n - 1 : -1, false);
                            final Schedule[] s = new Schedule[n];
                            for (int r = 0; r < n; r++) {
                                s[r] = Schedules.compile(spec, r, topo, a, 64);
                            }
                            for (int from = 0; from < n; from++) {
                                for (int to = 0; to < n; to++) {
                                    if (!sizes(s[from], Step.Kind.SEND, to).equals(sizes(s[to], Step.Kind.RECV, from))) {
                                        failures.add(c + "/" + a + " n=" + n + " topo=" + topo + " count=" + count + " " + from + "->" + to);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    private static List<Integer> sizes(final Schedule s, final Step.Kind kind, final int peer) {
        final List<Integer> out = new ArrayList<>();
        for (final Step step : s.steps()) {
            if (step.kind() == kind && step.peer() == peer) {
                assertThat(step.tag()).isEqualTo(out.size());
                out.add(step.count());
            }
        }
        return out;
    }

    @Test
    void dependenciesShouldPointBackwards() {
        final Schedule s = Schedules.compile(allReduce(777), 3, Topology.flat(5), Algorithm.RHD, 16);
        for (final Step step : s.steps()) {
            for (final int d : step.deps()) {
                assertThat(d).isLessThan(step.index());
            }
        }
    }
}
