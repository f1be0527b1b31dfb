package io.longhaul.transport.cc;

/** Registers {@link CubicCongestionControl} as {@code cubic}. */
public final class CubicCongestionControlProvider implements CongestionControlProvider {
    @Override
    public String name() {
        return CubicCongestionControl.NAME;
    }

    @Override
    public String description() {
        return "CUBIC per RFC 9438 (C=0.4, beta=0.7, Reno-friendly region, fast convergence); no parameters";
    }

    @Override
    public CongestionControl create(final CongestionControlConfig config) {
        return new CubicCongestionControl(config);
    }
}
