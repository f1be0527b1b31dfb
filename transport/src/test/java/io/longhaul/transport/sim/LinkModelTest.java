package io.longhaul.transport.sim;

import io.longhaul.transport.sim.LinkModel.DropReason;
import io.longhaul.transport.sim.LinkModel.Fate;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LinkModelTest {
    private static final int MTU = 1500;
    private static final int MILLION = 1_000_000;

    @Test
    void shouldDeliverAfterExactlyTheDelayWithoutRate() {
        final LinkModel link = new LinkModel(LinkSpec.parse("delay=4900us"));
        final Fate fate = new Fate();
        for (long now = 0; now < 1_000_000; now += 333) {
            assertThat(link.offer(now, MTU, fate)).isTrue();
            assertThat(fate.deliverAtNs()).isEqualTo(now + 4_900_000L);
            assertThat(fate.dropped()).isFalse();
            assertThat(fate.duplicated()).isFalse();
            assertThat(fate.corrupted()).isFalse();
            assertThat(fate.reordered()).isFalse();
        }
        assertThat(link.queuedBytes(0)).isZero();
    }

    @Test
    void shouldDeliverAtOnceOnAPerfectLinkEvenWithLargeClockValues() {
        final LinkModel link = new LinkModel(LinkSpec.perfect());
        final Fate fate = new Fate();
        final long base = Long.MAX_VALUE - 1_000;
        for (int i = 0; i < 100; i++) {
            link.offer(base + i, 0, fate);
            assertThat(fate.deliverAtNs()).isEqualTo(base + i);
        }
        assertThat(link.delivered()).isEqualTo(100);
    }

    @Test
    void shouldSerializeBackToBackPacketsAtTheRate() {
        // 1 Gbit/s: a 1500-byte packet takes 12 us; packet i (from 1) finishes at i × 12 us.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=64M,delay=1ms"));
        final Fate fate = new Fate();
        final int n = 10_000;
        for (int i = 1; i <= n; i++) {
            assertThat(link.offer(0, MTU, fate)).isTrue();
            assertThat(fate.deliverAtNs()).isEqualTo(i * 12_000L + 1_000_000L);
        }
        assertThat(link.queuedBytes(0)).isEqualTo((long) n * MTU);
        assertThat(link.queuedBytes(n * 12_000L / 2)).isEqualTo((long) n * MTU / 2);
        assertThat(link.queuedBytes(n * 12_000L)).isZero();
    }

    @Test
    void shouldCarryFractionalNanosecondsSoLongRunsFinishExactlyOnTime() {
        // 3 Mbit/s, 1000 bytes: 2_666_666.67 ns per packet; N packets finish at floor(N·S·8/rate).
        final long rate = 3_000_000L;
        final LinkModel link = new LinkModel(LinkSpec.builder().rateBitsPerSecond(rate).queueBytes(1L << 30).build());
        final Fate fate = new Fate();
        final int size = 1000;
        for (int i = 1; i <= 100_000; i++) {
            link.offer(0, size, fate);
            assertThat(fate.deliverAtNs()).as("packet %d", i).isEqualTo(i * (long) size * 8 * 1_000_000_000L / rate);
        }
    }

    @Test
    void shouldTailDropWhenTheQueueIsFull() {
        // Ten 1500-byte packets fill a 15000-byte queue; the eleventh is dropped.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=15000"));
        final Fate fate = new Fate();
        for (int i = 0; i < 10; i++) {
            assertThat(link.offer(0, MTU, fate)).as("packet %d", i).isTrue();
        }
        assertThat(link.queuedBytes(0)).isEqualTo(15_000);
        assertThat(link.offer(0, MTU, fate)).isFalse();
        assertThat(fate.dropReason()).isEqualTo(DropReason.QUEUE_FULL);
        assertThat(fate.deliverAtNs()).isEqualTo(-1);
        assertThat(link.offer(0, 1, fate)).isFalse();
        // After one packet time there is room for exactly one more.
        assertThat(link.offer(12_000, MTU, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isEqualTo(11 * 12_000L);
        assertThat(link.offer(12_000, MTU, fate)).isFalse();
        assertThat(link.droppedByQueue()).isEqualTo(3);
        assertThat(link.delivered()).isEqualTo(11);
        assertThat(link.offered()).isEqualTo(14);
    }

    @Test
    void shouldTailDropWhenAPacketCountedQueueIsFull() {
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=4p"));
        final Fate fate = new Fate();
        for (int i = 0; i < 4; i++) {
            assertThat(link.offer(0, MTU, fate)).isTrue();
        }
        assertThat(link.queuedPackets(0)).isEqualTo(4);
        assertThat(link.offer(0, 64, fate)).isFalse();
        assertThat(fate.dropReason()).isEqualTo(DropReason.QUEUE_FULL);
        assertThat(link.queuedPackets(12_000)).isEqualTo(3);
        assertThat(link.offer(12_000, 64, fate)).isTrue();
        assertThat(link.offer(12_000, 64, fate)).isFalse();
        assertThat(link.queuedPackets(1_000_000)).isZero();
    }

    @Test
    void shouldNeverDropWhenPacedAtOrBelowTheRate() {
        // A queue of two packets is enough when packets arrive exactly one serialization time apart.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=3000,delay=5ms"));
        final Fate fate = new Fate();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < MILLION; i++) {
            final long now = i * 12_000L;
            assertThat(link.offer(now, MTU, fate)).isTrue();
            assertThat(fate.deliverAtNs()).isEqualTo(now + 12_000L + 5_000_000L).isGreaterThan(previous);
            previous = fate.deliverAtNs();
        }
        assertThat(link.droppedByQueue()).isZero();
    }

    @Test
    void shouldLoseIndependentPacketsAtTheBernoulliRate() {
        final long seed = 7;
        final double p = 0.01;
        final LinkModel link = new LinkModel(LinkSpec.parse("loss=1%").withSeed(seed));
        final Fate fate = new Fate();
        long lost = 0;
        for (int i = 0; i < MILLION; i++) {
            if (!link.offer(i, MTU, fate)) {
                assertThat(fate.dropReason()).isEqualTo(DropReason.LOSS);
                lost++;
            }
        }
        // Five standard deviations of a binomial(1e6, 1%): 5 × sqrt(p(1−p)/n) ≈ 5e-4.
        final double sigma = Math.sqrt(p * (1 - p) / MILLION);
        assertThat(lost / (double) MILLION).as("seed %d", seed).isCloseTo(p, within(5 * sigma));
        assertThat(link.droppedByLoss()).isEqualTo(lost);
        assertThat(link.delivered()).isEqualTo(MILLION - lost);
    }

    @Test
    void shouldLoseInBurstsWithTheGilbertElliottMeanAndBurstLength() {
        final long seed = 11;
        // p = 1 %, r = 30 %, h = 0, k = 1: mean loss p/(p+r) ≈ 3.23 %, mean burst 1/r ≈ 3.33 packets.
        final LinkSpec burst = LinkSpec.parse("burst=gilbert:p=1%:r=30%").withSeed(seed);
        final double expectedMean = 0.01 / 0.31;
        final LossRuns ge = run(new LinkModel(burst), MILLION);
        assertThat(ge.lossRate()).as("seed %d", seed).isCloseTo(expectedMean, within(expectedMean * 0.05));
        assertThat(ge.meanBurst()).as("seed %d", seed).isCloseTo(1 / 0.3, within(0.1));

        // Bernoulli with the same mean has bursts of about 1/(1 − p) ≈ 1.03 packets.
        final LossRuns bernoulli = run(new LinkModel(LinkSpec.builder().loss(expectedMean).seed(seed).build()), MILLION);
        assertThat(bernoulli.lossRate()).as("seed %d", seed).isCloseTo(expectedMean, within(expectedMean * 0.05));
        assertThat(bernoulli.meanBurst()).as("seed %d", seed).isCloseTo(1 / (1 - expectedMean), within(0.02));
        assertThat(ge.meanBurst()).isGreaterThan(3 * bernoulli.meanBurst());
    }

    @Test
    void shouldMatchTheGilbertElliottMeanWithLossInBothStates() {
        final long seed = 13;
        // p = 2 %, r = 20 %, 1 − h = 60 %, 1 − k = 0.5 %.
        final LinkSpec spec = LinkSpec.parse("burst=gilbert:p=2%:r=20%:h=40%:k=99.5%").withSeed(seed);
        final double expected = 0.02 / 0.22 * 0.6 + 0.20 / 0.22 * 0.005;
        assertThat(spec.meanLossProbability()).isCloseTo(expected, within(1e-12));
        final LossRuns runs = run(new LinkModel(spec), MILLION);
        assertThat(runs.lossRate()).as("seed %d", seed).isCloseTo(expected, within(expected * 0.05));
    }

    @Test
    void shouldCombineBernoulliAndBurstLoss() {
        final long seed = 17;
        final LinkSpec spec = LinkSpec.parse("loss=1%,burst=gilbert:p=1%:r=30%").withSeed(seed);
        final LossRuns runs = run(new LinkModel(spec), MILLION);
        assertThat(runs.lossRate()).as("seed %d", seed).isCloseTo(spec.meanLossProbability(), within(spec.meanLossProbability() * 0.05));
    }

    @Test
    void shouldHoldBackTheReorderFractionAndLetLaterPacketsOvertake() {
        final long seed = 19;
        // 1 Gbit/s paced: a packet every 12 us; a held packet is 1 ms late, so ~83 packets overtake it.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,delay=1ms,reorder=5%").withSeed(seed));
        final Fate fate = new Fate();
        final int n = 200_000;
        long held = 0;
        long overtaken = 0;
        long lastInOrder = Long.MIN_VALUE;
        long heldUntil = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            final long now = i * 12_000L;
            assertThat(link.offer(now, MTU, fate)).isTrue();
            if (fate.reordered()) {
                held++;
                assertThat(fate.deliverAtNs()).isEqualTo(now + 12_000L + 1_000_000L + 1_000_000L);
                heldUntil = Math.max(heldUntil, fate.deliverAtNs());
            } else {
                assertThat(fate.deliverAtNs()).as("seed %d, packet %d", seed, i).isGreaterThanOrEqualTo(lastInOrder);
                lastInOrder = fate.deliverAtNs();
                if (fate.deliverAtNs() < heldUntil) {
                    overtaken++;
                }
            }
        }
        final double sigma = Math.sqrt(0.05 * 0.95 / n);
        assertThat(held / (double) n).as("seed %d", seed).isCloseTo(0.05, within(5 * sigma));
        assertThat(link.reordered()).isEqualTo(held);
        assertThat(overtaken).as("seed %d", seed).isGreaterThan(held);
    }

    @Test
    void shouldDuplicateAndCorruptAtTheirRates() {
        final long seed = 23;
        final LinkModel link = new LinkModel(LinkSpec.parse("delay=1ms,dup=1%,corrupt=2%").withSeed(seed));
        final Fate fate = new Fate();
        long dups = 0;
        long corrupt = 0;
        final int[] bitHistogram = new int[8];
        for (int i = 0; i < MILLION; i++) {
            final int size = 100 + (i % 1400);
            assertThat(link.offer(i * 1000L, size, fate)).isTrue();
            if (fate.duplicated()) {
                dups++;
                assertThat(fate.duplicateDeliverAtNs()).isGreaterThanOrEqualTo(fate.deliverAtNs());
            } else {
                assertThat(fate.duplicateDeliverAtNs()).isEqualTo(-1);
            }
            if (fate.corrupted()) {
                corrupt++;
                assertThat(fate.corruptByteIndex()).isBetween(0, size - 1);
                assertThat(Integer.bitCount(fate.corruptBitMask())).isEqualTo(1);
                assertThat(fate.corruptBitMask()).isLessThan(256);
                bitHistogram[Integer.numberOfTrailingZeros(fate.corruptBitMask())]++;
            } else {
                assertThat(fate.corruptByteIndex()).isEqualTo(-1);
                assertThat(fate.corruptBitMask()).isZero();
            }
        }
        assertThat(dups / (double) MILLION).as("seed %d", seed).isCloseTo(0.01, within(5 * Math.sqrt(0.01 * 0.99 / MILLION)));
        assertThat(corrupt / (double) MILLION).as("seed %d", seed).isCloseTo(0.02, within(5 * Math.sqrt(0.02 * 0.98 / MILLION)));
        assertThat(link.duplicated()).isEqualTo(dups);
        assertThat(link.corrupted()).isEqualTo(corrupt);
        for (final int count : bitHistogram) {
            assertThat(count).as("seed %d, every bit is flipped sometimes", seed).isGreaterThan((int) (corrupt / 8 * 0.8));
        }
    }

    @Test
    void shouldSerializeTheDuplicateBehindTheOriginal() {
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=1M,dup=100%"));
        final Fate fate = new Fate();
        assertThat(link.offer(0, MTU, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isEqualTo(12_000L);
        assertThat(fate.duplicateDeliverAtNs()).isEqualTo(24_000L);
        assertThat(link.queuedBytes(0)).isEqualTo(2L * MTU);
    }

    @Test
    void shouldReplayIdenticalFatesForTheSameSeedAndDifferentOnesForAnother() {
        final LinkSpec spec = LinkSpec.parse("delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=0.01:r=0.3,"
            + "reorder=1%,dup=0.01%,corrupt=0.01%");
        final long seed = 42;
        final LinkModel a = new LinkModel(spec, seed);
        final LinkModel b = new LinkModel(spec.withSeed(seed));
        final LinkModel c = new LinkModel(spec, seed + 1);
        final Fate fa = new Fate();
        final Fate fb = new Fate();
        final Fate fc = new Fate();
        int differences = 0;
        for (int i = 0; i < 100_000; i++) {
            final long now = i * 10_000L;
            a.offer(now, MTU, fa);
            b.offer(now, MTU, fb);
            c.offer(now, MTU, fc);
            assertThat(fb.toString()).as("seed %d, packet %d", seed, i).isEqualTo(fa.toString());
            if (!fa.toString().equals(fc.toString())) {
                differences++;
            }
        }
        assertThat(b.droppedByLoss()).isEqualTo(a.droppedByLoss());
        assertThat(b.reordered()).isEqualTo(a.reordered());
        assertThat(differences).as("seeds %d and %d", seed, seed + 1).isGreaterThan(1000);
    }

    @Test
    void shouldKeepDeliveriesInOrderDespiteJitterWhenReorderIsOff() {
        final long seed = 29;
        final LinkModel link = new LinkModel(LinkSpec.parse("delay=1ms,jitter=500us").withSeed(seed));
        final Fate fate = new Fate();
        long previous = Long.MIN_VALUE;
        long minExtra = Long.MAX_VALUE;
        long maxExtra = Long.MIN_VALUE;
        for (int i = 0; i < MILLION; i++) {
            final long now = i * 1_000L;
            link.offer(now, MTU, fate);
            assertThat(fate.deliverAtNs()).as("seed %d, packet %d", seed, i).isGreaterThanOrEqualTo(previous);
            previous = fate.deliverAtNs();
        }
        // Sparse packets see the whole jitter range, [0.5 ms, 1.5 ms].
        final LinkModel sparse = new LinkModel(LinkSpec.parse("delay=1ms,jitter=500us").withSeed(seed));
        double sum = 0;
        final int n = 100_000;
        for (int i = 0; i < n; i++) {
            final long now = i * 10_000_000L;
            sparse.offer(now, MTU, fate);
            final long extra = fate.deliverAtNs() - now;
            minExtra = Math.min(minExtra, extra);
            maxExtra = Math.max(maxExtra, extra);
            sum += extra;
        }
        assertThat(minExtra).as("seed %d", seed).isBetween(500_000L, 510_000L);
        assertThat(maxExtra).as("seed %d", seed).isBetween(1_490_000L, 1_500_000L);
        assertThat(sum / n).as("seed %d", seed).isCloseTo(1_000_000.0, within(5_000.0));
    }

    @Test
    void shouldKeepDeliveriesInOrderWithJitterRateAndDuplicates() {
        final long seed = 31;
        final LinkModel link = new LinkModel(LinkSpec.parse("delay=100us,jitter=100us,rate=10gbit,queue=1M,dup=5%").withSeed(seed));
        final Fate fate = new Fate();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 200_000; i++) {
            if (link.offer(i * 1_000L, MTU, fate)) {
                assertThat(fate.deliverAtNs()).as("seed %d, packet %d", seed, i).isGreaterThanOrEqualTo(previous);
                previous = fate.duplicated() ? fate.duplicateDeliverAtNs() : fate.deliverAtNs();
            }
        }
        assertThat(link.duplicated()).isPositive();
    }

    @Test
    void shouldRejectImpossibleDatagramSizes() {
        final LinkModel link = new LinkModel(LinkSpec.perfect());
        assertThatThrownBy(() -> link.offer(0, -1, new Fate()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("sizeBytes: -1 is out of range; accepted: 0 to 16777216");
        assertThat(link.offered()).isZero();
    }

    @Test
    void shouldNotAllocatePerOffer() {
        final LinkModel link = new LinkModel(LinkSpec.parse("delay=5ms,jitter=50us,rate=1gbit,loss=0.1%,burst=gilbert:p=1%:r=30%,"
            + "reorder=1%,dup=0.01%,corrupt=0.01%"));
        final Fate fate = new Fate();
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean, "thread allocation counters unavailable");
        final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) threads;
        final long id = Thread.currentThread().getId();
        for (int i = 0; i < 100_000; i++) {
            link.offer(i * 13_000L, MTU, fate);
        }
        final long before = mx.getThreadAllocatedBytes(id);
        for (int i = 100_000; i < 1_100_000; i++) {
            link.offer(i * 13_000L, MTU, fate);
        }
        final long allocated = mx.getThreadAllocatedBytes(id) - before;
        // A million offers; a few hundred bytes of slack for the measurement itself.
        assertThat(allocated).isLessThan(1024);
    }

    private static LossRuns run(final LinkModel link, final int n) {
        final Fate fate = new Fate();
        long lost = 0;
        long bursts = 0;
        boolean inBurst = false;
        for (int i = 0; i < n; i++) {
            final boolean delivered = link.offer(i * 1_000L, MTU, fate);
            if (!delivered) {
                lost++;
                if (!inBurst) {
                    bursts++;
                }
            }
            inBurst = !delivered;
        }
        return new LossRuns(n, lost, bursts);
    }

    private static final class LossRuns {
        final long packets;
        final long lost;
        final long bursts;

        LossRuns(final long packets, final long lost, final long bursts) {
            this.packets = packets;
            this.lost = lost;
            this.bursts = bursts;
        }

        double lossRate() {
            return lost / (double) packets;
        }

        double meanBurst() {
            return lost / (double) bursts;
        }
    }
}
