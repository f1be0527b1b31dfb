package io.longhaul.testkit;

import io.longhaul.transport.cc.DelayCongestionControl;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;

class DelayContractTest extends CongestionControlContract {
    @Override
    protected CongestionControl create(final CongestionControlConfig config) {
        return new DelayCongestionControl(config);
    }
}
