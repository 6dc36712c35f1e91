package dev.tandem.platform.cli;

import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.DevCluster;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem dev-cluster}: a KRaft broker (child JVM), the schema registry and every platform
 * topic, running until Ctrl-C or SIGTERM. State lives in the data dir and survives restarts.
 */
@Command(
        name = "dev-cluster",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a local Kafka broker (KRaft, child JVM), the schema registry and every platform topic until Ctrl-C.",
            "Topics, data and schema ids are kept in --data-dir across restarts; delete it to start afresh."
        })
public final class DevClusterCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Broker log dir, config, logs and pid file (default: .tandem/dev-cluster).")
    Path dataDir = DevCluster.Config.DEFAULT_DATA_DIR;

    @Option(
            names = "--kafka-port",
            defaultValue = "9092",
            description = "Kafka port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort;

    @Option(
            names = "--registry-port",
            defaultValue = "8081",
            description = "Schema registry port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int registryPort;

    @Option(
            names = "--partitions",
            defaultValue = "" + TandemTopics.DEFAULT_PARTITIONS,
            description = "Partitions per platform topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        DevCluster.Config config;
        try {
            config = new DevCluster.Config(dataDir, kafkaPort, registryPort, partitions, true);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        Signals signals = Signals.install(null);
        DevCluster cluster = ClusterStarts.start(config);
        Thread safetyNet = new Thread(cluster::close, "tandem-dev-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        try {
            out.println("Kafka bootstrap servers: " + cluster.bootstrapServers());
            out.println("Schema registry:         " + cluster.registryUrl());
            out.println("Data dir:                " + dataDir.toAbsolutePath().normalize());
            out.println("Ctrl-C to stop.");
            out.flush();
            signals.await();
            out.println("stopping (" + signals.received() + ")…");
            out.flush();
        } finally {
            cluster.close();
            removeHook(safetyNet);
        }
        out.println("dev cluster stopped");
        out.flush();
        return ExitCodes.OK;
    }

    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down: the hook runs (and close() is idempotent).
        }
    }
}
