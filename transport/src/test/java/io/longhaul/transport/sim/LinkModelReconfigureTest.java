package io.longhaul.transport.sim;

import io.longhaul.transport.sim.LinkModel.DropReason;
import io.longhaul.transport.sim.LinkModel.Fate;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A link whose parameters change mid-run keeps what it has queued. */
class LinkModelReconfigureTest {
    private static final long MS = 1_000_000L;

    @Test
    void shouldQueueLaterPacketsBehindTheBacklogAtTheNewRate() {
        // 8 Mbit/s is one byte per microsecond: five 1000-byte packets at 0 keep the link busy to 5 ms.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=8mbit,queue=1M"));
        final Fate fate = new Fate();
        for (int i = 1; i <= 5; i++) {
            link.offer(0, 1000, fate);
            assertThat(fate.deliverAtNs()).isEqualTo(i * MS);
        }
        link.reconfigure(LinkSpec.parse("rate=80mbit,queue=1M,delay=2ms"));
        assertThat(link.busyUntilNs()).isEqualTo(5 * MS);
        assertThat(link.offer(MS, 1000, fate)).isTrue();
        // Behind the backlog, 100 us at the new rate, then the new delay.
        assertThat(fate.deliverAtNs()).isEqualTo(5 * MS + 100_000 + 2 * MS);
        assertThat(link.spec().delayNs()).isEqualTo(2 * MS);
        assertThat(link.offered()).isEqualTo(6);
    }

    @Test
    void shouldKeepTheNewestPacketsOfAPacketCountedQueueThatShrinks() {
        // 1 Gbit/s: a 1500-byte packet takes 12 us.
        final LinkModel link = new LinkModel(LinkSpec.parse("rate=1gbit,queue=4p"));
        final Fate fate = new Fate();
        for (int i = 0; i < 4; i++) {
            assertThat(link.offer(0, 1500, fate)).isTrue();
        }
        link.reconfigure(LinkSpec.parse("rate=1gbit,queue=2p"));
        assertThat(link.queuedPackets(0)).isEqualTo(2);
        assertThat(link.offer(0, 1500, fate)).isFalse();
        assertThat(fate.dropReason()).isEqualTo(DropReason.QUEUE_FULL);
        // The two kept are the last to finish (36 us and 48 us): at 36 us one is left.
        assertThat(link.queuedPackets(36_000)).isEqualTo(1);
        assertThat(link.offer(36_000, 1500, fate)).isTrue();
        assertThat(fate.deliverAtNs()).isEqualTo(60_000);
        link.reconfigure(LinkSpec.parse("rate=1gbit,queue=10p"));
        assertThat(link.queuedPackets(36_000)).isEqualTo(2);
    }

    @Test
    void shouldSwitchLossModelsAndContinueTheRandomStream() {
        final LinkModel link = new LinkModel(LinkSpec.parse("loss=0%"), 5);
        final Fate fate = new Fate();
        for (int i = 0; i < 1000; i++) {
            assertThat(link.offer(i, 100, fate)).isTrue();
        }
        link.reconfigure(LinkSpec.parse("loss=100%"));
        for (int i = 1000; i < 1100; i++) {
            assertThat(link.offer(i, 100, fate)).isFalse();
            assertThat(fate.dropReason()).isEqualTo(DropReason.LOSS);
        }
        link.reconfigure(LinkSpec.parse("none"));
        assertThat(link.offer(2000, 100, fate)).isTrue();
        assertThat(link.seed()).isEqualTo(5);
        assertThat(link.droppedByLoss()).isEqualTo(100);
    }
}
