package io.longhaul.harness.cli;

import io.longhaul.harness.fabric.FabricControl;
import io.longhaul.harness.fabric.FabricControl.FabricException;
import io.longhaul.harness.fabric.FabricTopology;
import io.longhaul.harness.fabric.PacketScheduler;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code longhaul fabric}: the kernel-level fabric, N network namespaces whose IP packets all
 * cross the project's link model in a user-space forwarder, so that any program (iperf3, Gloo,
 * MPI, longhaul) sees the same emulated links.
 */
@Command(name = "fabric", mixinStandardHelpOptions = true,
    description = {"Kernel-level fabric: N network namespaces joined by a forwarder that moves every IP packet",
        "through longhaul's link model, so kernel TCP, Gloo, MPI and longhaul cross the same emulated links.",
        "Needs root and TUN (/dev/net/tun); no sch_netem."},
    subcommands = {FabricCommand.Up.class, FabricCommand.Down.class, FabricCommand.Status.class, FabricCommand.Exec.class,
        FabricCommand.Forward.class},
    footer = {"", "Examples:",
        "  longhaul fabric up --hosts 4 --dcs 2 --link delay=4.9ms,rate=1gbit,loss=0.1%%",
        "  longhaul fabric exec 1 -- iperf3 -s -D",
        "  longhaul fabric exec 0 -- iperf3 -c 10.78.0.2 -t 10 -C bbr",
        "  longhaul fabric status",
        "  longhaul fabric down"})
