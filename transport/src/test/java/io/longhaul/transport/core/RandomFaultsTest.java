package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** 1,000 seeds of a small transfer under a random mix of every fault, handshake included. */
class RandomFaultsTest {
    private static final int SEEDS = 1_000;

    static String randomSpec(final SplittableRandom r) {
        final StringBuilder spec = new StringBuilder(String.format(Locale.ROOT, "delay=%dus", 50 + r.nextInt(10_000)));
        if (r.nextBoolean()) {
            spec.append(",rate=").append(10 + r.nextInt(990)).append("mbit");
        }
        if (r.nextInt(3) == 0) {
            spec.append(",jitter=").append(r.nextInt(500)).append("us");
        }
        switch (r.nextInt(3)) {
            case 0:
                spec.append(String.format(Locale.ROOT, ",loss=%.2f%%", r.nextDouble() * 20));
                break;
            case 1:
                spec.append(String.format(Locale.ROOT, ",burst=gilbert:p=%.2f%%:r=%.1f%%", 0.1 + r.nextDouble() * 5, 10 + r.nextDouble() * 60));
                break;
            default:
                break;
        }
        if (r.nextInt(3) == 0) {
            spec.append(String.format(Locale.ROOT, ",reorder=%.1f%%", r.nextDouble() * 20));
        }
        if (r.nextInt(4) == 0) {
            spec.append(String.format(Locale.ROOT, ",dup=%.1f%%", r.nextDouble() * 5));
        }
        if (r.nextInt(4) == 0) {
            spec.append(String.format(Locale.ROOT, ",corrupt=%.1f%%", r.nextDouble() * 5));
        }
        return spec.toString();
    }

    @Test
    void shouldDeliverIntactUnderRandomMixedFaults() {
        final String[] algorithms = {"bbr", "cubic", "newreno", "delay", "fixed:rate=200mbit"};
        for (int seed = 1; seed <= SEEDS; seed++) {
            final SplittableRandom r = new SplittableRandom(seed);
            final String forward = randomSpec(r);
            final String backward = randomSpec(r);
            final String cc = algorithms[r.nextInt(algorithms.length)];
            final int paths = 1 + r.nextInt(3);
            final LinkSpec[] fwd = new LinkSpec[paths];
            final LinkSpec[] back = new LinkSpec[paths];
            for (int p = 0; p < paths; p++) {
                fwd[p] = LinkSpec.parse(forward);
                back[p] = LinkSpec.parse(backward);
            }
            final CoreConfig config = new CoreConfig().congestionControl(cc).handshakeRetryNs(50_000_000L).handshakeAttempts(12);
            final SimTransfer t = new SimTransfer(seed, config, fwd, back);
            final int messages = 1 + r.nextInt(4);
            final ByteBuffer[] sent = new ByteBuffer[messages];
            for (int i = 0; i < messages; i++) {
                sent[i] = SimTransfer.payload(seed, i, r.nextInt(64 * 1024));
                t.send(i, sent[i].duplicate());
            }
            final String context = "seed=" + seed + " cc=" + cc + " paths=" + paths + " forward=" + forward + " backward=" + backward;
            assertThat(t.runUntilCompleted(messages, 600_000_000_000L)).as(context + " " + t.describe()).isTrue();
            assertThat(t.serverEvents.received).as(context).hasSize(messages);
            assertThat(t.serverEvents.duplicateDeliveries).as(context).isZero();
            for (final SimTransfer.Received got : t.serverEvents.received) {
                assertThat(got.data()).as(context + " message " + got.tag()).isEqualTo(sent[got.tag()]);
            }
        }
    }
}
