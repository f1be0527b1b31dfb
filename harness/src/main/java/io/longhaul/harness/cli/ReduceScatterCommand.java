package io.longhaul.harness.cli;

import io.longhaul.collectives.Collective;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code longhaul reducescatter}: nccl-tests' reduce_scatter_perf over the longhaul transport (see {@link CollectiveCommand}). */
@Command(name = "reducescatter", aliases = "reduce_scatter", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = LonghaulCli.Version.class, usageHelpWidth = 120,
    description = {"Reduce-scatter benchmark with nccl-tests' flags and output (reduce_scatter_perf).",
        "One process runs --ranks N ranks over loopback (the default, " + CollectiveCommand.DEFAULT_RANKS + " ranks); under torchrun, "
            + "mpirun, srun or with --rank/--world-size/--master each process is one rank and rank 0 prints the table.",
        "Rank and world size: --rank/--world-size, else RANK/WORLD_SIZE (torchrun), else OMPI_COMM_WORLD_RANK/SIZE (mpirun), "
            + "else SLURM_PROCID/SLURM_NTASKS (srun), else JOB_COMPLETION_INDEX/WORLD_SIZE (Kubernetes Indexed Job). "
            + "Rendezvous: --master, else MASTER_ADDR/MASTER_PORT (port 29500 if unset).",
        "Exit code: 0, 1 if the run failed or a result was wrong, 2 for bad flags."},
    footer = {"", "Examples:",
        "  longhaul reducescatter --ranks 4 -b 1M -e 64M -f 2",
        "  scripts/longhaul launch -n 4 -- scripts/longhaul reducescatter -b 8M -e 128M -f 2 -o max"})
final class ReduceScatterCommand extends CollectiveCommand {

    ReduceScatterCommand() {
    }

    ReduceScatterCommand(final Map<String, String> env) {
        super(env);
    }

    @Override
    Collective collective() {
        return Collective.REDUCE_SCATTER;
    }
}
