package io.longhaul.harness.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.longhaul.harness.cli.LonghaulCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fabric measured with kernel tools: ping's RTT, a bounded iperf3 UDP rate and its lost
 * datagrams, each as a ratio to the link spec, and a teardown that leaves nothing behind. Needs
 * root, TUN, ping and iperf3; skips with the reason otherwise.
 */
@Tag("fabric")
class FabricKernelTest {
    private static final String PREFIX = "lhtst";
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void needsRootTunAndTools() {
        final String why = FabricControl.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        Assumptions.assumeTrue(FabricControl.onPath("ping"), "skipped: ping is not installed (apt-get install -y iputils-ping)");
        Assumptions.assumeTrue(FabricControl.onPath("iperf3"), "skipped: iperf3 is not installed (apt-get install -y iperf3)");
    }

    @AfterEach
    void down() {
        LonghaulCli.run("fabric", "down", "--prefix", PREFIX);
    }

    @Test
    void shouldShowTheSpecsDelayAndRateToPingAndIperf3AndLeaveNothingBehind() throws Exception {
        assertThat(LonghaulCli.run("fabric", "up", "--prefix", PREFIX, "--hosts", "2", "--link", "delay=5ms,rate=40mbit,queue=100p"))
            .isZero();
        final long pid = Long.parseLong(Files.readString(FabricControl.stateDir(PREFIX).resolve("forwarder.pid")).trim());
        // Warm the forwarder up, then take the median of 20 pings: RTT = 2 x 5 ms.
        run(10, "ip", "netns", "exec", PREFIX + "0", "ping", "-c", "20", "-i", "0.02", "-q", "10.78.0.2");
        final String ping = run(15, "ip", "netns", "exec", PREFIX + "0", "ping", "-c", "20", "-i", "0.05", "10.78.0.2");
        final double rttMs = median(ping);
        System.out.printf("fabric: median ping RTT %.3f ms, %.3f of the spec's 10 ms%n", rttMs, rttMs / 10.0);
        assertThat(rttMs / 10.0).as("median ping RTT %.3f ms over the spec's 10 ms", rttMs).isBetween(0.99, 1.15);

        // UDP offered at twice the rate for 3 s: what arrives is the link's rate (1400-byte payloads in 1428-byte packets).
        final JsonNode udp = iperf3Udp("80M", 3);
        final double receivedBps = udp.path("end").path("sum").path("bits_per_second").asDouble()
            * (1 - udp.path("end").path("sum").path("lost_percent").asDouble() / 100);
        final double ratio = receivedBps / (40e6 * 1400 / 1428);
        assertThat(ratio).as("received %.2f Mbit/s of payload over 40 Mbit/s", receivedBps / 1e6).isBetween(0.92, 1.03);
        System.out.printf("fabric: iperf3 UDP received %.2f Mbit/s of payload, %.3f of the 40 Mbit/s spec%n", receivedBps / 1e6, ratio);
        final JsonNode link = link(0, 1);
        assertThat(link.path("queueDrops").asLong()).as("the link's tail drops when offered twice its rate").isPositive();

        assertThat(LonghaulCli.run("fabric", "down", "--prefix", PREFIX)).isZero();
        assertThat(FabricControl.existingNamespaces(PREFIX)).isEmpty();
        assertThat(Files.exists(FabricControl.stateDir(PREFIX))).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("forwarder pid %d still alive", pid).isFalse();
    }

    @Test
    void shouldLoseTheSpecsShareOfPacketsAndCountEachDrop() throws Exception {
        assertThat(LonghaulCli.run("fabric", "up", "--prefix", PREFIX, "--hosts", "2", "--link", "loss=5%,seed=3")).isZero();
        final JsonNode udp = iperf3Udp("20M", 2);
        final long sent = udp.path("end").path("sum").path("packets").asLong();
        final long lost = udp.path("end").path("sum").path("lost_packets").asLong();
        assertThat(sent).isGreaterThan(3000);
        assertThat((double) lost / sent / 0.05).as("iperf3 lost %d of %d", lost, sent).isBetween(0.75, 1.25);
        // Every datagram iperf3 missed was dropped by the link model (which also dropped some of the control connection's packets).
        final long modelLost = link(0, 1).path("lost").asLong();
        System.out.printf("fabric: iperf3 lost %d of %d datagrams (%.2f%%, %.3f of the spec's 5%%); the link model dropped %d%n", lost, sent,
            100.0 * lost / sent, (double) lost / sent / 0.05, modelLost);
        assertThat(modelLost).isGreaterThanOrEqualTo(lost).isLessThan(lost + 100);
    }

    private static JsonNode iperf3Udp(final String rate, final int seconds) throws Exception {
        final Process server = new ProcessBuilder("ip", "netns", "exec", PREFIX + "1", "iperf3", "-s", "-1").redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = "";
            for (int attempt = 0; attempt < 50; attempt++) {
                final ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", PREFIX + "0", "iperf3", "-c", "10.78.0.2", "-u", "-b", rate,
                    "-l", "1400", "-t", Integer.toString(seconds), "-J");
                final Process p = pb.redirectErrorStream(true).start();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() == 0) {
                    return JSON.readTree(out);
                }
                if (!out.contains("Connection refused")) {
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(100); // the server is still starting: it has no readiness signal
            }
            throw new AssertionError("iperf3 failed: " + out);
        } finally {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static JsonNode link(final int src, final int dst) throws IOException, InterruptedException {
        TimeUnit.MILLISECONDS.sleep(TimeUnit.NANOSECONDS.toMillis(TunForwarder.STATUS_PERIOD_NS) + 200); // one fresh status file
        final JsonNode s = JSON.readTree(FabricControl.stateDir(PREFIX).resolve("status.json").toFile());
        for (final JsonNode l : s.path("links")) {
            if (l.path("src").asInt() == src && l.path("dst").asInt() == dst) {
                return l;
            }
        }
        throw new AssertionError("no link " + src + "->" + dst + " in " + s);
    }

    private static double median(final String pingOutput) {
        final Matcher m = Pattern.compile("time=([0-9.]+) ms").matcher(pingOutput);
        final List<Double> times = new ArrayList<>();
        while (m.find()) {
            times.add(Double.parseDouble(m.group(1)));
        }
        assertThat(times).as("ping replies in:%n%s", pingOutput).hasSizeGreaterThanOrEqualTo(18);
        final double[] t = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return t[t.length / 2];
    }

    private static String run(final int timeoutSeconds, final String... cmd) throws Exception {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s:%n%s", Arrays.toString(cmd), out).isZero();
        return out;
    }
}
