package io.longhaul.testkit;

import io.longhaul.transport.cc.BbrCongestionControl;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;

class BbrContractTest extends CongestionControlContract {
    @Override
    protected CongestionControl create(final CongestionControlConfig config) {
        return new BbrCongestionControl(config);
    }
}
