package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longhaul.harness.cli.LonghaulCliTestSupport.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The collective commands end to end on loopback: exact tables, flag errors, and ranks launched through the environment. */
@Timeout(60)
class CollectiveCommandTest {
    private static final Map<String, String> NO_LAUNCHER = Map.of();

    /** @return the table's data lines, split into nccl-tests' 13 columns. */
    private static List<String[]> rows(final String out) {
        final List<String[]> rows = new ArrayList<>();
        for (final String line : out.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                final String[] cols = line.trim().split("\\s+");
                assertThat(cols).as(line).hasSize(13);
                rows.add(cols);
            }
        }
        return rows;
    }

    private static void assertExact(final Outcome o, final int expectedRows) {
        assertThat(o.exitCode()).as(o.err()).isZero();
        final List<String[]> rows = rows(o.out());
        assertThat(rows).as(o.out()).hasSize(expectedRows);
        for (final String[] r : rows) {
            assertThat(r[8]).as("out-of-place #wrong at %s B", r[0]).isEqualTo("0");
            assertThat(r[12]).as("in-place #wrong at %s B", r[0]).isEqualTo("0");
        }
        assertThat(o.out()).contains("#       size         count      type   redop    root     time   algbw   busbw #wrong")
            .contains("# Avg bus bandwidth    : ");
    }

    @Test
    void shouldReduceExactlyBetweenFourRanksInOneProcess() {
        final Outcome o = LonghaulCliTestSupport.run(NO_LAUNCHER, "allreduce", "--ranks", "4", "-b", "1K", "-e", "1M", "-f", "4",
            "-c", "1", "-n", "2", "-w", "1");
        assertExact(o, 6);
        assertThat(rows(o.out()).get(0)).startsWith("1024", "256", "float", "sum", "-1");
        assertThat(o.out()).contains("# longhaul all_reduce: 4 ranks in one process");
    }

    @Test
    void shouldStayExactAcrossAnEmulatedLossyLinkBetweenTwoDcs(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("ar.json");
        final Outcome o = LonghaulCliTestSupport.run(NO_LAUNCHER, "allreduce", "--topology", "2x2", "--link", "delay=1ms,loss=1%",
            "-b", "64K", "-e", "1M", "-f", "4", "-n", "2", "-w", "1", "--json", json.toString());
        assertExact(o, 3);
        assertThat(o.out()).contains("topology 2x2").contains("link delay=1ms,loss=1%").contains("(between DCs)")
            .containsPattern("# Emulated links: \\d+ datagrams offered, [1-9]\\d* dropped");
        final JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.get("collective").asText()).isEqualTo("all_reduce");
        assertThat(node.get("ranks").asInt()).isEqualTo(4);
        assertThat(node.get("rows")).hasSize(3);
        assertThat(node.get("wrong").asLong()).isZero();
        assertThat(node.get("topology").asText()).isEqualTo("2x2");
        assertThat(node.get("authenticated").asBoolean()).as("ranks in one process share a generated key").isTrue();
    }

    @Test
    void shouldRunABoundedAllReduceAndReportWhatArrivedAndItsError(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("bounded.json");
        final Outcome o = LonghaulCliTestSupport.run(NO_LAUNCHER, "allreduce", "--topology", "2x2", "--link", "delay=1ms,loss=2%",
            "--mode", "bounded", "--deadline", "auto", "--bounded", "all", "--hadamard", "-b", "256K", "-e", "1M", "-f", "4",
            "-n", "3", "-w", "1", "--json", json.toString());
        assertThat(o.exitCode()).as(o.err()).isZero();
        assertThat(o.out()).contains("#wrong   recv%  rel_err").contains("# mode bounded: deadline auto per step, bounded steps all, "
            + "Hadamard transform on");
        int rows = 0;
        for (final String line : o.out().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            final String[] cols = line.trim().split("\\s+");
            assertThat(cols).as(line).hasSize(17);
            assertThat(cols[8]).as("no silent errors: %s", line).isEqualTo("0");
            assertThat(Double.parseDouble(cols[9])).as(line).isBetween(0.0, 100.0);
            assertThat(Double.parseDouble(cols[10])).as(line).isGreaterThanOrEqualTo(0.0);
            rows++;
        }
        assertThat(rows).isEqualTo(2);
        final JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.get("mode").asText()).isEqualTo("bounded");
        assertThat(node.get("hadamard").asBoolean()).isTrue();
        final JsonNode r = node.get("rows").get(0).get("outOfPlace");
        assertThat(r.get("receivedFraction").asDouble()).isBetween(0.0, 1.0);
        assertThat(r.has("relativeL2Error")).isTrue();
        assertThat(r.has("maxAbsError")).isTrue();
        assertThat(r.has("affectedElements")).isTrue();
    }

    @Test
    void shouldRunTheOtherCollectivesExactly() {
        assertExact(LonghaulCliTestSupport.run(NO_LAUNCHER, "reducescatter", "--ranks", "3", "-b", "12K", "-e", "48K", "-f", "4",
            "-n", "1", "-w", "0", "-o", "max"), 2);
        assertExact(LonghaulCliTestSupport.run(NO_LAUNCHER, "allgather", "--ranks", "3", "-b", "12K", "-e", "48K", "-f", "4",
            "-n", "1", "-w", "0"), 2);
        final Outcome b = LonghaulCliTestSupport.run(NO_LAUNCHER, "broadcast", "--ranks", "3", "-b", "4K", "-e", "64K", "-f", "16",
            "-n", "1", "-w", "0", "-r", "2", "-d", "int32");
        assertExact(b, 2);
        assertThat(rows(b.out()).get(0)).startsWith("4096", "1024", "int32", "none", "2");
    }

    @Test
    void shouldRunThreeRanksFoundThroughTheirEnvironment() throws Exception {
        final String port = Integer.toString(freePort());
        final List<CompletableFuture<Outcome>> ranks = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            final Map<String, String> env = Map.of("RANK", Integer.toString(r), "WORLD_SIZE", "3", "MASTER_ADDR", "127.0.0.1",
                "MASTER_PORT", port);
            ranks.add(CompletableFuture.supplyAsync(() -> LonghaulCliTestSupport.run(env, "allreduce", "-b", "4K", "-e", "256K",
                "-f", "8", "-n", "2", "-w", "1", "--jit-warmup", "100ms")));
        }
        final Outcome rank0 = ranks.get(0).get(50, TimeUnit.SECONDS);
        assertExact(rank0, 3);
        assertThat(rank0.out()).contains("3 ranks one per process (torchrun)");
        assertThat(rank0.out()).as("the first operation is timed, after the JIT warm-up")
            .containsPattern("# First operation: [0-9.]+ ms \\(slowest rank\\), [0-9.]+ s after rank 0's JVM started; "
                + "JIT warm-up [0-9.]+ s, [1-9][0-9]* all-reduces");
        for (int r = 1; r < 3; r++) {
            final Outcome o = ranks.get(r).get(50, TimeUnit.SECONDS);
            assertThat(o.exitCode()).as(o.err()).isZero();
            assertThat(o.out()).as("only rank 0 prints the table").isEmpty();
        }
    }

    @Test
    void shouldFailWithExitCodeOneNamingRanksThatNeverRegistered() throws Exception {
        final Map<String, String> env = Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "3", "MASTER_ADDR", "127.0.0.1",
            "MASTER_PORT", Integer.toString(freePort()));
        final Outcome o = LonghaulCliTestSupport.run(env, "allreduce", "--connect-timeout", "1s", "-b", "1K", "-e", "1K");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("longhaul: rendezvous timed out after 1 s: ranks 1, 2 never registered");
    }

    @Test
    void shouldRejectBadFlagsWithExitCodeTwoAndAPreciseMessage() {
        final String[][] cases = {
            {"-b 4Q", "-b: bad size '4Q'"},
            {"--algo warp", "unknown algorithm 'warp'; accepted: auto, ring, rhd, tree, hier"},
            {"--link loss=200%", "--link: "},
            {"--cc warp", "--cc: unknown congestion control 'warp'"},
            {"--ranks 0", "--ranks 0 is out of range; accepted: 1 to 64"},
            {"--topology 2x2 --ranks 3", "--topology 2x2 has 4 ranks but --ranks is 3"},
            {"--topology 2y2", "--topology: bad topology '2y2'"},
            {"--ranks 2 --rank 0 --world-size 2", "exclude each other"},
            {"--rank 0", "--rank and --world-size go together"},
            {"-c 2", "-c 2 is out of range; accepted: 0 or 1"},
            {"-b 2M -e 1M", "is invalid; accepted: 0 <= b <= e"},
            {"--timeout 0s", "--timeout 0s is out of range"},
            {"--peer-timeout 50ms", "--peer-timeout 50ms is out of range; accepted: 100ms to 1h"},
            {"--jit-warmup soon", "--jit-warmup: "},
            {"--ranks 2 --insecure --key-file job.key", "--insecure and --key-file exclude each other"},
            {"--bind 10.0.0.1:9000", "--bind '10.0.0.1:9000' takes an address without a port"},
            {"--no-such-flag", "Unknown option: '--no-such-flag'"},
            {"--mode fast", "--mode: unknown mode 'fast'; accepted: reliable, bounded"},
            {"--mode bounded --deadline 1us", "--deadline 1us is out of range; accepted: 10us to 10min, or auto"},
            {"--mode bounded --deadline soon", "(or auto)"},
            {"--mode bounded --bounded some", "--bounded: unknown bounded scope 'some'; accepted: auto, inter, all"},
            {"--hadamard", "--hadamard needs --mode bounded"},
            {"--mode bounded --hadamard -d int32", "--hadamard needs -d float or double"},
            {"--mode bounded --hadamard -o max", "--hadamard needs -o sum or avg"},
        };
        for (final String[] c : cases) {
            final List<String> args = new ArrayList<>(List.of("allreduce"));
            args.addAll(List.of(c[0].split(" ")));
            final Outcome o = LonghaulCliTestSupport.run(NO_LAUNCHER, args.toArray(new String[0]));
            assertThat(o.exitCode()).as(c[0]).isEqualTo(2);
            assertThat(o.err()).as(c[0]).contains(c[1]);
        }
        final Outcome bc = LonghaulCliTestSupport.run(NO_LAUNCHER, "broadcast", "--ranks", "2", "--mode", "bounded");
        assertThat(bc.exitCode()).isEqualTo(2);
        assertThat(bc.err()).contains("--mode bounded applies to all-reduce, reduce-scatter and all-gather, not broadcast");
        final Outcome root = LonghaulCliTestSupport.run(NO_LAUNCHER, "broadcast", "--ranks", "4", "-r", "4");
        assertThat(root.exitCode()).isEqualTo(2);
        assertThat(root.err()).contains("-r 4 is out of range; accepted: 0 to 3 (4 ranks)");
        final Outcome env = LonghaulCliTestSupport.run(Map.of("RANK", "5", "WORLD_SIZE", "2", "MASTER_ADDR", "h"), "allreduce");
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.err()).contains("RANK = 5 is out of range; accepted: 0 to 1 (WORLD_SIZE = 2)");
    }

    @Test
    void shouldDocumentEveryFlagWithAnExample() {
        final Outcome o = LonghaulCliTestSupport.run(NO_LAUNCHER, "allreduce", "--help");
        assertThat(o.exitCode()).isZero();
        for (final String flag : new String[] {"--minbytes", "--maxbytes", "--stepfactor", "--stepbytes", "--iters", "--warmup_iters",
            "--check", "--datatype", "--op", "--algo", "--ranks", "--topology", "--link", "--cc", "--bind", "--timeout",
            "--connect-timeout", "--chunk", "--paths", "--seed", "--json", "--rank", "--world-size", "--master", "--mode", "--deadline",
            "--bounded", "--hadamard", "--peer-timeout", "--key-file", "--insecure", "--jit-warmup"}) {
            assertThat(o.out()).as(flag).contains(flag);
        }
        assertThat(o.out()).contains("longhaul allreduce --topology 2x2 --link delay=5ms,rate=1gbit,loss=0.1% --algo hier")
            .contains("MASTER_ADDR/MASTER_PORT").contains("OMPI_COMM_WORLD_RANK").contains("SLURM_PROCID");
        final Outcome b = LonghaulCliTestSupport.run(NO_LAUNCHER, "broadcast", "--help");
        assertThat(b.out()).contains("-r, --root=R");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
