package io.longhaul.transport.cc;

/**
 * Service-provider interface through which congestion controllers are found by name. Register an
 * implementation in {@code META-INF/services/io.longhaul.transport.cc.CongestionControlProvider}
 * and select it with {@code --cc NAME} or {@code TransportContext.congestionControl(NAME)}.
 */
public interface CongestionControlProvider {

    /** @return the name users select this algorithm by, lower case, for example {@code "cubic"}. */
    String name();

    /** @return a one-line description shown in help texts. */
    String description();

    /**
     * Creates one controller for one path.
     *
     * @param config the path's datagram size, minimum and initial windows and algorithm parameters.
     * @return a new, independent controller.
     * @throws IllegalArgumentException if a parameter in {@code config} is unknown or out of range.
     */
    CongestionControl create(CongestionControlConfig config);
}
