package io.longhaul.testkit;

import io.longhaul.transport.path.PlbScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class PlbSchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new PlbScheduler(config);
    }
}
