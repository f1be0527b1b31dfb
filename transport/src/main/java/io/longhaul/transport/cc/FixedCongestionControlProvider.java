package io.longhaul.transport.cc;

/** Registers {@link FixedCongestionControl} as {@code fixed}. */
public final class FixedCongestionControlProvider implements CongestionControlProvider {
    @Override
    public String name() {
        return FixedCongestionControl.NAME;
    }

    @Override
    public String description() {
        return "constant rate and/or window for experiments, ignores loss; rate=<rate> (default 1gbit), window=<size>";
    }

    @Override
    public CongestionControl create(final CongestionControlConfig config) {
        return new FixedCongestionControl(config);
    }
}
