package io.longhaul.transport.path;

/**
 * Service-provider interface through which path schedulers are found by name. Register an
 * implementation in {@code META-INF/services/io.longhaul.transport.path.PathSchedulerProvider}
 * and select it with {@code --scheduler NAME[:key=value,...]} or
 * {@code TransportContext.scheduler(NAME)}.
 */
public interface PathSchedulerProvider {
    /** @return the name users select this scheduler by, lower case, for example {@code "spray"}. */
    String name();

    /** @return a one-line description shown in help texts. */
    String description();

    /**
     * Creates the scheduler of one connection.
     *
     * @throws IllegalArgumentException if a parameter in {@code config} is unknown or out of range.
     */
    PathScheduler create(PathSchedulerConfig config);
}
