package io.longhaul.testkit;

import io.longhaul.transport.cc.CubicCongestionControl;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;

class CubicContractTest extends CongestionControlContract {
    @Override
    protected CongestionControl create(final CongestionControlConfig config) {
        return new CubicCongestionControl(config);
    }
}
