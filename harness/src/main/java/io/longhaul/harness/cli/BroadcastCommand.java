package io.longhaul.harness.cli;

import io.longhaul.collectives.Collective;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code longhaul broadcast}: nccl-tests' broadcast_perf over the longhaul transport (see {@link CollectiveCommand}). */
@Command(name = "broadcast", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = LonghaulCli.Version.class, usageHelpWidth = 120,
    description = {"Broadcast benchmark with nccl-tests' flags and output (broadcast_perf).",
        "One process runs --ranks N ranks over loopback (the default, " + CollectiveCommand.DEFAULT_RANKS + " ranks); under torchrun, "
            + "mpirun, srun or with --rank/--world-size/--master each process is one rank and rank 0 prints the table.",
        "Rank and world size: --rank/--world-size, else RANK/WORLD_SIZE (torchrun), else OMPI_COMM_WORLD_RANK/SIZE (mpirun), "
            + "else SLURM_PROCID/SLURM_NTASKS (srun), else JOB_COMPLETION_INDEX/WORLD_SIZE (Kubernetes Indexed Job). "
            + "Rendezvous: --master, else MASTER_ADDR/MASTER_PORT (port 29500 if unset).",
        "Exit code: 0, 1 if the run failed or a result was wrong, 2 for bad flags."},
    footer = {"", "Examples:",
        "  longhaul broadcast --ranks 4 -b 1M -e 64M -f 2 -r 1",
        "  longhaul broadcast --algo ring --topology 2x2 --link delay=5ms,rate=1gbit -b 8M -e 8M"})
final class BroadcastCommand extends CollectiveCommand {
    @Option(names = {"-r", "--root"}, paramLabel = "R", defaultValue = "0", order = 10,
        description = "Root rank (default ${DEFAULT-VALUE}), e.g. -r 1.")
    int root;

    @Override
    int root() {
        if (root < 0) {
            throw bad("-r " + root + " is out of range; accepted: 0 to the number of ranks - 1");
        }
        return root;
    }

    BroadcastCommand() {
    }

    BroadcastCommand(final Map<String, String> env) {
        super(env);
    }

    @Override
    Collective collective() {
        return Collective.BROADCAST;
    }
}
