package io.longhaul.testkit;

import io.longhaul.transport.path.WeightedScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class WeightedSchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new WeightedScheduler(config);
    }
}
