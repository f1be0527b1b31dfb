package io.longhaul.harness.scenario;

import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.Topology;
import io.longhaul.harness.train.TrainConfig;
import io.longhaul.harness.train.TrainResult;
import io.longhaul.harness.train.TrainingLoop;
import io.longhaul.transport.sim.LinkSpec;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One rank per "process" (here a thread with its own launcher variables), training through the rendezvous. */
class LauncherBackendTest {
    private static final ClusterSpec TWO_DCS = new ClusterSpec(Topology.parse("2x1"), LinkSpec.perfect(), LinkSpec.parse("delay=1ms"),
        "bbr", 0, new CommunicatorConfig(), 1);

    private static Map<String, String> torchrun(final int rank, final int size, final int port) {
        return Map.of("RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(size), "MASTER_ADDR", "127.0.0.1",
            "MASTER_PORT", Integer.toString(port));
    }

    @Test
    void shouldTrainOneRankPerProcessThroughTheRendezvousTwiceInARow() throws Exception {
        // The second cluster meets on MASTER_PORT + 1: find a port whose successor is free too.
        int port = -1;
        while (port < 0) {
            try (ServerSocket probe = new ServerSocket(0); ServerSocket next = new ServerSocket(probe.getLocalPort() + 1)) {
                port = probe.getLocalPort();
            } catch (final java.io.IOException | IllegalArgumentException taken) {
                // The next port is in use: try another.
            }
        }
        final TrainConfig config = TrainConfig.defaults().withSizes(1 << 20, 256 << 10).withCompute(5_000_000L, 10_000_000L).withSteps(2, 1);
        final ExecutorService ranks = Executors.newFixedThreadPool(2);
        try {
            final List<CompletableFuture<List<TrainResult>>> results = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                final LauncherBackend backend = new LauncherBackend(torchrun(r, 2, port));
                results.add(CompletableFuture.supplyAsync(() -> {
                    final List<TrainResult> runs = new ArrayList<>();
                    // Two clusters in a row, as a run and its 0 km twin: the second meets on MASTER_PORT + 1.
                    for (int run = 0; run < 2; run++) {
                        try (Cluster c = backend.open(TWO_DCS)) {
                            assertThat(c.communicators()).hasSize(1);
                            runs.add(TrainingLoop.run(c, config));
                        }
                    }
                    return runs;
                }, ranks));
            }
            for (final CompletableFuture<List<TrainResult>> f : results) {
                final List<TrainResult> runs = f.get(60, TimeUnit.SECONDS);
                assertThat(runs).hasSize(2).allSatisfy(r -> {
                    assertThat(r.stepNs()).hasSize(2);
                    // A step is at least its compute time, and the all-reduce crosses a 1 ms link.
                    assertThat(r.meanStepNs()).isGreaterThan(15_000_000.0);
                });
            }
        } finally {
            ranks.shutdownNow();
        }
    }

    @Test
    void shouldExplainWhatIsMissingWithoutALauncher() {
        assertThatThrownBy(() -> new LauncherBackend(Map.of()).open(TWO_DCS))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a rank and world size from a launcher");
        assertThatThrownBy(() -> new LauncherBackend(torchrun(0, 3, 29500)).open(TWO_DCS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("the scenario has 2 ranks (2x1) but the job has 3; use a scenario with as many ranks as processes");
    }
}
