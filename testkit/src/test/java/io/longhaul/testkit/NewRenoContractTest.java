package io.longhaul.testkit;

import io.longhaul.transport.cc.NewRenoCongestionControl;
import io.longhaul.transport.cc.CongestionControl;
import io.longhaul.transport.cc.CongestionControlConfig;

class NewRenoContractTest extends CongestionControlContract {
    @Override
    protected CongestionControl create(final CongestionControlConfig config) {
        return new NewRenoCongestionControl(config);
    }
}
