package io.longhaul.harness.scenario;

/**
 * Where a scenario runs: builds a {@link Cluster} from a {@link ClusterSpec}. Built in:
 * {@link SimBackend} ({@code sim}, the simulated transport in virtual time). Others (a loopback
 * real-transport backend, say) are found by {@link FabricBackends#byName} through
 * {@link java.util.ServiceLoader}: implement this interface and list the class in
 * {@code META-INF/services/io.longhaul.harness.scenario.FabricBackend}.
 */
public interface FabricBackend {

    /** @return the name users select the backend by, e.g. {@code sim}. */
    String name();

    /** @return one line for help texts. */
    String description();

    /**
     * @return whether runs are exact: in virtual time, deterministic, free of measurement noise
     *         (the simulator), so one run per configuration says all; a real-time backend's runs
     *         are repeated and reported with an interval.
     */
    default boolean exact() {
        return false;
    }

    /**
     * Builds the ranks, connects them and returns when every rank can run collectives.
     *
     * @throws IllegalArgumentException if this backend cannot build {@code spec}, saying why.
     */
    Cluster open(ClusterSpec spec);
}
