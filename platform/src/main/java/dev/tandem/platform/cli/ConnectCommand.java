package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import dev.tandem.testkit.connect.ConnectorDeployer;
import dev.tandem.testkit.connect.ConnectorFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem connect}: a distributed Kafka Connect worker in this JVM, with the Tandem plugin from plugin.path,
 * until Ctrl-C or SIGTERM; {@code --connector FILE} creates or updates connectors and waits until they run.
 */
@Command(
        name = "connect",
        mixinStandardHelpOptions = true,
        description = {
            "Runs a Kafka Connect worker (distributed mode, group '" + WorkerSettings.GROUP_ID
                    + "', REST on 127.0.0.1) with the Tandem sinks and converter from --plugin-path, until Ctrl-C.",
            "With --connector FILE it creates or updates each connector (PUT /connectors/NAME/config) and waits until",
            "the connector and its tasks are RUNNING."
        })
public final class ConnectCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    ConnectWorkerOptions worker;

    @Option(
            names = "--rest-port",
            paramLabel = "PORT",
            defaultValue = "" + WorkerSettings.DEFAULT_REST_PORT,
            description = "The worker's REST port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int restPort;

    @Option(
            names = "--connector",
            paramLabel = "FILE",
            description = "A connector to create or update (repeatable): JSON {\"name\": ..., \"config\": {...}} or a"
                    + " .properties file with name=... and the config keys.")
    List<Path> connectorFiles;

    @Option(
            names = "--connector-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "How long each connector may take to be accepted and run (default: ${DEFAULT-VALUE}).")
    Duration connectorTimeout;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        List<ConnectorFile> connectors = connectors(cl);
        if (restPort < 0 || restPort > 65_535) {
            throw new CommandLine.ParameterException(cl, "--rest-port out of range: " + restPort);
        }
        KafkaEndpoints plain = kafka.endpoints();
        WorkerSettings settings = worker.settings(cl, plain.bootstrapServers(), plain.registryUrl(), restPort);
        // with the worker's own security settings: a plain probe of a TLS or SASL listener fails before the worker
        // could start
        Map<String, String> probe = new java.util.HashMap<>(settings.clientSecurity());
        probe.putAll(settings.registryClient());
        kafka.reachableEndpoints(probe);

        PrintWriter out = cl.getOut();
        Signals signals = Signals.install(null);
        ConnectWorker running = worker.start(settings, out);
        Thread safetyNet = new Thread(running::close, "tandem-connect-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        String failed = null;
        try {
            out.println("Connect REST API: " + running.restUrl() + "   (GET /connectors, /connector-plugins)");
            out.flush();
            try {
                new ConnectorDeployer(
                                new ConnectRest(running.restUrl(), Duration.ofSeconds(30), settings.restClientTls()),
                                () -> running.failure().orElse(null),
                                signals::stopped)
                        .deploy(connectors, connectorTimeout, line -> {
                            out.println(line);
                            out.flush();
                        });
            } catch (ConnectorDeployer.DeployException e) {
                failed = e.getMessage();
            } catch (InterruptedException e) {
                if (!signals.stopped()) throw e; // else Ctrl-C while deploying: stop like any other time
            }
            if (failed == null && !signals.stopped()) {
                out.println("Ctrl-C to stop.");
                out.flush();
            }
            while (failed == null && !signals.await(500, TimeUnit.MILLISECONDS)) {
                failed = running.failure()
                        .map(f -> "the Connect worker stopped: " + f)
                        .orElse(null);
            }
            if (failed == null) {
                out.println("stopping (" + signals.received() + ")…");
                out.flush();
            }
        } finally {
            running.close();
            DevClusterCommand.removeHook(safetyNet);
        }
        if (failed != null) throw new CliException(failed);
        out.println("Connect worker stopped");
        out.flush();
        return ExitCodes.OK;
    }

    private List<ConnectorFile> connectors(CommandLine cl) {
        List<ConnectorFile> files = new ArrayList<>();
        Map<String, Path> names = new HashMap<>();
        for (Path f : connectorFiles == null ? List.<Path>of() : connectorFiles) {
            ConnectorFile c;
            try {
                c = ConnectorFile.read(f);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
            Path before = names.putIfAbsent(c.name(), f);
            if (before != null) {
                throw new CommandLine.ParameterException(
                        cl, "connector '" + c.name() + "' is in both " + before + " and " + f);
            }
            files.add(c);
        }
        return files;
    }
}
