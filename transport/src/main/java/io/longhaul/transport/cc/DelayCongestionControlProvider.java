package io.longhaul.transport.cc;

/** Registers {@link DelayCongestionControl} as {@code delay}. */
public final class DelayCongestionControlProvider implements CongestionControlProvider {
    @Override
    public String name() {
        return DelayCongestionControl.NAME;
    }

    @Override
    public String description() {
        return "delay-based after Swift/TIMELY; target=<queueing delay> (default max(100us, minRTT/10)),"
            + " ai=<datagrams per RTT>, beta=<0..1>, max_mdf=<0..0.99>";
    }

    @Override
    public CongestionControl create(final CongestionControlConfig config) {
        return new DelayCongestionControl(config);
    }
}
