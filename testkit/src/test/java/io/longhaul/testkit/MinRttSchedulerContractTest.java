package io.longhaul.testkit;

import io.longhaul.transport.path.MinRttScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class MinRttSchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new MinRttScheduler(config);
    }
}
