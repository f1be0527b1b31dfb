package io.longhaul.harness.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/**
 * Runs the collective commands the way {@link LonghaulCli} does (same error handling and exit
 * codes) without System.exit, with a chosen environment, capturing stdout and stderr.
 */
final class LonghaulCliTestSupport {
    /** What a run printed and returned. */
    record Outcome(int exitCode, String out, String err) {
    }

    private LonghaulCliTestSupport() {
    }

    /** @return the command named {@code name} (allreduce, reducescatter, allgather, broadcast) reading {@code env}. */
    static CollectiveCommand command(final String name, final Map<String, String> env) {
        switch (name) {
            case "allreduce":
                return new AllReduceCommand(env);
            case "reducescatter":
                return new ReduceScatterCommand(env);
            case "allgather":
                return new AllGatherCommand(env);
            case "broadcast":
                return new BroadcastCommand(env);
            default:
                throw new IllegalArgumentException("no collective command " + name);
        }
    }

    /** Runs {@code longhaul args...} with {@code env} as the environment. */
    static Outcome run(final Map<String, String> env, final String... args) {
        final CommandLine cli = new CommandLine(new Root());
        for (final String name : new String[] {"allreduce", "reducescatter", "allgather", "broadcast"}) {
            cli.addSubcommand(new CommandLine(command(name, env)));
        }
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("longhaul: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return LonghaulCli.EXIT_FAILURE;
        });
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Runs {@code longhaul args...} through {@link LonghaulCli#commandLine()}, every command as the tool has it. */
    static Outcome runCli(final String... args) {
        final CommandLine cli = LonghaulCli.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Runs a collective command from the command line with the real environment (until LonghaulCli lists them). */
    public static void main(final String[] args) {
        final Outcome o = run(System.getenv(), args);
        System.out.print(o.out());
        System.err.print(o.err());
        System.exit(o.exitCode());
    }

    @CommandLine.Command(name = "longhaul")
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }
}
