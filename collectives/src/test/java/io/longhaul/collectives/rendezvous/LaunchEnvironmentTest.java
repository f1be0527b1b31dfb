package io.longhaul.collectives.rendezvous;

import io.longhaul.collectives.rendezvous.LaunchEnvironment.Flags;
import io.longhaul.collectives.rendezvous.LaunchEnvironment.LaunchInfo;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rank, world size and rendezvous address from flags and launcher variables, in the documented precedence. */
class LaunchEnvironmentTest {

    private static LaunchInfo detect(final Map<String, String> env, final Flags flags) {
        return LaunchEnvironment.detect(env, flags).orElseThrow();
    }

    @Test
    void shouldReadTorchrunVariables() {
        final LaunchInfo i = detect(Map.of("RANK", "2", "WORLD_SIZE", "4", "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "29600"), Flags.NONE);
        assertThat(i.rank()).isEqualTo(2);
        assertThat(i.worldSize()).isEqualTo(4);
        assertThat(i.master().getHostString()).isEqualTo("10.0.0.1");
        assertThat(i.master().getPort()).isEqualTo(29600);
        assertThat(i.source()).isEqualTo("torchrun");
    }

    @Test
    void shouldReadMpirunAndSrunVariablesWithTheDefaultPort() {
        final LaunchInfo mpi = detect(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "3", "MASTER_ADDR", "h0"), Flags.NONE);
        assertThat(mpi.rank()).isEqualTo(1);
        assertThat(mpi.worldSize()).isEqualTo(3);
        assertThat(mpi.master().getPort()).isEqualTo(LaunchEnvironment.DEFAULT_MASTER_PORT);
        assertThat(mpi.source()).isEqualTo("mpirun");
        final LaunchInfo slurm = detect(Map.of("SLURM_PROCID", "5", "SLURM_NTASKS", "8"), new Flags(null, null, "h0:7000"));
        assertThat(slurm.rank()).isEqualTo(5);
        assertThat(slurm.master().getHostString()).isEqualTo("h0");
        assertThat(slurm.master().getPort()).isEqualTo(7000);
        assertThat(slurm.source()).isEqualTo("srun");
    }

    @Test
    void shouldPreferFlagsThenTorchrunThenMpirunThenSrun() {
        final Map<String, String> all = Map.of("RANK", "1", "WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4",
            "SLURM_PROCID", "5", "SLURM_NTASKS", "6", "MASTER_ADDR", "env-host", "MASTER_PORT", "1000");
        assertThat(detect(all, Flags.NONE).source()).isEqualTo("torchrun");
        final LaunchInfo flags = detect(all, new Flags(0, 9, "flag-host:2000"));
        assertThat(flags.rank()).isZero();
        assertThat(flags.worldSize()).isEqualTo(9);
        assertThat(flags.master().getHostString()).isEqualTo("flag-host");
        assertThat(detect(Map.of("OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "4", "SLURM_PROCID", "5", "SLURM_NTASKS", "6",
            "MASTER_ADDR", "h"), Flags.NONE).source()).isEqualTo("mpirun");
        // Flags without a master take the address from the environment.
        assertThat(detect(all, new Flags(1, 2, null)).master().getHostString()).isEqualTo("env-host");
    }

    @Test
    void shouldReadAKubernetesIndexedJobsCompletionIndexWithTheManifestsWorldSize() {
        final LaunchInfo k8s = detect(Map.of("JOB_COMPLETION_INDEX", "3", "WORLD_SIZE", "4", "MASTER_ADDR", "lh-0.lh", "MASTER_PORT", "29500"),
            Flags.NONE);
        assertThat(k8s.rank()).isEqualTo(3);
        assertThat(k8s.worldSize()).isEqualTo(4);
        assertThat(k8s.master().getHostString()).isEqualTo("lh-0.lh");
        assertThat(k8s.source()).isEqualTo("k8s-indexed-job");
        // torchrun's RANK, when a launcher inside the pod sets it, wins over the pod's index.
        assertThat(detect(Map.of("JOB_COMPLETION_INDEX", "3", "RANK", "1", "WORLD_SIZE", "4", "MASTER_ADDR", "h"), Flags.NONE).rank()).isEqualTo(1);
        assertThatThrownBy(() -> LaunchEnvironment.detect(Map.of("JOB_COMPLETION_INDEX", "3", "MASTER_ADDR", "h"), Flags.NONE))
            .hasMessageContaining("JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but WORLD_SIZE is not");
        assertThatThrownBy(() -> LaunchEnvironment.detect(Map.of("JOB_COMPLETION_INDEX", "4", "WORLD_SIZE", "4", "MASTER_ADDR", "h"), Flags.NONE))
            .hasMessageContaining("JOB_COMPLETION_INDEX = 4 is out of range; accepted: 0 to 3 (WORLD_SIZE = 4)");
    }

    @Test
    void shouldMeetOnLoopbackWhenTheLauncherPutEveryRankOnThisHost() {
        final LaunchInfo mpi = detect(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4",
            "OMPI_COMM_WORLD_LOCAL_SIZE", "4"), Flags.NONE);
        assertThat(mpi.master().getHostString()).isEqualTo("127.0.0.1");
        assertThat(mpi.master().getPort()).isEqualTo(29500);
        assertThat(detect(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "2", "SLURM_NNODES", "1"), Flags.NONE)
            .master().getHostString()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> detect(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4",
            "OMPI_COMM_WORLD_LOCAL_SIZE", "2"), Flags.NONE)).as("ranks on two hosts").hasMessageContaining("has no rendezvous address");
        assertThatThrownBy(() -> detect(Map.of("SLURM_PROCID", "1", "SLURM_NTASKS", "4", "SLURM_NNODES", "2"), Flags.NONE))
            .hasMessageContaining("has no rendezvous address");
    }

    @Test
    void shouldReportNoLaunchWithoutAnySource() {
        assertThat(LaunchEnvironment.detect(Map.of("MASTER_ADDR", "h", "RANK", "1"), Flags.NONE)).isEmpty();
    }

    @Test
    void shouldNameTheBadVariableOrFlag() {
        assertThatThrownBy(() -> detect(Map.of("RANK", "x", "WORLD_SIZE", "2", "MASTER_ADDR", "h"), Flags.NONE))
            .hasMessage("RANK = 'x' is not an integer");
        assertThatThrownBy(() -> detect(Map.of("RANK", "4", "WORLD_SIZE", "4", "MASTER_ADDR", "h"), Flags.NONE))
            .hasMessage("RANK = 4 is out of range; accepted: 0 to 3 (WORLD_SIZE = 4)");
        assertThatThrownBy(() -> detect(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2"), Flags.NONE))
            .hasMessageContaining("has no rendezvous address: set MASTER_ADDR");
        assertThatThrownBy(() -> detect(Map.of(), new Flags(1, null, null)))
            .hasMessage("--rank and --world-size go together; got only --rank");
        assertThatThrownBy(() -> detect(Map.of(), new Flags(0, 2, "nohost")))
            .hasMessage("--master 'nohost' must be ADDR:PORT, e.g. 10.0.0.1:29500");
        assertThatThrownBy(() -> detect(Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "70000"), Flags.NONE))
            .hasMessage("MASTER_PORT = 70000 is out of range; accepted: 1 to 65535");
        assertThatThrownBy(() -> LaunchEnvironment.detect(Map.of(), new Flags(null, null, "h:1")))
            .hasMessageContaining("--master h:1 needs a rank");
    }
}
