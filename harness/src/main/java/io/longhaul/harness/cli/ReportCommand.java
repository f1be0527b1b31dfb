package io.longhaul.harness.cli;

import io.longhaul.harness.report.Environment;
import io.longhaul.harness.report.Report;
import io.longhaul.harness.report.ReportData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code longhaul report}: one self-contained HTML file from a results directory. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Builds one self-contained HTML report (charts and tables, no external requests) from a results directory:",
        "sweep.jsonl files, perf --json, train --json and allreduce --json outputs, found recursively."},
    footer = {"", "Examples:", "  longhaul report --in results/ --out report.html"})
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--in"}, paramLabel = "DIR", defaultValue = "results", description = "Results directory (default ${DEFAULT-VALUE}).")
    private File in;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", defaultValue = "report.html", description = "HTML file to write (default ${DEFAULT-VALUE}).")
    private File out;

    @Override
    public Integer call() {
        if (!in.isDirectory()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--in " + in + " is not a directory");
        }
        final ReportData data = ReportData.load(in.toPath());
        final PrintWriter pw = spec.commandLine().getOut();
        if (data.rows().isEmpty() && data.perf().isEmpty()) {
            spec.commandLine().getErr().println("longhaul: no results under " + in + " (expected sweep.jsonl, perf/train/allreduce --json files)");
            return LonghaulCli.EXIT_FAILURE;
        }
        Report.write(data, Environment.capture(), out.toPath());
        pw.printf("wrote %s: %d rows, %d perf runs%n", out, data.rows().size(), data.perf().size());
        return 0;
    }
}
