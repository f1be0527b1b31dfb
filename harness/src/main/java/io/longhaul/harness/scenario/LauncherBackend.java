package io.longhaul.harness.scenario;

import io.longhaul.collectives.Communicator;
import io.longhaul.collectives.fabric.TransportFabric;
import io.longhaul.collectives.rendezvous.LaunchEnvironment;
import io.longhaul.collectives.rendezvous.LaunchEnvironment.LaunchInfo;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * One rank per process, started by a launcher (torchrun or {@code scripts/longhaul launch}, mpirun,
 * srun, {@code scripts/run-hosts.sh}): this process joins the job through the rendezvous store and
 * its cluster holds its own rank only. Links between DCs are shaped by the in-process emulator with
 * the scenario's inter-DC link, on top of whatever network lies between the hosts, so a run and
 * its 0 km twin differ only in the emulated distance.
 *
 * <p>Every rank must open clusters in the same order: the n-th cluster of the job meets on
 * {@code MASTER_PORT + n mod }{@value #PORT_WINDOW}, so consecutive runs (a scenario, then its 0 km
 * twin, pair after pair) never see each other's rendezvous, and a long sweep stays within
 * {@value #PORT_WINDOW} ports above MASTER_PORT (which must be free).
 */
public final class LauncherBackend implements FabricBackend {
    /** The name this backend is selected by. */
    public static final String NAME = "launcher";

    /** Ports above MASTER_PORT that successive clusters meet on, in turn. */
    public static final int PORT_WINDOW = 64;

    private final Map<String, String> env;
    private int opened;

    /** A backend reading the launcher's variables from this process's environment. */
    public LauncherBackend() {
        this(System.getenv());
    }

    /** A backend reading the launcher's variables from {@code env} (tests). */
    public LauncherBackend(final Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "one rank per process from the launcher's variables (torchrun, mpirun, srun), real sockets between hosts";
    }

    @Override
    public synchronized Cluster open(final ClusterSpec spec) {
        final LaunchInfo launch = LaunchEnvironment.detect(env, LaunchEnvironment.Flags.NONE).orElseThrow(() ->
            new IllegalArgumentException("the launcher backend needs a rank and world size from a launcher: RANK, WORLD_SIZE, "
                + "MASTER_ADDR, MASTER_PORT (torchrun, scripts/longhaul launch), OMPI_COMM_WORLD_RANK/SIZE (mpirun) or "
                + "SLURM_PROCID/NTASKS (srun) or JOB_COMPLETION_INDEX and WORLD_SIZE (Kubernetes Indexed Job); none are set"));
        if (launch.worldSize() != spec.topology().size()) {
            throw new IllegalArgumentException("the scenario has " + spec.topology().size() + " ranks (" + spec.topology()
                + ") but the job has " + launch.worldSize() + "; use a scenario with as many ranks as processes");
        }
        final InetSocketAddress master = launch.master();
        if (master.getPort() + PORT_WINDOW - 1 > 65_535) {
            throw new IllegalArgumentException("MASTER_PORT " + master.getPort() + " is too high for the launcher backend: its clusters meet "
                + "on MASTER_PORT to MASTER_PORT + " + (PORT_WINDOW - 1) + "; accepted: 1 to " + (65_536 - PORT_WINDOW));
        }
        final LaunchInfo meeting = new LaunchInfo(launch.rank(), launch.worldSize(),
            new InetSocketAddress(master.getHostString(), master.getPort() + opened++ % PORT_WINDOW), launch.source());
        final TransportFabric fabric = TransportFabric.rendezvous(meeting, spec.transportFabricConfig());
        return new RealTimeCluster(fabric, List.of(new Communicator(fabric, spec.topology(), spec.communicatorConfig())), spec);
    }
}