final class FabricCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int fail(final CommandLine.Model.CommandSpec spec, final FabricException e) {
        spec.commandLine().getErr().println("longhaul fabric: " + e.getMessage());
        return e.exitCode();
    }

    private static FabricControl control(final CommandLine.Model.CommandSpec spec) {
        return new FabricControl(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** {@code fabric up}. */
    @Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create the fabric and start its forwarder in the background (or in the foreground with --foreground).",
            "Host i is namespace PREFIXi with device " + FabricTopology.DEVICE + ", address 10.78.0.(i+1)/16; hosts are split into",
            "--dcs data centers in contiguous blocks. Each ordered pair of hosts has its own link: --link between DCs,",
            "--intra inside one; a packet crosses one link, so the RTT between two hosts is twice the delay."},
        footer = {"", "Exit codes: 0 up, 1 failed (whatever was created is removed), 2 bad flags, 3 not root or no TUN.",
            "", "Examples:",
            "  longhaul fabric up --hosts 2 --link delay=5ms,rate=1gbit,loss=1%%",
            "  longhaul fabric up --hosts 4 --dcs 2 --link delay=4.9ms,rate=1gbit --intra delay=5us,rate=10gbit",
            "  longhaul fabric up --hosts 2 --link ecmp=4,delay=5ms,rate=250mbit,queue=2bdp,nic=1gbit"})
    static final class Up implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Option(names = "--hosts", paramLabel = "N", required = true, description = "Number of hosts (namespaces), 2 to " + FabricTopology.MAX_HOSTS + ".")
        private int hosts;

        @Option(names = "--dcs", paramLabel = "D", defaultValue = "2",
            description = "Number of data centers, 1 to N (default ${DEFAULT-VALUE}; with 1 every link is --intra).")
        private int dcs;

        @Option(names = "--link", paramLabel = "SPEC", defaultValue = "none",
            description = "Link between hosts of different DCs, in netem's vocabulary (default: ${DEFAULT-VALUE}), "
                + "e.g. delay=4.9ms,rate=1gbit,queue=2bdp,loss=0.1%%; or an ECMP group (ecmp=K plus those keys, nic, hash-seed, "
                + "fail=LINK@TIME[+DUR], degrade=...) joining each pair of DCs, every TCP/UDP 5-tuple hashed onto one of its K links, "
                + "e.g. ecmp=4,delay=4.9ms,rate=250mbit,nic=1gbit.")
        private String link;

        @Option(names = "--intra", paramLabel = "SPEC", defaultValue = "none", description = "Link between hosts of one DC (default: ${DEFAULT-VALUE}).")
        private String intra;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = FabricTopology.DEFAULT_PREFIX,
            description = "Namespace prefix: 'lh' then up to 6 lower-case letters or digits (default ${DEFAULT-VALUE}).")
        private String prefix;

        @Option(names = "--buffers", paramLabel = "N", defaultValue = "32768",
            description = "Packets the forwarder may hold in flight (queues and propagation) at once, " + PacketScheduler.MIN_SLOTS
                + " to " + PacketScheduler.MAX_SLOTS + "; 2 KiB each (default ${DEFAULT-VALUE}).")
        private int buffers;

        @Option(names = "--rt-priority", paramLabel = "N", defaultValue = "50",
            description = "Run the forwarder's thread with SCHED_FIFO at priority N, 1 to 99, so that the endpoints it carries "
                + "cannot starve it of CPU; 0 = normal scheduling (default ${DEFAULT-VALUE}).")
        private int rtPriority;

        @Option(names = "--foreground", description = "Forward in this process until Ctrl-C or SIGTERM, then remove the fabric.")
        private boolean foreground;

        @Override
        public Integer call() {
            final FabricTopology topology;
            try {
                final LinkSpec intraSpec = parse("--intra", intra);
                topology = FabricSpec.isFabricSpec(link) ? new FabricTopology(prefix, hosts, dcs, parseGroup(link), intraSpec)
                    : new FabricTopology(prefix, hosts, dcs, parse("--link", link), intraSpec);
                if (rtPriority < 0 || rtPriority > 99) {
                    throw new IllegalArgumentException("--rt-priority: " + rtPriority + " is out of range; accepted: 0 (normal scheduling) to 99");
                }
                if (buffers < PacketScheduler.MIN_SLOTS || buffers > PacketScheduler.MAX_SLOTS) {
                    throw new IllegalArgumentException("--buffers: " + buffers + " is out of range; accepted: " + PacketScheduler.MIN_SLOTS
                        + " to " + PacketScheduler.MAX_SLOTS);
                }
            } catch (final IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            final FabricControl control = control(spec);
            try {
                if (foreground) {
                    control.upForeground(topology, buffers, rtPriority);
                } else {
                    control.up(topology, buffers, rtPriority, javaCommand(buffers));
                }
                return 0;
            } catch (final FabricException e) {
                return fail(spec, e);
            }
        }

        private static FabricSpec parseGroup(final String text) {
            try {
                return FabricSpec.parse(text);
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("--link: " + e.getMessage(), e);
            }
        }

        private static LinkSpec parse(final String flag, final String text) {
            try {
                return LinkSpec.parse(text);
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
            }
        }

        /** This JVM's launcher and class path, for the background forwarder. */
        private static List<String> javaCommand(final int buffers) {
            final List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.add("-Xmx256m");
            cmd.add("-XX:MaxDirectMemorySize=" + ((long) buffers * PacketScheduler.SLOT_BYTES + (64L << 20)));
            cmd.add("-XX:+UseSerialGC");
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(LonghaulCli.class.getName());
            return cmd;
        }
    }

    /** {@code fabric down}. */
    @Command(name = "down", mixinStandardHelpOptions = true,
        description = {"Stop the forwarder and every process left in the fabric's namespaces, delete the namespaces and the state.",
            "Succeeds when there is nothing to remove."})
    static final class Down implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = FabricTopology.DEFAULT_PREFIX, description = "Namespace prefix (default ${DEFAULT-VALUE}).")
        private String prefix;

        @Override
        public Integer call() {
            try {
                control(spec).down(prefix);
                return 0;
            } catch (final FabricException e) {
                return fail(spec, e);
            }
        }
    }

    /** {@code fabric status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Hosts, the forwarder's health (CPU, lateness, drops: whether it is the bottleneck) and per-link counters.",
            "Exit code 1 when no fabric is up."})
    static final class Status implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = FabricTopology.DEFAULT_PREFIX, description = "Namespace prefix (default ${DEFAULT-VALUE}).")
        private String prefix;

        @Option(names = "--json", description = "Print the topology and the forwarder's raw counters as JSON.")
        private boolean json;

        @Override
        public Integer call() {
            try {
                return control(spec).status(prefix, json) ? 0 : 1;
            } catch (final FabricException e) {
                return fail(spec, e);
            }
        }
    }

    /** {@code fabric exec}. */
    @Command(name = "exec", mixinStandardHelpOptions = true,
        description = {"Run COMMAND in host HOST's namespace (same as ip netns exec PREFIXi COMMAND), with LONGHAUL_FABRIC_HOST",
            "and LONGHAUL_FABRIC_ADDRESS set; exits with its exit code."},
        footer = {"", "Example:", "  longhaul fabric exec 0 -- ping -c 3 10.78.0.2"})
    static final class Exec implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = FabricTopology.DEFAULT_PREFIX, description = "Namespace prefix (default ${DEFAULT-VALUE}).")
        private String prefix;

        @Parameters(index = "0", paramLabel = "HOST", description = "Host index (0..N-1) or namespace name (lhf0).")
        private String host;

        @Parameters(index = "1..*", paramLabel = "COMMAND", arity = "0..*", description = "The command, after --.")
        private List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            try {
                return control(spec).exec(prefix, host, command);
            } catch (final FabricException e) {
                return fail(spec, e);
            }
        }
    }

    /** {@code fabric forward}: the background forwarder that {@code up} starts. */
    @Command(name = "forward", hidden = true, description = "The forwarder process started by 'fabric up' (not for direct use).")
    static final class Forward implements Callable<Integer> {
        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = FabricTopology.DEFAULT_PREFIX)
        private String prefix;

        @Override
        public Integer call() {
            try {
                control(spec).forward(prefix);
                return 0;
            } catch (final FabricException e) {
                return fail(spec, e);
            }
        }
    }
}
