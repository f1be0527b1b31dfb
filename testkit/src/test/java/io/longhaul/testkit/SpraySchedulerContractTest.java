package io.longhaul.testkit;

import io.longhaul.transport.path.SprayScheduler;
import io.longhaul.transport.path.PathScheduler;
import io.longhaul.transport.path.PathSchedulerConfig;

class SpraySchedulerContractTest extends PathSchedulerContract {
    @Override
    protected PathScheduler create(final PathSchedulerConfig config) {
        return new SprayScheduler(config);
    }
}
