package io.longhaul.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.longhaul.collectives.Algorithm;
import io.longhaul.collectives.BoundedScope;
import io.longhaul.collectives.Collective;
import io.longhaul.collectives.CollectiveException;
import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.CommunicatorConfig;
import io.longhaul.collectives.DataType;
import io.longhaul.collectives.Mode;
import io.longhaul.collectives.ReduceOp;
import io.longhaul.collectives.Topology;
import io.longhaul.collectives.bench.BenchOptions;
import io.longhaul.collectives.bench.JitWarmup;
import io.longhaul.collectives.bench.NcclTestsReport;
import io.longhaul.collectives.bench.RankBenchmark;
import io.longhaul.collectives.fabric.TransportCluster;
import io.longhaul.collectives.fabric.TransportFabric;
import io.longhaul.collectives.fabric.TransportFabricConfig;
import io.longhaul.collectives.rendezvous.LaunchEnvironment;
import io.longhaul.collectives.rendezvous.LaunchEnvironment.LaunchInfo;
import io.longhaul.transport.Transport;
import io.longhaul.transport.TransportContext;
import io.longhaul.harness.scenario.FabricLinkCounters;
import io.longhaul.harness.scenario.FabricReport;
import io.longhaul.harness.sweep.SweepResults;
import io.longhaul.transport.cc.CongestionControls;
import io.longhaul.transport.path.PathSchedulers;
import io.longhaul.transport.security.JobKey;
import io.longhaul.transport.sim.FabricSpec;
import io.longhaul.transport.sim.LinkSpec;
import io.longhaul.transport.util.Units;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The nccl-tests-compatible collective benchmarks ({@code allreduce}, {@code reducescatter},
 * {@code allgather}, {@code broadcast}) over the real transport. Subclasses only name the
 * collective (and broadcast adds {@code -r}).
 *
 * <p>Two modes:
 * <ul>
 *   <li><b>one process</b> ({@code --ranks N}, and the default when no launcher variable is set):
 *       N ranks in this JVM, each with its own transport on loopback (or {@code --bind}); with
 *       {@code --topology} and {@code --link} the links between DCs are emulated in process (a
 *       fabric spec {@code ecmp=K,...} gives each rank's inter-DC egress its own ECMP group: in real
 *       time ranks do not share the group's links);</li>
 *   <li><b>one rank per process</b>: under torchrun ({@code RANK}, {@code WORLD_SIZE},
 *       {@code MASTER_ADDR}, {@code MASTER_PORT}), mpirun ({@code OMPI_COMM_WORLD_RANK/SIZE}),
 *       srun ({@code SLURM_PROCID/NTASKS}) or {@code --rank --world-size --master}; rank 0 hosts
 *       the rendezvous store and alone prints the table (see {@link LaunchEnvironment} for the
 *       precedence).</li>
 * </ul>
 * Output: nccl-tests' table and footer; exit code 0, 1 if the run failed or any element was wrong,
 * 2 for bad flags.
 */
abstract class CollectiveCommand implements java.util.concurrent.Callable<Integer> {
    /** Ranks of a one-process run when neither {@code --ranks} nor {@code --topology} says. */
    static final int DEFAULT_RANKS = 4;
    static final int MAX_LOCAL_RANKS = 64;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-b", "--minbytes"}, paramLabel = "SIZE", defaultValue = "32M", order = 1,
        description = "Smallest message (default ${DEFAULT-VALUE}); K, M, G suffixes, e.g. -b 1M.")
    String minBytes;

    @Option(names = {"-e", "--maxbytes"}, paramLabel = "SIZE", defaultValue = "32M", order = 2,
        description = "Largest message (default ${DEFAULT-VALUE}), e.g. -e 64M.")
    String maxBytes;

    @Option(names = {"-f", "--stepfactor"}, paramLabel = "N", defaultValue = "1", order = 3,
        description = "Multiply the size by N between rows (default ${DEFAULT-VALUE}: add -i instead), e.g. -f 2.")
    int stepFactor;

    @Option(names = {"-i", "--stepbytes"}, paramLabel = "SIZE", defaultValue = "1M", order = 4,
        description = "Add SIZE between rows when -f is 1 (default ${DEFAULT-VALUE}), e.g. -i 8M.")
    String stepBytes;

    @Option(names = {"-n", "--iters"}, paramLabel = "N", defaultValue = "20", order = 5,
        description = "Timed iterations per size (default ${DEFAULT-VALUE}), e.g. -n 50.")
    int iterations;

    @Option(names = {"-w", "--warmup_iters"}, paramLabel = "N", defaultValue = "5", order = 6,
        description = "Untimed warm-up iterations per size (default ${DEFAULT-VALUE}), e.g. -w 2.")
    int warmup;

    @Option(names = {"-c", "--check"}, paramLabel = "0|1", defaultValue = "1", order = 7,
        description = "Check results against exact values and report #wrong (default ${DEFAULT-VALUE}), e.g. -c 0.")
    int check;

    @Option(names = {"-d", "--datatype"}, paramLabel = "TYPE", defaultValue = "float", order = 8,
        description = "Element type: float, double, int32, int64, bfloat16, half (default ${DEFAULT-VALUE}), e.g. -d bfloat16.")
    String datatype;

    @Option(names = {"-o", "--op"}, paramLabel = "OP", defaultValue = "sum", order = 9,
        description = "Reduction: sum, prod, min, max, avg (default ${DEFAULT-VALUE}; reducing collectives only), e.g. -o max.")
    String op;

    @Option(names = "--algo", paramLabel = "NAME", defaultValue = "auto", order = 20,
        description = "Algorithm: auto, ring, rhd, tree, hier (default ${DEFAULT-VALUE}), e.g. --algo hier.")
    String algo;

    @Option(names = "--ranks", paramLabel = "N", order = 21,
        description = "Run N ranks in this process, each with its own transport on loopback (default when no launcher "
            + "variable is set: the --topology size, else " + DEFAULT_RANKS + "), e.g. --ranks 8.")
    Integer ranks;

    @CommandLine.Mixin
    KeyOptions keys = new KeyOptions();

    @Option(names = "--topology", paramLabel = "DxM", order = 22,
        description = "D data centers of M ranks (ranks numbered DC by DC), or a DC index per rank, e.g. --topology 2x2 or 0,0,1,1.")
    String topology;

    @Option(names = "--link", paramLabel = "SPEC", defaultValue = "", order = 23,
        description = "Emulated link between DCs (between all ranks with one DC), netem vocabulary: delay, jitter, rate, queue, "
            + "loss, burst, reorder, dup, corrupt, seed; or an ECMP fabric spec (ecmp=K plus those keys, nic, hash-seed, "
            + "fail=L@TIME[+DUR], degrade=...), each rank's inter-DC egress crossing its own copy of the group. "
            + "e.g. --link delay=5ms,rate=1gbit,loss=0.1%% or --link ecmp=4,delay=5ms,rate=1gbit,fail=1@2s+1s")
    String link;

    @Option(names = "--cc", paramLabel = "NAME", defaultValue = "bbr", order = 24,
        description = "Congestion control (default ${DEFAULT-VALUE}): newreno, cubic, bbr, delay, fixed:rate=RATE, or a plug-in, e.g. --cc cubic.")
    String cc;

    @Option(names = "--scheduler", paramLabel = "NAME[:k=v]", defaultValue = PathSchedulers.DEFAULT, order = 24,
        description = "Path scheduler of every session, for --paths > 1 (default ${DEFAULT-VALUE}): spray, weighted, minrtt, flowlet, plb, "
            + "single, or a plug-in's name, with :key=value parameters, e.g. --scheduler plb or --scheduler weighted:by=rate.")
    String scheduler;

    @Option(names = "--bind", paramLabel = "ADDR", order = 25,
        description = "Local address to bind the transport(s) to (default: the interface that routes to rank 0; 127.0.0.1 "
            + "with --ranks), e.g. --bind 10.0.0.1.")
    String bind;

    @Option(names = "--timeout", paramLabel = "TIME", defaultValue = "60s", order = 26,
        description = "Time one collective may take before it fails on every rank (default ${DEFAULT-VALUE}), e.g. --timeout 2m.")
    String timeout;

    @Option(names = "--connect-timeout", paramLabel = "TIME", defaultValue = "30s", order = 27,
        description = "Time for the rendezvous and for connecting every pair, each (default ${DEFAULT-VALUE}), e.g. --connect-timeout 2m.")
    String connectTimeout;

    @Option(names = "--peer-timeout", paramLabel = "TIME", defaultValue = "5s", order = 27,
        description = "A rank silent this long (killed, stopped, cut off) fails the job, named by every survivor; keep-alives go "
            + "at a third of it (default ${DEFAULT-VALUE}, 100ms to 1h), e.g. --peer-timeout 15s.")
    String peerTimeout;

    @Option(names = "--chunk", paramLabel = "SIZE", defaultValue = "1M", order = 28,
        description = "Largest message a schedule sends (default ${DEFAULT-VALUE}), e.g. --chunk 4M.")
    String chunk;

    @Option(names = {"-P", "--paths"}, paramLabel = "N", defaultValue = "1", order = 29,
        description = "Paths (UDP source ports) per session, 1-16 (default ${DEFAULT-VALUE}), e.g. -P 4.")
    int paths;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", order = 30,
        description = "Seed of the link emulators (default ${DEFAULT-VALUE}), e.g. --seed 7.")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", order = 31,
        description = "Also write the rows as JSON to FILE (rank 0), e.g. --json allreduce.json.")
    File json;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "reliable", order = 32,
        description = "reliable (exact, every byte repaired) or bounded (every step has a time budget; what has not arrived "
            + "by then is missing, sum/avg rescaled by the contributions that arrived; all-reduce, reduce-scatter, all-gather) "
            + "(default ${DEFAULT-VALUE}), e.g. --mode bounded.")
    String mode;

    @Option(names = "--deadline", paramLabel = "TIME|auto", defaultValue = "auto", order = 33,
        description = "Bounded mode: time budget of one step (message hop), 10us to 10min, or auto (1.25 x the 95th percentile "
            + "of recent per-hop times, at least the RTT) (default ${DEFAULT-VALUE}), e.g. --deadline 20ms.")
    String deadline;

    @Option(names = "--bounded", paramLabel = "SCOPE", defaultValue = "auto", order = 34,
        description = "Bounded mode: which steps are bounded: inter (between DCs only), all, or auto (inter for hier, all "
            + "otherwise) (default ${DEFAULT-VALUE}), e.g. --bounded all.")
    String boundedScope;

    @Option(names = "--hadamard", order = 35,
        description = "Bounded all-reduce: spread each lost packet over its block with a seeded randomized Hadamard transform "
            + "(float/double, sum/avg), e.g. --hadamard.")
    boolean hadamard;

    @Option(names = "--rank", paramLabel = "R", order = 40,
        description = "This process's rank (with --world-size and --master; overrides launcher variables), e.g. --rank 0.")
    Integer rank;

    @Option(names = "--world-size", paramLabel = "N", order = 41,
        description = "Number of ranks (with --rank), e.g. --world-size 4.")
    Integer worldSize;

    @Option(names = "--master", paramLabel = "ADDR:PORT", order = 42,
        description = "Rank 0's rendezvous store (overrides MASTER_ADDR/MASTER_PORT), e.g. --master 10.0.0.1:29500.")
    String master;

    @Option(names = "--jit-warmup", paramLabel = "TIME", defaultValue = "0", order = 43,
        description = "Launched ranks: before the rendezvous, run all-reduces between two in-process ranks on loopback for "
            + "TIME, unmeasured, so the first operation does not run while the JIT compiler catches up "
            + "(default ${DEFAULT-VALUE}: none), e.g. --jit-warmup 2s.")
    String jitWarmup;

    private final Map<String, String> env;
    private PrintWriter out;

    CollectiveCommand() {
        this(System.getenv());
    }

    /** @param env the environment to read launcher variables from (tests pass their own). */
    CollectiveCommand(final Map<String, String> env) {
        this.env = env;
    }

    /** @return the collective this command measures. */
    abstract Collective collective();

    /** @return the root of a rooted collective (broadcast's {@code -r}). */
    int root() {
        return 0;
    }

    /** Validated flags. */
    record Settings(BenchOptions options, CommunicatorConfig communicator, TransportFabricConfig fabric, Topology topology) {
    }

    CommandLine.ParameterException bad(final String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    Settings validate() {
        try {
            final long b = sizeFlag("-b", minBytes);
            final long e = sizeFlag("-e", maxBytes);
            final long i = sizeFlag("-i", stepBytes);
            if (check != 0 && check != 1) {
                throw bad("-c " + check + " is out of range; accepted: 0 or 1");
            }
            final DataType type = DataType.parse(datatype);
            final ReduceOp reduceOp = ReduceOp.parse(op);
            final Algorithm algorithm = Algorithm.parse(algo);
            final BenchOptions options;
            try {
                options = new BenchOptions(collective(), b, e, stepFactor, i, iterations, warmup, check == 1, type, reduceOp, root(),
                    algorithm);
            } catch (final IllegalArgumentException x) {
                throw bad(x.getMessage());
            }
            final long timeoutNs = durationFlag("--timeout", timeout);
            final long connectNs = durationFlag("--connect-timeout", connectTimeout);
            final long peerNs = durationFlag("--peer-timeout", peerTimeout);
            jitWarmupNs();
            if (peerNs < TimeUnit.MILLISECONDS.toNanos(100) || peerNs > TimeUnit.HOURS.toNanos(1)) {
                throw bad("--peer-timeout " + peerTimeout + " is out of range; accepted: 100ms to 1h");
            }
            final long chunkBytes = sizeFlag("--chunk", chunk);
            if (chunkBytes < 8 || chunkBytes > 1L << 30) {
                throw bad("--chunk " + chunk + " is out of range; accepted: 8 B to 1 GiB");
            }
            if (paths < 1 || paths > TransportContext.MAX_PATHS) {
                throw bad("--paths " + paths + " is out of range; accepted: 1 to " + TransportContext.MAX_PATHS);
            }
            try {
                if (FabricSpec.isFabricSpec(link)) {
                    FabricSpec.parse(link);
                } else {
                    LinkSpec.parse(link);
                }
            } catch (final IllegalArgumentException x) {
                throw bad("--link: " + x.getMessage());
            }
            try {
                CongestionControls.validate(cc);
            } catch (final IllegalArgumentException x) {
                throw bad("--cc: " + x.getMessage());
            }
            try {
                PathSchedulers.validate(scheduler);
            } catch (final IllegalArgumentException x) {
                throw bad("--scheduler: " + x.getMessage());
            }
            if (bind != null) {
                if (bind.contains(":") && !bind.contains("::") && bind.indexOf(':') == bind.lastIndexOf(':')) {
                    throw bad("--bind '" + bind + "' takes an address without a port (ports are picked per transport), e.g. --bind 10.0.0.1");
                }
                try {
                    InetAddress.getByName(bind);
                } catch (final IOException x) {
                    throw bad("--bind: cannot resolve '" + bind + "'");
                }
            }
            if (ranks != null && (ranks < 1 || ranks > MAX_LOCAL_RANKS)) {
                throw bad("--ranks " + ranks + " is out of range; accepted: 1 to " + MAX_LOCAL_RANKS);
            }
            final Topology topo;
            try {
                topo = topology == null ? null : Topology.parse(topology);
            } catch (final IllegalArgumentException x) {
                throw bad("--topology: " + x.getMessage());
            }
            final Mode m;
            try {
                m = Mode.parse(mode);
            } catch (final IllegalArgumentException x) {
                throw bad("--mode: " + x.getMessage());
            }
            final BoundedScope scope;
            try {
                scope = BoundedScope.parse(boundedScope);
            } catch (final IllegalArgumentException x) {
                throw bad("--bounded: " + x.getMessage());
            }
            final long deadlineNs = parseDeadline(deadline);
            if (m == Mode.BOUNDED && !(collective() == Collective.ALL_REDUCE || collective() == Collective.REDUCE_SCATTER
                || collective() == Collective.ALL_GATHER)) {
                throw bad("--mode bounded applies to all-reduce, reduce-scatter and all-gather, not " + collective().ncclName());
            }
            if (hadamard) {
                if (m != Mode.BOUNDED) {
                    throw bad("--hadamard needs --mode bounded");
                }
                if (collective() != Collective.ALL_REDUCE) {
                    throw bad("--hadamard applies to all-reduce only");
                }
                if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
                    throw bad("--hadamard needs -d float or double, not " + datatype);
                }
                if (reduceOp != ReduceOp.SUM && reduceOp != ReduceOp.AVG) {
                    throw bad("--hadamard needs -o sum or avg, not " + op);
                }
            }
            final CommunicatorConfig comm = new CommunicatorConfig().algorithm(algorithm).timeoutNs(timeoutNs).chunkBytes((int) chunkBytes)
                .mode(m).deadlineNs(deadlineNs).boundedScope(scope).hadamard(hadamard).hadamardSeed(seed);
            // A launched job's ranks need the same key (--key-file or LONGHAUL_KEY); in one process runLocal makes one if none is given.
            final JobKey key = keys.resolve(spec.commandLine(), false, false);
            final TransportFabricConfig fabric = new TransportFabricConfig().key(key).insecure(keys.insecure).topology(topo).link(link)
                .congestionControl(cc).scheduler(scheduler)
                .bindHost(bind).connectTimeoutNs(connectNs).peerTimeoutNs(peerNs).paths(paths).linkSeed(seed);
            return new Settings(options, comm, fabric, topo);
        } catch (final CommandLine.ParameterException x) {
            throw x;
        } catch (final IllegalArgumentException x) {
            throw bad(x.getMessage());
        }
    }

    private long sizeFlag(final String flag, final String text) {
        try {
            return BenchOptions.parseSize(text);
        } catch (final IllegalArgumentException x) {
            throw bad(flag + ": " + x.getMessage());
        }
    }

    private long parseDeadline(final String text) {
        if (text.trim().equalsIgnoreCase("auto")) {
            return CommunicatorConfig.DEADLINE_AUTO;
        }
        final long ns;
        try {
            ns = Units.parseDurationNs("--deadline", text);
        } catch (final IllegalArgumentException x) {
            throw bad(x.getMessage() + " (or auto)");
        }
        if (ns < CommunicatorConfig.MIN_DEADLINE_NS || ns > CommunicatorConfig.MAX_DEADLINE_NS) {
            throw bad("--deadline " + text + " is out of range; accepted: 10us to 10min, or auto");
        }
        return ns;
    }

    private boolean bounded(final Settings s) {
        return s.communicator().mode() == Mode.BOUNDED;
    }

    /** @return the --jit-warmup time (0: none). */
    private long jitWarmupNs() {
        return "0".equals(jitWarmup.trim()) ? 0 : durationFlag("--jit-warmup", jitWarmup);
    }

    private long durationFlag(final String flag, final String text) {
        final long ns;
        try {
            ns = Units.parseDurationNs(flag, text);
        } catch (final IllegalArgumentException x) {
            throw bad(x.getMessage());
        }
        if (ns < TimeUnit.MILLISECONDS.toNanos(1) || ns > TransportContext.MAX_TIMEOUT_NS) {
            throw bad(flag + " " + text + " is out of range; accepted: 1ms to 1h");
        }
        return ns;
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        final Settings s = validate();
        final Optional<LaunchInfo> launch;
        final boolean rankFlags = rank != null || worldSize != null || master != null;
        if (ranks != null && rankFlags) {
            throw bad("--ranks (all ranks in this process) and --rank/--world-size/--master (one rank per process) exclude each other");
        }
        if (ranks != null) {
            launch = Optional.empty();
        } else {
            try {
                launch = LaunchEnvironment.detect(env, new LaunchEnvironment.Flags(rank, worldSize, master));
            } catch (final IllegalArgumentException x) {
                throw bad(x.getMessage());
            }
        }
        final int n = launch.map(LaunchInfo::worldSize)
            .orElse(ranks != null ? ranks : s.topology() != null ? s.topology().size() : DEFAULT_RANKS);
        if (collective() == Collective.BROADCAST && root() >= n) {
            throw bad("-r " + root() + " is out of range; accepted: 0 to " + (n - 1) + " (" + n + " ranks)");
        }
        if (launch.isPresent()) {
            return runDistributed(s, launch.get());
        }
        if (s.topology() != null && s.topology().size() != n) {
            throw bad("--topology " + topology + " has " + s.topology().size() + " ranks but --ranks is " + n);
        }
        return runLocal(s, n);
    }

    private int runLocal(final Settings s, final int n) throws Exception {
        if (s.fabric().key() == null && !keys.insecure) {
            s.fabric().key(keys.generated());
        }
        try (TransportCluster cluster = TransportCluster.open(n, s.fabric())) {
            final List<Communicator> comms = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                comms.add(new Communicator(cluster.fabric(r), cluster.topology(), s.communicator()));
            }
            printPreamble(s, n, "in one process", cluster.fabrics());
            out.print(bounded(s) ? NcclTestsReport.boundedHeader() : NcclTestsReport.header());
            out.flush();
            final ExecutorService threads = Executors.newFixedThreadPool(n, r -> {
                final Thread t = new Thread(r, "longhaul-bench-rank");
                t.setDaemon(true);
                return t;
            });
            try {
                final List<CompletableFuture<List<NcclTestsReport.Row>>> results = new ArrayList<>();
                for (int r = 0; r < n; r++) {
                    final Communicator comm = comms.get(r);
                    final Consumer<NcclTestsReport.Row> print = r == 0 ? row -> printRow(s, row) : row -> { };
                    results.add(CompletableFuture.supplyAsync(() -> RankBenchmark.run(comm, s.options(), print), threads));
                }
                final List<NcclTestsReport.Row> rows = await(results);
                return finish(s, n, rows, cluster.fabrics());
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /** @return rank 0's rows; the first failure (by rank) as a {@link CollectiveException}. */
    private static List<NcclTestsReport.Row> await(final List<CompletableFuture<List<NcclTestsReport.Row>>> results)
        throws InterruptedException {
        CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).handle((v, e) -> null).join();
        for (final CompletableFuture<List<NcclTestsReport.Row>> f : results) {
            try {
                f.get();
            } catch (final ExecutionException e) {
                final Throwable cause = e.getCause();
                throw cause instanceof RuntimeException ? (RuntimeException) cause : new CollectiveException(String.valueOf(cause), cause);
            }
        }
        try {
            return results.get(0).get();
        } catch (final ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    private int runDistributed(final Settings s, final LaunchInfo launch) throws IOException {
        if (s.topology() != null && s.topology().size() != launch.worldSize()) {
            throw bad("--topology " + topology + " has " + s.topology().size() + " ranks but the world size is " + launch.worldSize()
                + " (" + launch.source() + ")");
        }
        final long warmupNs = jitWarmupNs();
        final long warmupStartNs = System.nanoTime();
        final int warmupOps = warmupNs == 0 ? 0 : JitWarmup.run(warmupNs, s.fabric().key());
        final long warmedNs = System.nanoTime() - warmupStartNs;
        try (TransportFabric fabric = TransportFabric.rendezvous(launch, s.fabric())) {
            final Communicator comm = new Communicator(fabric, fabric.topology(), s.communicator());
            final boolean lead = launch.rank() == 0;
            final double[] first = {RankBenchmark.firstOperationNs(comm, s.options()) / 1e6};
            comm.allReduceExact(first, ReduceOp.MAX);
            if (lead) {
                printPreamble(s, launch.worldSize(), "one per process (" + launch.source() + ")", List.of(fabric));
                out.printf(Locale.ROOT, "# First operation: %.1f ms (slowest rank), %.2f s after rank 0's JVM started%s%n", first[0],
                    ManagementFactory.getRuntimeMXBean().getUptime() / 1e3, warmupNs == 0 ? "; no JIT warm-up"
                        : String.format(Locale.ROOT, "; JIT warm-up %.2f s, %d all-reduces", warmedNs / 1e9, warmupOps));
                out.print(bounded(s) ? NcclTestsReport.boundedHeader() : NcclTestsReport.header());
                out.flush();
            }
            final List<NcclTestsReport.Row> rows = RankBenchmark.run(comm, s.options(), lead ? row -> printRow(s, row) : row -> { });
            return lead ? finish(s, launch.worldSize(), rows, List.of(fabric)) : (NcclTestsReport.totalWrong(rows) > 0 ? 1 : 0);
        }
    }

    private void printRow(final Settings s, final NcclTestsReport.Row row) {
        out.print(bounded(s) ? NcclTestsReport.boundedRow(row) : NcclTestsReport.row(row));
        out.flush();
    }

    private void printPreamble(final Settings s, final int n, final String mode, final List<TransportFabric> fabrics) {
        final BenchOptions o = s.options();
        final Topology topo = fabrics.get(0).topology();
        final String emulated = !s.fabric().emulates() ? "none" : s.fabric().isFabric()
            ? "ECMP group " + s.fabric().describeLink() + (topo.dcCount() > 1 ? " (between DCs, one per rank's egress)" : " (one per rank's egress)")
            : s.fabric().describeLink() + (topo.dcCount() > 1 ? " (between DCs)" : "");
        out.printf(Locale.ROOT, "# longhaul %s: %d ranks %s, algorithm %s, topology %s, link %s, cc %s, scheduler %s, paths %d%n",
            collective().ncclName(), n, mode, o.algorithm().algorithmName(), topo, emulated, s.fabric().congestionControl(),
            s.fabric().scheduler(), s.fabric().paths());
        out.println("# Sessions: " + keys.describe(s.fabric().key()));
        out.printf(Locale.ROOT, "# nThread 1 nGpus 1 minBytes %d maxBytes %d step: %s warmup iters: %d iters: %d agg iters: 1 "
                + "validation: %d graph: 0%n", o.minBytes(), o.maxBytes(),
            o.stepFactor() > 1 ? o.stepFactor() + "(factor)" : o.stepBytes() + "(bytes)", o.warmup(), o.iterations(), o.check() ? 1 : 0);
        final CommunicatorConfig cc = s.communicator();
        if (cc.mode() == Mode.BOUNDED) {
            out.printf(Locale.ROOT, "# mode bounded: deadline %s per step, bounded steps %s%s; recv%% = bytes received of bytes "
                    + "expected, rel_err = relative L2 error of the checked operation, #wrong = elements wrong but not reported "
                    + "as affected%n", cc.deadlineNs() == CommunicatorConfig.DEADLINE_AUTO ? "auto" : Units.formatDuration(cc.deadlineNs()),
                cc.boundedScope().scopeName(), cc.hadamard() ? ", Hadamard transform on" : "");
        }
        out.println("#");
        out.println("# Using devices");
        final long pid = ProcessHandle.current().pid();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (final IOException e) {
            host = "localhost";
        }
        for (final TransportFabric f : fabrics) {
            out.printf(Locale.ROOT, "#  Rank %2d Group  0 Pid %6d on %10s transport %s%n", f.rank(), pid, host, f.describe());
        }
    }

    private int finish(final Settings s, final int n, final List<NcclTestsReport.Row> rows, final List<TransportFabric> fabrics)
        throws IOException {
        out.print(NcclTestsReport.footer(rows));
        long lost = 0;
        long offered = 0;
        final List<FabricLinkCounters> links = new ArrayList<>();
        for (final TransportFabric f : fabrics) {
            final Topology topo = f.topology();
            final int dc = topo.dcOf(f.rank());
            for (final Transport t : f.transports()) {
                if (!t.link().isPerfect() || t.fabric() != null) {
                    final Transport.EmulatorCounters c = t.emulatorCounters();
                    offered += c.offered();
                    lost += c.lost() + c.queueDrops();
                }
                links.addAll(FabricLinkCounters.of(t, "dc" + dc, topo.dcCount() == 2 ? "dc" + (1 - dc) : topo.dcCount() == 1 ? "dc0" : "*"));
            }
        }
        if (offered > 0) {
            out.printf(Locale.ROOT, "# Emulated link%s: %d datagrams offered, %d dropped (%.3f%%)%n", fabrics.size() > 1 ? "s" : " (rank 0)",
                offered, lost, 100.0 * lost / offered);
        }
        final FabricReport report = links.isEmpty() ? null : new FabricReport(s.fabric().describeLink(), FabricLinkCounters.merge(links), null);
        if (report != null) {
            out.print(report.table("# "));
            out.printf("# (each rank's egress crosses its own copy of the group; %s)%n", fabrics.size() > 1 ? "summed over the ranks by DC"
                : "this rank's egress only");
        }
        out.flush();
        if (json != null) {
            final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            final ObjectNode node = (ObjectNode) mapper.readTree(NcclTestsReport.json(collective(), n, rows));
            node.put("algorithm", s.options().algorithm().algorithmName());
            node.put("topology", fabrics.get(0).topology().toString());
            node.put("link", s.fabric().describeLink());
            node.put("cc", s.fabric().congestionControl());
            node.put("scheduler", s.fabric().scheduler());
            node.put("paths", s.fabric().paths());
            node.put("authenticated", s.fabric().key() != null);
            if (report != null) {
                node.put("fabric", report.fabric());
                node.set("links", SweepResults.mapper().valueToTree(report.links()));
            }
            final CommunicatorConfig cc = s.communicator();
            node.put("mode", cc.mode().modeName());
            if (cc.mode() == Mode.BOUNDED) {
                if (cc.deadlineNs() == CommunicatorConfig.DEADLINE_AUTO) {
                    node.put("deadline", "auto");
                } else {
                    node.put("deadlineNs", cc.deadlineNs());
                }
                node.put("bounded", cc.boundedScope().scopeName());
                node.put("hadamard", cc.hadamard());
                node.put("wrongMeans", "elements that differ from the exact result although not reported as affected");
            }
            mapper.writeValue(json, node);
        }
        final long wrong = NcclTestsReport.totalWrong(rows);
        if (wrong > 0) {
            spec.commandLine().getErr().println("longhaul: " + wrong + " wrong element(s) in the results");
            return LonghaulCli.EXIT_FAILURE;
        }
        return 0;
    }
}
