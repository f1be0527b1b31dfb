package io.longhaul.harness.cli;

import io.longhaul.collectives.Collective;
import picocli.CommandLine.Command;

import java.util.Map;

/** {@code longhaul allreduce}: nccl-tests' all_reduce_perf over the longhaul transport (see {@link CollectiveCommand}). */
@Command(name = "allreduce", aliases = "all_reduce", mixinStandardHelpOptions = true, sortOptions = false, versionProvider = LonghaulCli.Version.class, usageHelpWidth = 120,
    description = {"All-reduce benchmark with nccl-tests' flags and output (all_reduce_perf).",
        "One process runs --ranks N ranks over loopback (the default, " + CollectiveCommand.DEFAULT_RANKS + " ranks); under torchrun, "
            + "mpirun, srun or with --rank/--world-size/--master each process is one rank and rank 0 prints the table.",
        "Rank and world size: --rank/--world-size, else RANK/WORLD_SIZE (torchrun), else OMPI_COMM_WORLD_RANK/SIZE (mpirun), "
            + "else SLURM_PROCID/SLURM_NTASKS (srun), else JOB_COMPLETION_INDEX/WORLD_SIZE (Kubernetes Indexed Job). "
            + "Rendezvous: --master, else MASTER_ADDR/MASTER_PORT (port 29500 if unset).",
        "Exit code: 0, 1 if the run failed or a result was wrong, 2 for bad flags."},
    footer = {"", "Examples:",
        "  longhaul allreduce --ranks 4 -b 1M -e 64M -f 2",
        "  longhaul allreduce --topology 2x2 --link delay=5ms,rate=1gbit,loss=0.1%% --algo hier --cc bbr -b 1M -e 64M -f 2",
        "  scripts/longhaul launch -n 4 -- scripts/longhaul allreduce -b 8M -e 128M -f 2",
        "  RANK=1 WORLD_SIZE=2 MASTER_ADDR=10.0.0.1 MASTER_PORT=29500 longhaul allreduce --bind 10.0.0.2 --json ar.json",
        "  longhaul allreduce --rank 0 --world-size 2 --master 10.0.0.1:29500 -d bfloat16 -o sum -c 1"})
final class AllReduceCommand extends CollectiveCommand {

    AllReduceCommand() {
    }

    AllReduceCommand(final Map<String, String> env) {
        super(env);
    }

    @Override
    Collective collective() {
        return Collective.ALL_REDUCE;
    }
}
