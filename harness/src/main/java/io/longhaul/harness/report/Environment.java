package io.longhaul.harness.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where results were produced: CPU, cores, kernel, JVM, longhaul version, git commit. Shown at the
 * foot of every report so numbers are never read without their machine.
 */
public record Environment(String cpuModel, int cores, String kernel, String jvm, String longhaulVersion, String gitCommit, String hostname,
                          String generatedAt) {

    /** Reads this machine's environment (CPU model from /proc/cpuinfo; git commit when git and a work tree are there). */
    public static Environment capture() {
        final String version = Environment.class.getPackage().getImplementationVersion();
        return new Environment(readCpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " "
            + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")", System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version"), version == null ? "0.1.0-SNAPSHOT" : version, readGitCommit(), readHostname(),
            Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** @return label → value, in display order. */
    public Map<String, String> asMap() {
        final Map<String, String> m = new LinkedHashMap<>();
        m.put("CPU", cpuModel);
        m.put("Cores", Integer.toString(cores));
        m.put("Kernel", kernel);
        m.put("JVM", jvm);
        m.put("longhaul", longhaulVersion);
        m.put("Git commit", gitCommit);
        m.put("Host", hostname);
        m.put("Generated", generatedAt);
        return m;
    }

    private static String readCpuModel() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (final IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    private static String readHostname() {
        try {
            return Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).trim();
        } catch (final IOException | RuntimeException e) {
            final String h = System.getenv("HOSTNAME");
            return h == null ? "unknown" : h;
        }
    }

    private static String readGitCommit() {
        try {
            final Process p = new ProcessBuilder(List.of("git", "rev-parse", "--short=12", "HEAD")).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && out.matches("[0-9a-f]{7,40}")) {
                return out;
            }
        } catch (final IOException e) {
            return "unknown (no git)";
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
