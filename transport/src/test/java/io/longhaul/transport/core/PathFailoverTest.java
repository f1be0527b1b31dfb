package io.longhaul.transport.core;

import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A path that dies in the middle of a transfer loses nothing: it is declared failed after a few
 * probe timeouts, everything it had in flight is repaired on the live path, it is probed in the
 * background and reinstated when it answers; only when every path is dead does the connection fail,
 * loudly, at the idle timeout.
 */
class PathFailoverTest {
    private static final String LINK = "delay=5ms,rate=1gbit";
    private static final LinkSpec DEAD = LinkSpec.parse("delay=5ms,rate=1gbit,loss=100%");
    private static final int MESSAGES = 8;
    private static final int SIZE = 8 << 20;
    private static final long RTT_NS = 10_000_000L;

    private static SimTransfer twoPaths(final long seed, final CoreConfig config) {
        final LinkSpec link = LinkSpec.parse(LINK);
        return new SimTransfer(seed, config, new LinkSpec[] {link, link}, new LinkSpec[] {link, link});
    }

    private static void kill(final SimTransfer t, final int path) {
        t.net.link(t.client, t.server, path, DEAD.withSeed(t.seed), DEAD.withSeed(t.seed + 1));
    }

    private static List<ByteBuffer> sendAll(final SimTransfer t) {
        final List<ByteBuffer> sent = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            final ByteBuffer payload = SimTransfer.payload(t.seed, i, SIZE);
            sent.add(payload);
            t.send(i, payload.duplicate());
        }
        return sent;
    }

    private static void assertIntactExactlyOnce(final SimTransfer t, final List<ByteBuffer> sent) {
        assertThat(t.serverEvents.received).as(t.describe()).hasSize(MESSAGES);
        assertThat(t.serverEvents.duplicateDeliveries).as(t.describe()).isZero();
        for (final SimTransfer.Received r : t.serverEvents.received) {
            assertThat(r.missing().isEmpty()).isTrue();
            assertThat(r.data()).as("message %d, seed=%d", r.tag(), t.seed).isEqualTo(sent.get(r.tag()));
        }
        assertThat(t.clientEvents.completions.values()).allSatisfy(c -> assertThat(c.status()).isEqualTo(SendStatus.DELIVERED));
    }

    private static PathEvent firstEvent(final ConnectionStats stats, final int path, final PathEvent.Kind kind) {
        return stats.pathEvents().stream().filter(e -> e.pathId() == path && e.kind() == kind).findFirst().orElse(null);
    }

    @Test
    void shouldRepairEverythingAPathHadInFlightOnTheOtherPathWhenItDies() {
        for (long seed = 1; seed <= 6; seed++) {
            final SimTransfer t = twoPaths(seed, new CoreConfig());
            assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
            final List<ByteBuffer> sent = sendAll(t);
            final long killAtNs = t.net.nowNs() + 60_000_000L + seed * 7_000_000L;
            t.net.schedule(killAtNs, () -> kill(t, 1));

            assertThat(t.runUntilCompleted(MESSAGES, 20_000_000_000L)).as("seed=%d %s", seed, t.describe()).isTrue();
            assertIntactExactlyOnce(t, sent);

            final ConnectionStats stats = t.connection.stats();
            final PathEvent failed = firstEvent(stats, 1, PathEvent.Kind.FAILED);
            assertThat(failed).as("seed=%d path 1 declared failed: %s", seed, stats.pathEvents()).isNotNull();
            assertThat(stats.paths().get(1).state()).isEqualTo("failed");
            assertThat(stats.paths().get(0).state()).isEqualTo("active");
            assertThat(stats.state()).isEqualTo(ConnectionState.ESTABLISHED);
            // Event times count from the connection's creation, which was at virtual time 0.
            final long failedAtNs = failed.atNs();
            final long detectedAfterNs = failedAtNs - killAtNs;
            // Detection: three probe timeouts with backoff, well under a second at a 10 ms RTT.
            assertThat(detectedAfterNs).as("seed=%d detection delay", seed).isBetween(0L, 1_000_000_000L);
            // The stall ends at detection: the repairs go first, so a message held up by the dead
            // path completes within a few RTTs, and the rest is a one-path transfer.
            final long[] completions = t.clientEvents.completions.values().stream()
                .mapToLong(SimTransfer.Completion::atNs).sorted().toArray();
            final long firstAfter = java.util.Arrays.stream(completions).filter(c -> c > failedAtNs).findFirst().orElseThrow();
            assertThat(firstAfter - failedAtNs).as("seed=%d first completion after detection", seed).isLessThan(4 * RTT_NS);
            final long onePathNs = (long) (MESSAGES * (double) SIZE * 8);
            final long last = completions[completions.length - 1];
            assertThat(last - failedAtNs).as("seed=%d time after detection", seed).isLessThan(onePathNs + 10 * RTT_NS);
            System.out.printf("seed %d: killed at %.3fs, failed after %.0f ms, next completion %.1f ms later, done at %.3fs; %s%n",
                seed, killAtNs / 1e9, detectedAfterNs / 1e6, (firstAfter - failedAtNs) / 1e6, last / 1e9, stats.pathEvents());
        }
    }

    @Test
    void shouldReinstateAFailedPathWhenItAnswersAgain() {
        final long seed = 11;
        final SimTransfer t = twoPaths(seed, new CoreConfig());
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        final LinkSpec link = LinkSpec.parse(LINK);
        t.net.schedule(t.net.nowNs() + 50_000_000L, () -> kill(t, 1));
        t.net.schedule(t.net.nowNs() + 1_500_000_000L, () -> t.net.link(t.client, t.server, 1, link, link));
        final List<ByteBuffer> sent = new ArrayList<>();
        // Keep data flowing across the outage and after the path returns.
        for (int i = 0; i < MESSAGES; i++) {
            final int index = i;
            t.net.schedule(t.net.nowNs() + i * 400_000_000L, () -> {
                final ByteBuffer payload = SimTransfer.payload(seed, index, SIZE);
                sent.add(payload);
                t.connection.send(t.net.nowNs(), index, payload.duplicate());
            });
        }
        assertThat(t.runUntilCompleted(MESSAGES, 30_000_000_000L)).as(t.describe()).isTrue();
        assertIntactExactlyOnce(t, sent);

        final ConnectionStats stats = t.connection.stats();
        final PathEvent failed = firstEvent(stats, 1, PathEvent.Kind.FAILED);
        final PathEvent back = firstEvent(stats, 1, PathEvent.Kind.REINSTATED);
        assertThat(failed).as("%s", stats.pathEvents()).isNotNull();
        assertThat(back).as("%s", stats.pathEvents()).isNotNull();
        assertThat(back.atNs()).isGreaterThan(failed.atNs());
        assertThat(stats.paths().get(1).state()).isEqualTo("active");
        final long sentOnPath1AtReinstatement = stats.paths().get(1).packetsSent();
        assertThat(sentOnPath1AtReinstatement).as("path 1 carries data again").isGreaterThan(5_000);
    }

    @Test
    void shouldFailLoudlyOnlyWhenEveryPathIsDeadPastTheIdleTimeout() {
        final long seed = 21;
        final SimTransfer t = twoPaths(seed, new CoreConfig().idleTimeoutNs(3_000_000_000L));
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        sendAll(t);
        final long killAtNs = t.net.nowNs() + 50_000_000L;
        t.net.schedule(killAtNs, () -> {
            kill(t, 0);
            kill(t, 1);
        });
        t.net.runUntil(() -> t.connection.state() != ConnectionState.ESTABLISHED, 20_000_000_000L);

        assertThat(t.connection.state()).isIn(ConnectionState.CLOSING, ConnectionState.CLOSED);
        assertThat(t.net.nowNs() - killAtNs).as("closed at the idle timeout, not before").isGreaterThanOrEqualTo(3_000_000_000L);
        assertThat(t.clientEvents.closes).singleElement().asString()
            .contains("idle timeout").contains("all 2 paths failed");
        assertThat(t.clientEvents.completions.values()).hasSize(MESSAGES)
            .allSatisfy(c -> assertThat(c.status()).isEqualTo(SendStatus.FAILED));
    }

    @Test
    void shouldKeepAnIdleSessionAliveOnItsSecondPathWhenTheFirstDies() {
        final long seed = 31;
        final SimTransfer t = twoPaths(seed, new CoreConfig());
        assertThat(t.runUntilEstablished(1_000_000_000L)).isTrue();
        t.net.schedule(t.net.nowNs() + 1_000_000_000L, () -> kill(t, 0));
        // Twice the 30 s idle timeout with no data at all: only keep-alives cross.
        t.net.runFor(60_000_000_000L);

        assertThat(t.connection.state()).as("%s", t.clientEvents.closes).isEqualTo(ConnectionState.ESTABLISHED);
        assertThat(t.serverConnection().state()).isEqualTo(ConnectionState.ESTABLISHED);
        final ConnectionStats stats = t.connection.stats();
        assertThat(stats.paths().get(0).state()).isEqualTo("failed");
        assertThat(stats.paths().get(1).state()).isEqualTo("active");
        assertThat(stats.paths().get(1).packetsReceived()).as("keep-alives of both ends on path 1").isGreaterThanOrEqualTo(5);
        // The session still works: a message goes over the live path.
        final ByteBuffer payload = SimTransfer.payload(seed, 0, 1 << 20);
        t.send(0, payload.duplicate());
        assertThat(t.runUntilCompleted(1, 5_000_000_000L)).as(t.describe()).isTrue();
        assertThat(t.serverEvents.received.get(0).data()).isEqualTo(payload);
    }
}
