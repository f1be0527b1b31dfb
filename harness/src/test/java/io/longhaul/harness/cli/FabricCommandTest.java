package io.longhaul.harness.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code longhaul fabric}'s flags: bad values end with exit code 2 and a message naming the field and the range. */
class FabricCommandTest {
    private record Outcome(int exitCode, String out, String err) {
    }

    private static Outcome run(final String... args) {
        final CommandLine cli = LonghaulCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void shouldRejectBadTopologyFlagsNamingTheFieldAndTheAcceptedRange() {
        Outcome o = run("fabric", "up", "--hosts", "1");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--hosts: 1 is out of range; accepted: 2 to 1000");
        o = run("fabric", "up", "--hosts", "4", "--dcs", "5");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--dcs: 5 is out of range; accepted: 1 to the number of hosts (4)");
        o = run("fabric", "up", "--hosts", "2", "--prefix", "xyz");
        assertThat(o.err()).contains("--prefix: 'xyz' is not accepted");
        o = run("fabric", "up", "--hosts", "2", "--buffers", "10");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--buffers: 10 is out of range; accepted: 64 to 524288");
        o = run("fabric", "up", "--hosts", "2", "--rt-priority", "100");
        assertThat(o.err()).contains("--rt-priority: 100 is out of range; accepted: 0 (normal scheduling) to 99");
        o = run("fabric", "up");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("Missing required option: '--hosts=N'");
    }

    @Test
    void shouldRejectABadLinkSpecNamingTheFlagAndTheKey() {
        Outcome o = run("fabric", "up", "--hosts", "2", "--link", "delay=far");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--link: ").contains("delay");
        o = run("fabric", "up", "--hosts", "2", "--intra", "loss=200%");
        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.err()).contains("--intra: ").contains("loss");
    }

    @Test
    void shouldSayWhenNoFabricIsUp() {
        Outcome o = run("fabric", "status", "--prefix", "lhnone");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.out()).contains("no fabric with prefix lhnone");
        o = run("fabric", "exec", "--prefix", "lhnone", "0", "--", "true");
        assertThat(o.exitCode()).isEqualTo(1);
        assertThat(o.err()).contains("no fabric is up with this prefix");
    }

    @Test
    void shouldDocumentEveryFabricCommandWithAnExample() {
        for (final String sub : new String[] {"up", "exec"}) {
            final Outcome o = run("fabric", sub, "--help");
            assertThat(o.exitCode()).isZero();
            assertThat(o.out()).contains("Example").contains("longhaul fabric " + sub);
        }
        assertThat(run("fabric", "--help").out()).contains("fabric up --hosts 4 --dcs 2");
    }
}
