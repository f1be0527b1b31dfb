package io.longhaul.testkit;

import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;
import io.longhaul.transport.cc.FixedCongestionControl;

import java.util.Map;

/** The fixed controller at 90 Mbit/s: it neither grows nor reacts to loss, by design. */
class FixedContractTest extends CongestionControlContract {
    @Override
    protected CongestionControl create(final CongestionControlConfig config) {
        return new FixedCongestionControl(config.withParameters(Map.of("rate", "90mbit")));
    }

    @Override
    protected long expectedInitialWindowBytes(final CongestionControlConfig config) {
        // 2 * rate * 1 ms before an RTT is known, at least the initial window.
        return Math.max(config.initialWindowBytes(), 2 * 90_000_000L / 8 / 1000);
    }

    @Override
    protected boolean respondsToLoss() {
        return false;
    }

    @Override
    protected boolean growsWithoutLoss() {
        return false;
    }
}
