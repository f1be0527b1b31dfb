package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: flag errors exit with 2 and a precise message; a short local perf run writes its JSON. */
class LonghaulCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args) {
        final CommandLine cli = LonghaulCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldRejectBadFlagsWithExitCodeTwoAndAPreciseMessage() {
        assertThat(run("perf", "--size", "4Q")).isEqualTo(2);
        assertThat(err.toString()).contains("--size").contains("4Q");
        assertThat(run("perf", "--paths", "17")).isEqualTo(2);
        assertThat(err.toString()).contains("--paths 17 is out of range; accepted: 1 to 16");
        assertThat(run("perf", "--link", "delay=5ms,loss=200%")).isEqualTo(2);
        assertThat(err.toString()).contains("--link: ").contains("loss");
        assertThat(run("perf", "--link", "ecmp=4,fail=9@1s")).isEqualTo(2);
        assertThat(err.toString()).contains("--link: ").contains("link 9 is out of range; accepted: 0 to 3");
        assertThat(run("perf", "--client", "127.0.0.1:9000", "--insecure", "--key-file", "job.key")).isEqualTo(2);
        assertThat(err.toString()).contains("--insecure and --key-file exclude each other");
        assertThat(run("perf", "--server", "--key-file", "/nonexistent/job.key")).isEqualTo(2);
        assertThat(err.toString()).contains("--key-file: /nonexistent/job.key: cannot read the key file");
        if (System.getenv("LONGHAUL_KEY") == null) {
            assertThat(run("perf", "--client", "127.0.0.1:9000")).isEqualTo(2);
            assertThat(err.toString()).contains("both ends need the same job key: --key-file FILE");
        }
        assertThat(run("perf", "--cc", "warp")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown congestion control 'warp'");
        assertThat(run("perf", "--server", "--client", "10.0.0.2:9000")).isEqualTo(2);
        assertThat(err.toString()).contains("choose one of --local, --server, --client");
        assertThat(run("perf", "--client", "10.0.0.2")).isEqualTo(2);
        assertThat(err.toString()).contains("must be ADDR:PORT");
        assertThat(run("perf", "--omit", "1s", "--bytes", "1M")).isEqualTo(2);
        assertThat(err.toString()).contains("--omit measures a --duration; it does not go with --bytes");
        assertThat(run("perf", "--omit", "61m")).isEqualTo(2);
        assertThat(err.toString()).contains("--omit 61m is out of range; accepted: 0 to 1h");
        assertThat(run("perf", "--no-such-flag")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--no-such-flag'");
        assertThat(run("perf", "--io", "uring")).isEqualTo(2);
        assertThat(err.toString()).contains("--io 'uring' is not an io mode; accepted: auto, epoll, nio, io_uring");
    }

    /** io_uring is an I/O mode like epoll: chosen by name, reported as such (or, where the kernel refuses it, a clear error). */
    @Test
    void shouldRunOnIoUringWhenAskedAndReportIt() throws Exception {
        final int code = run("perf", "--local", "--insecure", "--io", "io_uring", "--bytes", "8M", "--size", "1M");
        if (io.longhaul.transport.media.UdpDriver.ioUringAvailable()) {
            assertThat(code).as(out + " " + err).isZero();
            assertThat(out.toString()).contains("io io_uring (gso");
        } else {
            assertThat(code).isEqualTo(2);
            assertThat(err.toString()).contains("--io io_uring: io_uring is not available here");
        }
    }

    @Test
    void shouldDocumentEveryFlagWithAnExample() {
        assertThat(run("perf", "--help")).isZero();
        final String help = out.toString();
        for (final String flag : new String[] {"--local", "--server", "--client", "--bind", "--cc", "--size", "--duration",
            "--bytes", "--omit", "--link", "--paths", "--seed", "--json"}) {
            assertThat(help).contains(flag);
        }
        assertThat(help).contains("longhaul perf --client 10.0.0.2:9000").contains("loss=0.1%").doesNotContain("%%");
        assertThat(err.toString()).doesNotContain("WARN");
    }

    @Test
    void shouldRenderEveryCommandsHelpWithoutFormattingWarnings() {
        final java.io.PrintStream savedErr = System.err;
        final java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (final String command : LonghaulCli.commandLine().getSubcommands().keySet()) {
                if (!command.equals("help")) {
                    assertThat(run(command, "--help")).as(command).isZero();
                }
            }
        } finally {
            System.setErr(savedErr);
        }
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8) + err).doesNotContain("WARN");
        assertThat(out.toString()).contains("Usage: longhaul demo").contains("Usage: longhaul allreduce").contains("Usage: longhaul train");
    }

    @Test
    void shouldRunALocalTransferAndWriteJson(@TempDir final Path dir) throws Exception {
        final Path json = dir.resolve("perf.json");
        assertThat(run("perf", "--local", "--bytes", "32M", "--size", "1M", "--link", "delay=1ms", "--json", json.toString()))
            .as(out + " " + err).isZero();
        final JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.get("bytes").asLong()).isEqualTo(32L << 20);
        assertThat(node.get("goodput_bps").asLong()).isPositive();
        assertThat(node.get("rtt_us").get("min").asLong()).isGreaterThanOrEqualTo(1_900);
        assertThat(node.get("cc").asText()).isEqualTo("bbr");
        assertThat(node.get("authenticated").asBoolean()).as("a local run keys itself").isTrue();
        assertThat(out.toString()).contains("sessions: authenticated, AES-256-GCM (key: generated for this process)");
        assertThat(node.get("link").asText()).contains("delay=1ms");
        assertThat(node.get("timer_lateness_us").get("samples").asLong()).isPositive();
        assertThat(node.get("timer_lateness_us").get("max").asDouble())
            .isGreaterThanOrEqualTo(node.get("timer_lateness_us").get("p50").asDouble());
        assertThat(out.toString()).contains("sender").contains("timer lateness p50/p99/max");
    }

    @Test
    void shouldLeaveTheOmittedStartOutOfTheFigures(@TempDir final Path dir) throws Exception {
        final Path json = dir.resolve("perf.json");
        assertThat(run("perf", "--local", "--duration", "500ms", "--omit", "300ms", "--size", "256K", "--cc", "fixed:rate=40mbit",
            "-i", "100ms", "--json", json.toString())).as(out + " " + err).isZero();
        final JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.get("omitted_seconds").asDouble()).isBetween(0.3, 1.0);
        // 40 Mbit/s for 0.3 s omitted and 0.5 s measured: the figures cover the measured part only.
        assertThat(node.get("bytes").asLong()).isLessThan(node.get("goodput_bps").asLong() / 8 * 2);
        assertThat(out.toString()).contains("(omitted)").contains("omitted)");
    }

    @Test
    void shouldSpreadALocalTransferOverAnEcmpFabricAndCountEveryLink(@TempDir final Path dir) throws Exception {
        final Path json = dir.resolve("perf.json");
        assertThat(run("perf", "--local", "--bytes", "16M", "--size", "1M", "--paths", "4", "--link", "ecmp=4,delay=1ms,rate=400mbit,queue=2bdp",
            "--json", json.toString())).as(out + " " + err).isZero();
        final JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertThat(node.get("bytes").asLong()).isEqualTo(16L << 20);
        assertThat(node.get("link").asText()).startsWith("ecmp=4,").contains("rate=400mbit");
        assertThat(node.get("scheduler").asText()).isEqualTo("spray");
        final JsonNode links = node.get("links");
        assertThat(links).as("4 links on the sender's egress, 4 on the receiver's").hasSize(8);
        long dataBytes = 0;
        long ackBytes = 0;
        for (final JsonNode l : links) {
            assertThat(l.get("delivered").asLong()).isLessThanOrEqualTo(l.get("offered").asLong());
            if (l.get("from").asText().equals("sender")) {
                dataBytes += l.get("delivered_bytes").asLong();
            } else {
                ackBytes += l.get("delivered_bytes").asLong();
            }
        }
        assertThat(dataBytes).as("every payload byte crossed a link, with headers").isGreaterThan(16L << 20);
        assertThat(ackBytes).as("ACKs are small").isPositive().isLessThan(dataBytes / 10);
        for (final JsonNode p : node.get("per_path")) {
            assertThat(p.get("bytes_sent").asLong()).as("spray uses every path").isPositive();
        }
        assertThat(out.toString()).contains("ECMP group ecmp=4,").contains("sender->receiver");
    }
}
