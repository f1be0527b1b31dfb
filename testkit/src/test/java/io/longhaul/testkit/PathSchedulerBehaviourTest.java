package io.longhaul.testkit;

import io.longhaul.transport.path.FlowletScheduler;
import io.longhaul.transport.path.MinRttScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.path.PlbScheduler;
import io.longhaul.transport.path.SingleScheduler;
import io.longhaul.transport.path.SprayScheduler;
import io.longhaul.transport.path.WeightedScheduler;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each built-in scheduler does with a given set of paths. */
class PathSchedulerBehaviourTest {
    private static PathSchedulerConfig config(final int paths, final Map<String, String> parameters) {
        return new PathSchedulerConfig(paths, 1500, 7, parameters);
    }

    private static int[] counts(final PathScheduler s, final ScriptedPathSet paths, final int picks) {
        final int[] counts = new int[paths.count()];
        long now = 1_000_000;
        for (int k = 0; k < picks; k++) {
            now += 10_000;
            final int pick = s.pick(now, paths);
            counts[pick]++;
            s.onSent(now, pick, 1500);
        }
        return counts;
    }

    @Test
    void shouldSprayRoundRobinOverReadyPathsAndSkipOnesThatAreNotReady() {
        final ScriptedPathSet paths = new ScriptedPathSet(4);
        assertThat(counts(new SprayScheduler(config(4, Map.of())), paths, 4_000)).containsExactly(1_000, 1_000, 1_000, 1_000);
        paths.readyAt(2, Long.MAX_VALUE / 2).window(3, false);
        assertThat(counts(new SprayScheduler(config(4, Map.of())), paths, 4_000)).containsExactly(2_000, 2_000, 0, 0);
    }

    @Test
    void shouldReturnThePathReadySoonestWhenNoneIsReady() {
        final ScriptedPathSet paths = new ScriptedPathSet(3).readyAt(0, 9_000).readyAt(1, 5_000).readyAt(2, 7_000);
        assertThat(new SprayScheduler(config(3, Map.of())).pick(1_000, paths)).isEqualTo(1);
        assertThat(new WeightedScheduler(config(3, Map.of())).pick(1_000, paths)).isEqualTo(1);
        assertThat(new MinRttScheduler(config(3, Map.of())).pick(1_000, paths)).isEqualTo(1);
    }

    @Test
    void shouldWeightPathsByRateOrWindow() {
        final ScriptedPathSet paths = new ScriptedPathSet(2).rate(0, 300_000_000L).rate(1, 100_000_000L)
            .cwnd(0, 1_000_000, 0).cwnd(1, 3_000_000, 0);
        final int[] byRate = counts(new WeightedScheduler(config(2, Map.of())), paths, 8_000);
        assertThat(byRate[0]).isBetween(5_990, 6_010);
        final int[] byCwnd = counts(new WeightedScheduler(config(2, Map.of("by", "cwnd"))), paths, 8_000);
        assertThat(byCwnd[1]).isBetween(5_990, 6_010);
        assertThatThrownBy(() -> new WeightedScheduler(config(2, Map.of("by", "latency"))))
            .hasMessageContaining("by").hasMessageContaining("accepted: rate, cwnd");
    }

    @Test
    void shouldPreferTheLowestRttAndProbeTheOthersOnceInAWhile() {
        final ScriptedPathSet paths = new ScriptedPathSet(3).rtt(0, 12_000_000, 12_000_000).rtt(1, 1_000_000, 1_000_000)
            .rtt(2, 5_000_000, 5_000_000);
        final int[] counts = counts(new MinRttScheduler(config(3, Map.of("probe", "100"))), paths, 10_000);
        assertThat(counts[1]).isGreaterThan(9_800);
        assertThat(counts[0]).isPositive();
        assertThat(counts[2]).isPositive();
        paths.readyAt(1, Long.MAX_VALUE / 2);
        assertThat(new MinRttScheduler(config(3, Map.of())).pick(1_000, paths)).as("fastest ready path").isEqualTo(2);
    }

    @Test
    void shouldKeepAFlowletOnItsPathUntilAGapLongerThanTheRttDifference() {
        final ScriptedPathSet paths = new ScriptedPathSet(2).rtt(0, 1_000_000, 1_000_000).rtt(1, 3_000_000, 3_000_000);
        final FlowletScheduler s = new FlowletScheduler(config(2, Map.of("gap", "100us")));
        long now = 1_000_000;
        final int first = s.pick(now, paths);
        s.onSent(now, first, 1500);
        // Gaps of 1 ms are shorter than the 2 ms RTT difference: the flowlet stays, even when its path has no window.
        for (int k = 0; k < 50; k++) {
            now += 1_000_000;
            assertThat(s.pick(now, paths)).isEqualTo(first);
            s.onSent(now, first, 1500);
        }
        paths.window(first, false);
        assertThat(s.pick(now + 1_000_000, paths)).as("waits rather than reorders").isEqualTo(-1);
        // After a 2.5 ms gap a new flowlet may go elsewhere: the only path with window.
        assertThat(s.pick(now + 2_500_000, paths)).isEqualTo(1 - first);
        assertThat(s.switches()).isEqualTo(1);
    }

