package io.longhaul.harness.cli;

import io.longhaul.transport.security.JobKey;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The job key flags a command that opens sessions shares: {@code --key-file FILE}, the
 * {@value JobKey#ENV} environment variable, or {@code --insecure}.
 */
final class KeyOptions {
    @Option(names = "--key-file", paramLabel = "FILE",
        description = "Job key every end of the job shares: a file of 64 hex digits (make one with 'openssl rand -hex 32 > job.key'; "
            + "keep it readable by the job only). Default: the LONGHAUL_KEY environment variable. Sessions are authenticated and "
            + "sealed (AES-256-GCM); a peer with another key or none is refused.")
    Path keyFile;

    @Option(names = "--insecure", description = "Run without a key: sessions are not authenticated (anyone who can reach the ports "
        + "can read, inject or close them). For experiments on a private network; announced in the output.")
    boolean insecure;

    /** Where the key came from, for the output. */
    String source = "none";

    /**
     * @param generate whether, with no key given, a fresh one may be made (every end in this process).
     * @param required whether, with no key given and none generated, that is an error (else unauthenticated, warned).
     * @return the key, or null for unauthenticated sessions.
     */
    JobKey resolve(final CommandLine cli, final boolean generate, final boolean required) {
        if (insecure && keyFile != null) {
            throw new CommandLine.ParameterException(cli, "--insecure and --key-file exclude each other");
        }
        if (insecure) {
            source = "--insecure";
            return null;
        }
        try {
            if (keyFile != null) {
                source = "--key-file " + keyFile;
                return JobKey.load(keyFile);
            }
            final JobKey env = JobKey.fromEnvironment();
            if (env != null) {
                source = JobKey.ENV;
                return env;
            }
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, (keyFile != null ? "--key-file: " : "") + e.getMessage());
        }
        if (generate) {
            return generated();
        }
        if (required) {
            throw new CommandLine.ParameterException(cli, "both ends need the same job key: --key-file FILE (64 hex digits, e.g. "
                + "'openssl rand -hex 32 > job.key', copied to both hosts), the LONGHAUL_KEY environment variable, or --insecure");
        }
        source = "none (no --key-file or LONGHAUL_KEY)";
        return null;
    }

    /** @return a fresh key for ends that are all in this process, noted as the source. */
    JobKey generated() {
        source = "generated for this process";
        return JobKey.random();
    }

    /** @return the line that says how sessions are protected. */
    String describe(final JobKey key) {
        return key == null ? "NOT authenticated (" + source + ")" : "authenticated, AES-256-GCM (key: " + source + ")";
    }
}
