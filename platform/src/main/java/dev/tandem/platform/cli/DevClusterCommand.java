package dev.tandem.platform.cli;

import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.connect.ConnectWorker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            "Topics, data and schema ids are kept in --data-dir across restarts; delete it to start afresh.",
            "With --connect, a Kafka Connect worker with the Tandem plugin runs alongside (as `tandem connect` runs it)."
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

    @Option(
            names = "--connect",
            description = "Also run a Kafka Connect worker (distributed, group tandem-connect) with the Tandem plugin.")
    boolean connect;

    @Option(
            names = "--connect-port",
            defaultValue = "" + WorkerSettings.DEFAULT_REST_PORT,
            description = "With --connect: the worker's REST port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int connectPort;

    @Option(
            names = "--secure",
            description = "TLS, SCRAM-SHA-512 and least-privilege ACLs on the broker, one principal per component, and"
                    + " the schema registry on HTTPS with basic auth; each component's client settings are written to"
                    + " <data-dir>/security/<principal>.properties."
                    + " A data dir created without it cannot be secured later.")
    boolean secure;

    @Mixin
    ConnectWorkerOptions worker;

    @Override
    public Integer call() throws Exception {
        DevCluster.Config config;
        try {
            config = new DevCluster.Config(dataDir, kafkaPort, registryPort, partitions, true, secure);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (connectPort < 0 || connectPort > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--connect-port out of range: " + connectPort);
        }
        // checked before the cluster starts, so a bad plugin path costs no broker start-up; the real endpoints
        // replace these placeholders once the cluster runs
        WorkerSettings workerSettings = connect ? worker.settings(spec.commandLine(), "-", "-", connectPort) : null;
        PrintWriter out = spec.commandLine().getOut();
        Signals signals = Signals.install(null);
        DevCluster cluster = ClusterStarts.start(config);
        AtomicReference<ConnectWorker> connectWorker = new AtomicReference<>();
        Thread safetyNet = new Thread(
                () -> {
                    ConnectWorker w = connectWorker.get();
                    if (w != null) w.close();
                    cluster.close();
                },
                "tandem-dev-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        String failed = null;
        try {
            out.println("Kafka bootstrap servers: " + cluster.bootstrapServers());
            out.println("Schema registry:         " + cluster.registryUrl());
            out.println("Data dir:                " + dataDir.toAbsolutePath().normalize());
            if (cluster.security() != null)
                out.println("Security:                TLS + SCRAM-SHA-512 + ACLs, registry on HTTPS with basic auth;"
                        + " client settings per component in "
                        + cluster.security().directory()
                        + "/<principal>.properties (the CLI's: --client-config .../tools.properties)");
            if (workerSettings != null) {
                WorkerSettings ws = workerSettings.withKafka(cluster.bootstrapServers(), cluster.registryUrl());
                if (cluster.security() != null)
                    ws = ws.withOverrides(WorkerSettings.securityOverrides(
                                    cluster.security().clientProperties(KafkaAcls.CONNECT)))
                            .withOverrides(WorkerSettings.registryOverrides(
                                    cluster.security().registryClientProperties()))
                            .withRestTls(
                                    cluster.security().keyStore(),
                                    cluster.security().trustStorePassword(),
                                    "PKCS12");
                ConnectWorker w = worker.start(ws, out);
                connectWorker.set(w);
                out.println("Connect REST API:        " + w.restUrl());
            }
            out.println("Ctrl-C to stop.");
            out.flush();
            ConnectWorker w = connectWorker.get();
            while (!signals.await(500, TimeUnit.MILLISECONDS)) {
                if (w != null && w.failure().isPresent()) {
                    failed = "the Connect worker stopped: " + w.failure().get();
                    break;
                }
            }
            if (failed == null) {
                out.println("stopping (" + signals.received() + ")…");
                out.flush();
            }
        } finally {
            ConnectWorker w = connectWorker.get();
            if (w != null) w.close();
            cluster.close();
            removeHook(safetyNet);
        }
        if (failed != null) throw new CliException(failed);
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
