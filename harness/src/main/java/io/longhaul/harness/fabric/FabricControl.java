package io.longhaul.harness.fabric;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longhaul.transport.sim.LinkSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds, runs, inspects and removes a fabric with {@code ip} (iproute2): one network namespace
 * per host with loopback and a persistent TUN device {@link FabricTopology#DEVICE} carrying the
 * host's address, and a forwarder process that attaches to every device. Nothing is added to the
 * host's own namespace. State lives in {@code /run/longhaul/fabric/PREFIX}: {@code topology.json},
 * {@code status.json} (rewritten by the forwarder twice a second) and {@code forwarder.log}.
 */
public final class FabricControl {
    /** Parent of every fabric's state directory. */
    public static final Path STATE_ROOT = Path.of("/run/longhaul/fabric");
    /** Packets the TUN device queues in the kernel before the forwarder reads them. */
    public static final int TX_QUEUE_PACKETS = 4096;
    private static final long READY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;
    private final PrintWriter err;

    /** A controller printing progress to {@code out} and problems to {@code err}. */
    public FabricControl(final PrintWriter out, final PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    /** Failure of a fabric operation, with the message to show. */
    public static final class FabricException extends Exception {
        private final int exitCode;

        /** @param exitCode 1 for a runtime failure, 3 for a missing kernel feature or rights. */
        public FabricException(final int exitCode, final String message) {
            super(message);
            this.exitCode = exitCode;
        }

        /** The exit code to end with. */
        public int exitCode() {
            return exitCode;
        }
    }

    /** The state directory of the fabric with {@code prefix}. */
    public static Path stateDir(final String prefix) {
        return STATE_ROOT.resolve(prefix);
    }

    /**
     * Why this process cannot build a fabric (not root, no {@code ip}, no TUN), or null if it can.
     */
    public static String unavailableReason() {
        if (!isRoot()) {
            return "the fabric needs root (it creates network namespaces and TUN devices); rerun with sudo";
        }
        if (!onPath("ip")) {
            return "'ip' is not installed; install iproute2 (apt-get install -y iproute2)";
        }
        try {
            final String tun = Tun.unavailableReason();
            if (tun != null) {
                return tun;
            }
        } catch (final LinkageError e) {
            return "cannot load JNA's native library to reach /dev/net/tun: " + e;
        }
        return null;
    }

    /** Whether this process runs with uid 0. */
    public static boolean isRoot() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (final IOException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
        return false;
    }

    /** Whether {@code command} is an executable on PATH. */
    public static boolean onPath(final String command) {
        final String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (final String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Creates the namespaces and devices, starts the forwarder as a background process and waits
     * until it has attached to every device. On any failure, or when interrupted by a signal,
     * whatever was created is removed again.
     *
     * @param javaCommand the command starting a JVM with longhaul on its class path, followed by
     *     the main class (the forwarder runs {@code ... fabric forward --prefix P}).
     */
    public void up(final FabricTopology topology, final int buffers, final int rtPriority, final List<String> javaCommand) throws FabricException {
        preflight(topology);
        final Path dir = stateDir(topology.prefix());
        final Thread rollback = new Thread(() -> removeQuietly(topology.prefix()), "lh-fabric-rollback");
        Runtime.getRuntime().addShutdownHook(rollback);
        boolean done = false;
        try {
            createNamespaces(topology, dir, buffers, rtPriority);
            final List<String> cmd = new ArrayList<>();
            if (onPath("setsid")) {
                cmd.add("setsid");
            }
            cmd.addAll(javaCommand);
            cmd.addAll(List.of("fabric", "forward", "--prefix", topology.prefix()));
            final Path log = dir.resolve("forwarder.log");
            final Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (final IOException e) {
                throw new FabricException(1, "cannot start the forwarder (" + String.join(" ", cmd) + "): " + e.getMessage());
            }
            waitReady(dir, p, log);
            done = true;
            printSummary(topology, dir);
        } finally {
            if (done) {
                Runtime.getRuntime().removeShutdownHook(rollback);
            } else {
                Runtime.getRuntime().removeShutdownHook(rollback);
                err.println("longhaul fabric: setup failed; removing what was created");
                removeQuietly(topology.prefix());
            }
        }
    }

    /**
     * Like {@link #up} but runs the forwarder in this process until it is stopped (SIGINT or
     * SIGTERM), then removes the fabric.
     */
    public void upForeground(final FabricTopology topology, final int buffers, final int rtPriority) throws FabricException {
        preflight(topology);
        final Path dir = stateDir(topology.prefix());
        final Object lock = new Object();
        final TunForwarder[] holder = new TunForwarder[1];
        final Thread teardown = new Thread(() -> {
            synchronized (lock) {
                if (holder[0] != null) {
                    holder[0].stop();
                    waitFinished(holder[0]);
                }
            }
            removeQuietly(topology.prefix());
        }, "lh-fabric-teardown");
        Runtime.getRuntime().addShutdownHook(teardown);
        createNamespaces(topology, dir, buffers, rtPriority);
        final int[] fds = attachAll(topology);
        try {
            final TunForwarder f = new TunForwarder(new PacketScheduler(topology, buffers, System.nanoTime()), fds, dir.resolve("status.json"))
                .realTimePriority(rtPriority);
            synchronized (lock) {
                holder[0] = f;
            }
            writePid(dir, ProcessHandle.current().pid());
            printSummary(topology, dir);
            out.println("forwarding in the foreground; Ctrl-C stops it and removes the fabric");
            out.flush();
            f.run();
            if (f.fatal() != null) {
                throw new FabricException(1, "forwarder stopped: " + f.fatal());
            }
        } finally {
            for (final int fd : fds) {
                Tun.close(fd);
            }
        }
    }

    /**
     * The forwarder process: attaches to the devices of the fabric described in its state
     * directory and forwards until SIGTERM or SIGINT.
     */
    public void forward(final String prefix) throws FabricException {
        final Path dir = stateDir(prefix);
        final ObjectNode t = readTopology(dir);
        final FabricTopology topology = topologyOf(t);
        final int buffers = t.path("buffers").asInt(32768);
        final int[] fds = attachAll(topology);
        final TunForwarder f = new TunForwarder(new PacketScheduler(topology, buffers, System.nanoTime()), fds, dir.resolve("status.json"))
            .realTimePriority(t.path("rtPriority").asInt(0));
        final Thread stopper = new Thread(() -> {
            f.stop();
            waitFinished(f);
        }, "lh-fabric-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        writePid(dir, ProcessHandle.current().pid());
        err.println("longhaul fabric: forwarding for " + topology.hosts() + " hosts (" + prefix + "), pid " + ProcessHandle.current().pid());
        try {
            f.run();
        } finally {
            for (final int fd : fds) {
                Tun.close(fd);
            }
        }
        if (f.fatal() != null) {
            throw new FabricException(1, "forwarder stopped: " + f.fatal());
        }
    }

    /**
     * Stops the forwarder and every process still running in the fabric's namespaces, deletes the
     * namespaces (their devices go with them) and the state directory. Succeeds when there is
     * nothing to remove.
     *
     * @return how many namespaces were deleted.
     */
    public int down(final String prefix) throws FabricException {
        if (!isRoot()) {
            throw new FabricException(3, "fabric down needs root (it deletes network namespaces); rerun with sudo");
        }
        final int removed = remove(prefix);
        out.println(removed == 0 ? "fabric " + prefix + ": nothing to remove" : "fabric " + prefix + ": removed " + removed + " namespaces");
        return removed;
    }

    /** Prints hosts, the forwarder's health and per-link counters; returns false if there is no fabric. */
    public boolean status(final String prefix, final boolean asJson) throws FabricException {
        final Path dir = stateDir(prefix);
        if (!Files.exists(dir.resolve("topology.json"))) {
            out.println("no fabric with prefix " + prefix);
            return false;
        }
        final ObjectNode t = readTopology(dir);
        final FabricTopology topology = topologyOf(t);
        JsonNode s = null;
        try {
            if (Files.exists(dir.resolve("status.json"))) {
                s = JSON.readTree(dir.resolve("status.json").toFile());
            }
        } catch (final IOException e) {
            err.println("longhaul fabric: cannot read " + dir.resolve("status.json") + ": " + e.getMessage());
        }
        final long[] tunDrops = new long[topology.hosts()];
        for (int i = 0; i < topology.hosts(); i++) {
            tunDrops[i] = tunTxDropped(topology.namespace(i));
        }
        final long pid = readPid(dir);
        final boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (asJson) {
            final ObjectNode all = JSON.createObjectNode();
            all.set("topology", t);
            all.put("forwarderRunning", alive);
            all.set("forwarder", s);
            final var drops = all.putArray("tunTxDropped");
            for (final long d : tunDrops) {
                drops.add(d);
            }
            out.println(all.toPrettyString());
            return true;
        }
        out.printf("fabric %s: %d hosts in %d DCs; inter-DC %s %s; intra-DC link %s%n", prefix, topology.hosts(), topology.dcs(),
            topology.interGroup() != null ? "ECMP group" : "link", topology.interText(), topology.intra());
        out.printf("  %-8s %-4s %-12s %s%n", "host", "dc", "address", "kernel drops at the device (forwarder too slow)");
        for (int i = 0; i < topology.hosts(); i++) {
            out.printf("  %-8s %-4d %-12s %s%n", topology.namespace(i), topology.dcOf(i), topology.address(i),
                tunDrops[i] < 0 ? "?" : Long.toString(tunDrops[i]));
        }
        if (s == null) {
            out.println("  forwarder: no status yet" + (alive ? " (pid " + pid + " running)" : " and not running"));
            return true;
        }
        out.printf("  forwarder: %s, pid %d, up %.1f s, cpu %.1f%% of a core over the last 0.5 s (%.1f s in all), %.1f Mbit/s out%n",
            alive ? "running" : "NOT RUNNING", pid, s.path("uptimeSeconds").asDouble(), s.path("cpuPercentLastInterval").asDouble(),
            s.path("cpuSeconds").asDouble(), s.path("throughputMbpsLastInterval").asDouble());
        final JsonNode late = s.path("latenessUsTotal");
        out.printf("  packets in %d, out %d; dropped: not IPv4 %d, no route %d, out of buffers %d (of %d), write errors %d%n",
            s.path("packetsIn").asLong(), s.path("packetsOut").asLong(), s.path("droppedNotIpv4").asLong(), s.path("droppedNoRoute").asLong(),
            s.path("droppedPoolFull").asLong(), s.path("buffers").asLong(), s.path("writeErrors").asLong());
        out.printf("  lateness of deliveries (us): p50 %.0f, p99 %.0f, max %.0f; %d packets over 1 ms late, %d over 10 ms%n",
            late.path("p50").asDouble(), late.path("p99").asDouble(), late.path("max").asDouble(), s.path("lateOver1ms").asLong(),
            s.path("lateOver10ms").asLong());
        for (final String verdict : bottleneckVerdicts(s, tunDrops)) {
            out.println("  ! " + verdict);
        }
        if (!s.path("fatal").isNull() && !s.path("fatal").asText().isEmpty()) {
            out.println("  ! forwarder stopped: " + s.path("fatal").asText());
        }
        out.printf("  %-16s %-5s %10s %10s %8s %8s %6s %6s %6s %12s%n", "link", "kind", "offered", "delivered", "lost", "q-drops", "dup",
            "corr", "reord", "MB offered");
        for (final JsonNode l : s.path("links")) {
            out.printf("  %-16s %-5s %10d %10d %8d %8d %6d %6d %6d %12.1f%n",
                topology.namespace(l.path("src").asInt()) + "->" + topology.namespace(l.path("dst").asInt()), l.path("kind").asText(),
                l.path("offered").asLong(), l.path("delivered").asLong(), l.path("lost").asLong(), l.path("queueDrops").asLong(),
                l.path("duplicated").asLong(), l.path("corrupted").asLong(), l.path("reordered").asLong(), l.path("bytesOffered").asLong() / 1e6);
        }
        for (final JsonNode g : s.path("ecmp")) {
            final int a = g.path("dcs").path(0).asInt();
            final int b = g.path("dcs").path(1).asInt();
            out.printf("  ECMP group dc%d<->dc%d: %s%n", a, b, g.path("spec").asText());
            out.printf("    %-10s %4s %10s %10s %12s %8s %8s %9s%n", "direction", "link", "offered", "delivered", "MB delivered", "lost",
                "q-drops", "down-drop");
            for (final JsonNode l : g.path("links")) {
                final boolean forward = l.path("direction").asInt() == 0;
                out.printf("    %-10s %4d %10d %10d %12.1f %8d %8d %9d%n", "dc" + (forward ? a : b) + "->dc" + (forward ? b : a),
                    l.path("link").asInt(), l.path("offered").asLong(), l.path("delivered").asLong(), l.path("deliveredBytes").asLong() / 1e6,
                    l.path("lossDrops").asLong(), l.path("queueDrops").asLong(), l.path("failureDrops").asLong());
            }
            for (final JsonNode n : g.path("nics")) {
                if (n.path("drops").asLong() > 0) {
                    out.printf("    NIC of %s: %d packets offered, %d dropped by its queue%n", topology.namespace(n.path("host").asInt()),
                        n.path("offered").asLong(), n.path("drops").asLong());
                }
            }
        }
        return true;
    }

    /**
     * What in a status says the forwarder itself limits the fabric: CPU near a full core, packets
     * leaving it late, buffers exhausted, the kernel dropping at the devices.
     */
    public static List<String> bottleneckVerdicts(final JsonNode s, final long[] tunDrops) {
        final List<String> v = new ArrayList<>();
        final double cpu = s.path("cpuPercentLastInterval").asDouble();
        if (cpu >= 85) {
            v.add(String.format("the forwarder used %.0f%% of a core in the last interval: it is likely the bottleneck", cpu));
        }
        final long out = s.path("packetsOut").asLong();
        final long late = s.path("lateOver1ms").asLong();
        if (out > 0 && late * 100 >= out) {
            v.add(String.format("%.1f%% of the packets left the forwarder more than 1 ms after their due time (p99 %.1f ms): "
                + "its own queueing adds delay", 100.0 * late / out, s.path("latenessUsTotal").path("p99").asDouble() / 1000));
        }
        if (s.path("droppedPoolFull").asLong() > 0) {
            v.add(s.path("droppedPoolFull").asLong() + " packets dropped for want of buffers: raise --buffers or lower the rate or queue");
        }
        long drops = 0;
        for (final long d : tunDrops) {
            drops += Math.max(0, d);
        }
        if (drops > 0) {
            v.add(drops + " packets dropped by the kernel at the TUN devices before the forwarder read them: the forwarder could not keep up");
        }
        return v;
    }

    /** Runs {@code command} in host {@code host}'s namespace with the terminal's I/O; returns its exit code. */
    public int exec(final String prefix, final String host, final List<String> command) throws FabricException {
        final Path dir = stateDir(prefix);
        final FabricTopology topology = topologyOf(readTopology(dir));
        final int i;
        try {
            i = topology.resolveHost(host);
        } catch (final IllegalArgumentException e) {
            throw new FabricException(2, e.getMessage());
        }
        if (command.isEmpty()) {
            throw new FabricException(2, "exec: missing command after --; for example: longhaul fabric exec 0 -- ping -c 3 " + topology.address(1));
        }
        final List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", topology.namespace(i)));
        cmd.addAll(command);
        final ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("LONGHAUL_FABRIC_HOST", Integer.toString(i));
        pb.environment().put("LONGHAUL_FABRIC_ADDRESS", topology.address(i));
        try {
            return pb.start().waitFor();
        } catch (final IOException e) {
            throw new FabricException(1, "cannot run " + String.join(" ", cmd) + ": " + e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    // ------------------------------------------------------------------ internals

    private void preflight(final FabricTopology topology) throws FabricException {
        final String why = unavailableReason();
        if (why != null) {
            throw new FabricException(3, why);
        }
        final List<String> existing = existingNamespaces(topology.prefix());
        if (!existing.isEmpty() || Files.exists(stateDir(topology.prefix()))) {
            throw new FabricException(1, "a fabric with prefix '" + topology.prefix() + "' exists (" + String.join(" ", existing)
                + "); run 'longhaul fabric down --prefix " + topology.prefix() + "' first");
        }
    }

    private void createNamespaces(final FabricTopology topology, final Path dir, final int buffers, final int rtPriority) throws FabricException {
        try {
            Files.createDirectories(dir);
            final ObjectNode t = JSON.createObjectNode();
            t.put("prefix", topology.prefix());
            t.put("hosts", topology.hosts());
            t.put("dcs", topology.dcs());
            t.put("link", topology.interText());
            t.put("intra", topology.intra().toString());
            t.put("buffers", buffers);
            t.put("rtPriority", rtPriority);
            t.put("device", FabricTopology.DEVICE);
            final var hosts = t.putArray("addresses");
            for (int i = 0; i < topology.hosts(); i++) {
                hosts.add(topology.address(i));
            }
            Files.writeString(dir.resolve("topology.json"), t.toPrettyString());
        } catch (final IOException e) {
            throw new FabricException(1, "cannot write the fabric's state in " + dir + ": " + e.getMessage());
        }
        final StringBuilder adds = new StringBuilder();
        for (final String ns : topology.namespaces()) {
            adds.append("netns add ").append(ns).append('\n');
        }
        run(List.of("ip", "-b", "-"), adds.toString());
        for (int i = 0; i < topology.hosts(); i++) {
            final String ns = topology.namespace(i);
            final String dev = FabricTopology.DEVICE;
            run(List.of("ip", "-n", ns, "-b", "-"), "link set lo up\n"
                + "tuntap add dev " + dev + " mode tun\n"
                + "link set " + dev + " mtu " + FabricTopology.MTU + " txqueuelen " + TX_QUEUE_PACKETS + "\n"
                + "addr add " + topology.address(i) + "/" + FabricTopology.SUBNET_PREFIX_LENGTH + " dev " + dev + "\n"
                + "link set " + dev + " up\n");
            // Only IPv4 crosses the fabric; without IPv6 the hosts send no router solicitations into it.
            runQuietly(List.of("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1"));
        }
    }

    private static int[] attachAll(final FabricTopology topology) throws FabricException {
        final int[] fds = new int[topology.hosts()];
        java.util.Arrays.fill(fds, -1);
        try {
            for (int i = 0; i < topology.hosts(); i++) {
                fds[i] = Tun.attach(topology.namespace(i), FabricTopology.DEVICE);
            }
        } catch (final IOException e) {
            for (final int fd : fds) {
                Tun.close(fd);
            }
            throw new FabricException(1, e.getMessage());
        }
        return fds;
    }

    private void waitReady(final Path dir, final Process p, final Path log) throws FabricException {
        final long deadline = System.nanoTime() + READY_TIMEOUT_NS;
        final Path status = dir.resolve("status.json");
        while (System.nanoTime() - deadline < 0) {
            if (Files.exists(status)) {
                try {
                    if (JSON.readTree(status.toFile()).path("alive").asBoolean()) {
                        return;
                    }
                } catch (final IOException ignored) {
                    // being rewritten: try again
                }
            }
            if (!p.isAlive()) {
                throw new FabricException(1, "the forwarder exited with " + p.exitValue() + " before it was ready: " + tail(log));
            }
            try {
                p.waitFor(50, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FabricException(1, "interrupted while waiting for the forwarder");
            }
        }
        p.destroyForcibly();
        throw new FabricException(1, "the forwarder did not get ready within 60 s: " + tail(log));
    }

    private void printSummary(final FabricTopology topology, final Path dir) {
        out.printf("fabric %s: %d hosts in %d DCs on 10.78.0.0/16, forwarder pid %d (state in %s)%n", topology.prefix(), topology.hosts(),
            topology.dcs(), readPid(dir), dir);
        if (topology.interGroup() != null) {
            out.printf("  inter-DC ECMP group (one per pair of DCs, shared by their hosts, each 5-tuple on one link): %s%n",
                topology.interText());
        } else {
            out.printf("  inter-DC link (each direction of each host pair): %s%n", topology.inter());
        }
        out.printf("  intra-DC link: %s%n", topology.intra());
        for (int i = 0; i < topology.hosts(); i++) {
            out.printf("  %-8s dc%-3d %s%n", topology.namespace(i), topology.dcOf(i), topology.address(i));
        }
        out.printf("run in one: longhaul fabric exec %s0 -- COMMAND (or ip netns exec %s0 COMMAND); counters: longhaul fabric status; "
            + "remove: longhaul fabric down%n", topology.prefix(), topology.prefix());
        out.flush();
    }

    private int remove(final String prefix) throws FabricException {
        final Path dir = stateDir(prefix);
        final long pid = readPid(dir);
        if (pid > 0 && pid != ProcessHandle.current().pid()) {
            ProcessHandle.of(pid).filter(FabricControl::isForwarder).ifPresent(h -> stopProcess(h, 5));
        }
        int removed = 0;
        for (final String ns : existingNamespaces(prefix)) {
            for (final long p : namespacePids(ns)) {
                ProcessHandle.of(p).ifPresent(h -> stopProcess(h, 3));
            }
            run(List.of("ip", "netns", "del", ns), null);
            removed++;
        }
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (final IOException e) {
                throw new FabricException(1, "cannot remove " + dir + ": " + e.getMessage());
            }
        }
        return removed;
    }

    private void removeQuietly(final String prefix) {
        try {
            remove(prefix);
        } catch (final FabricException | RuntimeException e) {
            err.println("longhaul fabric: cleanup of " + prefix + " incomplete: " + e.getMessage());
        }
    }

    private static boolean isForwarder(final ProcessHandle h) {
        final Optional<String[]> args = h.info().arguments();
        if (args.isEmpty()) {
            return h.info().commandLine().map(c -> c.contains("fabric") && c.contains("forward")).orElse(true);
        }
        final List<String> a = List.of(args.get());
        return a.contains("fabric") && a.contains("forward");
    }

    private static void stopProcess(final ProcessHandle h, final int graceSeconds) {
        h.destroy();
        try {
            h.onExit().get(graceSeconds, TimeUnit.SECONDS);
        } catch (final Exception e) {
            h.destroyForcibly();
            try {
                h.onExit().get(2, TimeUnit.SECONDS);
            } catch (final Exception ignored) {
                // reported by the namespace deletion if it lingers
            }
        }
    }

    private static void waitFinished(final TunForwarder f) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!f.finished() && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Namespaces named PREFIX followed by digits. */
    static List<String> existingNamespaces(final String prefix) {
        final List<String> names = new ArrayList<>();
        final Pattern p = Pattern.compile(Pattern.quote(prefix) + "\\d+");
        if (!Files.isDirectory(Tun.NETNS_DIR)) {
            return names;
        }
        try (Stream<Path> files = Files.list(Tun.NETNS_DIR)) {
            files.map(f -> f.getFileName().toString()).filter(n -> p.matcher(n).matches())
                .sorted(Comparator.comparingInt(n -> Integer.parseInt(n.substring(prefix.length())))).forEach(names::add);
        } catch (final IOException e) {
            return names;
        }
        return names;
    }

    private static List<Long> namespacePids(final String ns) {
        final List<Long> pids = new ArrayList<>();
        try {
            final Process p = new ProcessBuilder("ip", "netns", "pids", ns).redirectErrorStream(true).start();
            final String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            for (final String line : text.split("\\s+")) {
                if (line.matches("\\d+")) {
                    pids.add(Long.parseLong(line));
                }
            }
        } catch (final IOException e) {
            return pids;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pids;
    }

    /** TX drops the kernel counted at host {@code ns}'s device, or -1 if unknown. */
    static long tunTxDropped(final String ns) {
        try {
            final Process p = new ProcessBuilder("ip", "-n", ns, "-s", "-j", "link", "show", "dev", FabricTopology.DEVICE).start();
            final byte[] bytes = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                return -1;
            }
            final JsonNode n = JSON.readTree(bytes);
            return n.path(0).path("stats64").path("tx").path("dropped").asLong(-1);
        } catch (final IOException e) {
            return -1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void run(final List<String> cmd, final String stdin) throws FabricException {
        try {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            final String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            final int rc = p.waitFor();
            if (rc != 0) {
                throw new FabricException(1, String.join(" ", cmd) + (stdin == null ? "" : " <<< '" + stdin.trim().replace('\n', ';') + "'")
                    + " failed (exit " + rc + "): " + text);
            }
        } catch (final IOException e) {
            throw new FabricException(1, "cannot run " + String.join(" ", cmd) + ": " + e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FabricException(1, "interrupted while running " + String.join(" ", cmd));
        }
    }

    private static void runQuietly(final List<String> cmd) {
        try {
            run(cmd, null);
        } catch (final FabricException ignored) {
            // optional step
        }
    }

    private static ObjectNode readTopology(final Path dir) throws FabricException {
        final Path f = dir.resolve("topology.json");
        if (!Files.exists(f)) {
            throw new FabricException(1, "no fabric is up with this prefix (" + f + " is missing); start one with longhaul fabric up");
        }
        try {
            return (ObjectNode) JSON.readTree(f.toFile());
        } catch (final IOException | ClassCastException e) {
            throw new FabricException(1, "cannot read " + f + ": " + e.getMessage());
        }
    }

    private static FabricTopology topologyOf(final ObjectNode t) throws FabricException {
        try {
            return FabricTopology.of(t.path("prefix").asText(), t.path("hosts").asInt(), t.path("dcs").asInt(), t.path("link").asText(),
                LinkSpec.parse(t.path("intra").asText()));
        } catch (final IllegalArgumentException e) {
            throw new FabricException(1, "topology.json is not valid: " + e.getMessage());
        }
    }

    private static void writePid(final Path dir, final long pid) throws FabricException {
        try {
            Files.writeString(dir.resolve("forwarder.pid"), Long.toString(pid));
        } catch (final IOException e) {
            throw new FabricException(1, "cannot write " + dir.resolve("forwarder.pid") + ": " + e.getMessage());
        }
    }

    private static long readPid(final Path dir) {
        try {
            return Long.parseLong(Files.readString(dir.resolve("forwarder.pid")).trim());
        } catch (final IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static String tail(final Path log) {
        try {
            final List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (final IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