    @Test
    void shouldRepathAPathWhoseRoundsStayCongestedAndOnlyThat() {
        final ScriptedPathSet paths = new ScriptedPathSet(2).rtt(0, 10_000_000, 10_000_000).rtt(1, 10_000_000, 10_000_000);
        final PlbScheduler s = new PlbScheduler(config(2, Map.of("rounds", "4")));
        long now = 0;
        for (int round = 0; round < 20; round++) {
            now += 10_000_000;
            paths.count(0, 1_000, 0).count(1, 1_000, 0);
            // Path 1 queues: its smallest RTT sample in the round is 16 ms against a 10 ms minimum.
            s.onAck(now, 0, 3000, 10_200_000, paths);
            s.onAck(now, 1, 3000, 16_000_000, paths);
        }
        assertThat(paths.repathRequests(0)).as("clean path").isZero();
        // Rounds end at 20, 30, ... 200 ms (the first ACK only starts one): 19 rounds. A path is
        // judged once it has 4 rounds of history, and every round is congested, so it moves after
        // rounds 4, 8, 12 and 16, its history starting afresh each time.
        assertThat(paths.repathRequests(1)).isEqualTo(4);
        paths.usable(0, false);
        s.onPathStateChanged(now, 0, false, paths);
        assertThat(paths.repathRequests(0)).as("a failed path is re-pathed at once").isEqualTo(1);
    }

    @Test
    void shouldCountHeavyLossAsACongestedRound() {
        final ScriptedPathSet paths = new ScriptedPathSet(1);
        final PlbScheduler s = new PlbScheduler(config(1, Map.of("rounds", "4")));
        long now = 0;
        for (int round = 0; round < 5; round++) {
            now += 10_000_000;
            paths.count(0, 1_000, 50);
            s.onAck(now, 0, 3000, 10_000_000, paths);
        }
        assertThat(paths.repathRequests(0)).isEqualTo(1);
        assertThat(s.repathRequests()).isEqualTo(1);
    }

    @Test
    void shouldUseOnlyTheLowestUsablePathAndWaitForItsWindow() {
        final ScriptedPathSet paths = new ScriptedPathSet(3);
        final SingleScheduler s = new SingleScheduler(config(3, Map.of()));
        assertThat(counts(s, paths, 100)).containsExactly(100, 0, 0);
        paths.window(0, false);
        assertThat(s.pick(0, paths)).isEqualTo(-1);
        paths.usable(0, false);
        assertThat(s.pick(0, paths)).isEqualTo(1);
    }

    @Test
    void shouldFindEveryBuiltInByNameAndNameTheAvailableOnesForATypo() {
        assertThat(PathSchedulers.available()).containsExactly("flowlet", "minrtt", "plb", "single", "spray", "weighted");
        assertThat(PathSchedulers.create("PLB:rounds=5", config(2, Map.of()))).isInstanceOf(PlbScheduler.class);
        assertThatThrownBy(() -> PathSchedulers.validate("sprya"))
            .hasMessage("unknown path scheduler 'sprya'; available: flowlet, minrtt, plb, single, spray, weighted");
        assertThatThrownBy(() -> PathSchedulers.validate("plb:round=3"))
            .hasMessageContaining("plb: unknown parameter round; accepted: loss, rtt, rounds, share");
        assertThatThrownBy(() -> PathSchedulers.validate("flowlet:gap=fast")).hasMessageContaining("gap");
        assertThat(PathSchedulers.describe()).contains("spray").contains("SRD");
    }

    @Test
    void shouldNotMovePathsWhoseCongestionIsRareOrHasJustEnded() {
        final ScriptedPathSet paths = new ScriptedPathSet(2);
        final PlbScheduler s = new PlbScheduler(config(2, Map.of()));
        long now = 0;
        int movedBy60 = -1;
        for (int round = 0; round < 200; round++) {
            now += 10_000_000;
            paths.count(0, 1_000, 0).count(1, 1_000, 0);
            if (round == 61) {
                movedBy60 = paths.repathRequests(1);
            }
            // Path 0 probes: 12 queued rounds in every 40, as a lone BBRv3 flow does in ProbeBW_UP.
            s.onAck(now, 0, 3000, round % 40 < 12 ? 16_000_000 : 10_100_000, paths);
            // Path 1 was congested for 60 rounds, then the other flow left.
            s.onAck(now, 1, 3000, round < 60 && round % 10 < 8 ? 16_000_000 : 10_100_000, paths);
            if (round == 58) {
                assertThat(paths.repathRequests(1)).as("mostly congested: moved").isPositive();
            }
        }
        assertThat(paths.repathRequests(0)).as("a prober alone on its link").isZero();
        assertThat(paths.repathRequests(1)).as("not moved once its congestion ended").isEqualTo(movedBy60);
    }
}
