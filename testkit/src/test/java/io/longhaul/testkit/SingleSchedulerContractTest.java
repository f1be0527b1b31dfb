package io.longhaul.testkit;

import io.longhaul.transport.path.SingleScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class SingleSchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new SingleScheduler(config);
    }

    @Override
    protected boolean spreadsOverPaths() {
        return false;
    }
}
