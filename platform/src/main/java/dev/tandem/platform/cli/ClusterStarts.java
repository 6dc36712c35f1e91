package dev.tandem.platform.cli;

import dev.tandem.testkit.DevCluster;

/** Starts a {@link DevCluster}, turning its start-up failures (taken port, already running) into one-line errors. */
final class ClusterStarts {
    private ClusterStarts() {}

    static DevCluster start(DevCluster.Config config) {
        try {
            return DevCluster.start(config);
        } catch (IllegalStateException e) { // PortInUseException included: both mean "something else is running"
            throw new CliException("cannot start the dev cluster: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
    }
}
