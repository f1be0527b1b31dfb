package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class TransferTest {
    @Test
    void shouldDeliverMessagesIntactOverAPerfectLink() {
        final LinkSpec link = LinkSpec.parse("delay=5ms,rate=1gbit");
        final SimTransfer t = new SimTransfer(1, new CoreConfig(), link, link);
        final int[] sizes = {1, 1 << 20, 64 << 20};
        final ByteBuffer[] sent = new ByteBuffer[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            sent[i] = SimTransfer.payload(1, i, sizes[i]);
            t.send(i, sent[i].duplicate());
        }
        final long start = System.nanoTime();
        assertThat(t.runUntilCompleted(sizes.length, 60_000_000_000L)).as(t.describe()).isTrue();
        System.out.println("real ms " + (System.nanoTime() - start) / 1e6 + " virtual ms " + t.net.nowNs() / 1e6 + " " + t.describe());
        assertThat(t.serverEvents.received).hasSize(sizes.length);
        for (final SimTransfer.Received r : t.serverEvents.received) {
            assertThat(r.data()).isEqualTo(sent[r.tag()]);
            assertThat(r.missing().isEmpty()).isTrue();
        }
    }
}
