package io.longhaul.transport.cc;

/** Registers {@link NewRenoCongestionControl} as {@code newreno}. */
public final class NewRenoCongestionControlProvider implements CongestionControlProvider {
    @Override
    public String name() {
        return NewRenoCongestionControl.NAME;
    }

    @Override
    public String description() {
        return "NewReno per RFC 9002 section 7 (slow start, AIMD, recovery periods); no parameters";
    }

    @Override
    public CongestionControl create(final CongestionControlConfig config) {
        return new NewRenoCongestionControl(config);
    }
}
