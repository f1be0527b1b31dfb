package io.longhaul.transport.cc;

/** Registers {@link BbrCongestionControl} as {@code bbr}. */
public final class BbrCongestionControlProvider implements CongestionControlProvider {
    @Override
    public String name() {
        return BbrCongestionControl.NAME;
    }

    @Override
    public String description() {
        return "model-based, in the spirit of BBRv3 (bandwidth and min RTT model, loss-bounded); loss_thresh=0.02 (loss rate that bounds inflight)";
    }

    @Override
    public CongestionControl create(final CongestionControlConfig config) {
        return new BbrCongestionControl(config);
    }
}
