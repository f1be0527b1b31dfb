package io.longhaul.harness.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code longhaul} command line: one subcommand per benchmark or tool. To add one, write a
 * {@code @Command} class and list it in {@code subcommands} below.
 *
 * <p>Exit codes: 0 success, 1 the run failed (for example no peer answered), 2 bad flags.
 */
@Command(name = "longhaul", mixinStandardHelpOptions = true, versionProvider = LonghaulCli.Version.class,
    description = "Testbed for cross-datacenter AI training networks: a user-space transport over UDP, "
        + "link emulation and benchmarks.",
    subcommands = {DemoCommand.class, PerfCommand.class, AllReduceCommand.class, ReduceScatterCommand.class, AllGatherCommand.class,
        BroadcastCommand.class, TrainCommand.class, SweepCommand.class, ReportCommand.class, FabricCommand.class,
        CommandLine.HelpCommand.class})
public final class LonghaulCli implements Runnable {
    /** Exit code for a run that failed after its flags were accepted. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code for bad flags (picocli's default for invalid input). */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(final String... args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "[%4$s] %5$s%6$s%n");
        }
        return commandLine().execute(args);
    }

    /** The configured command line (exposed so tests can redirect its output). */
    public static CommandLine commandLine() {
        final CommandLine cli = new CommandLine(new LonghaulCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("longhaul: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return EXIT_FAILURE;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = LonghaulCli.class.getPackage().getImplementationVersion();
            return new String[] {"longhaul " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
