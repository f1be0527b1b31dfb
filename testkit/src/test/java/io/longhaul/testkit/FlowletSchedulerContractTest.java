package io.longhaul.testkit;

import io.longhaul.transport.path.FlowletScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class FlowletSchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new FlowletScheduler(config);
    }
}
