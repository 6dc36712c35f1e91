package dev.tandem.inference;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The Flink MiniCluster the job tests run on, one per test class:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);
 * }</pre>
 */
public final class MiniClusters {
    private MiniClusters() {}

    /**
     * One task manager with {@code slots} slots and no restart strategy: a job that fails fails its
     * test at once, where with checkpoints it would otherwise restart forever.
     */
    public static MiniClusterExtension withoutRestarts(int slots) {
        Configuration c = new Configuration();
        c.setString("restart-strategy.type", "none");
        return withConfiguration(slots, c);
    }

    /** One task manager with {@code slots} slots and this cluster configuration (e.g. a restart strategy). */
    public static MiniClusterExtension withConfiguration(int slots, Configuration conf) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(slots)
                .build());
    }
}
