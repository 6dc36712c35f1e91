package dev.tandem.platform.cli;

import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.Reachability;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem features}: the features app ({@link FeaturesApp}: Kafka Streams with exactly-once, and the
 * HTTP API) until Ctrl-C or SIGTERM. Settings: built-in defaults, then {@code --config FILE}, then
 * {@code TANDEM_*} environment variables, then the options given on the command line.
 */
@Command(
        name = "features",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the features app: per-user behaviour sequences and counters from 'events' to 'user-features' (Kafka Streams,",
            "exactly_once_v2), served at GET /v1/users/{id}/features, until Ctrl-C. Settings: defaults < --config FILE <",
            "TANDEM_* environment variables < options given here (see streams-features/README.md for every key)."
        })
public final class FeaturesCommand implements Callable<Integer> {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: " + KafkaEndpoints.DEFAULT_BOOTSTRAP
                    + ", what `tandem dev-cluster` starts).")
    String bootstrap;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            description = "Schema registry URL (default: " + KafkaEndpoints.DEFAULT_REGISTRY + ").")
    String registry;

    @Option(
            names = "--http-port",
            paramLabel = "PORT",
            description = "Port of the features API (default: 8090; 0 = any free port).")
    Integer httpPort;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A properties file of features settings (keys as in streams-features/README.md).")
    Path configFile;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            description = "RocksDB stores and checkpoints (default: .tandem/features-state).")
    Path stateDir;

    @Option(
            names = "--application-id",
            paramLabel = "ID",
            description =
                    "Kafka Streams application id: consumer group and internal topic prefix (default: tandem-features).")
    String applicationId;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        FeaturesConfig config = config(cl);
        PrintWriter out = cl.getOut();

        // the app's own security settings: a plain probe of a TLS or SASL listener would fail before the app started
        KafkaEndpoints endpoints = new KafkaEndpoints(
                config.bootstrapServers(),
                config.schemaRegistryUrl(),
                KafkaOptions.appClientSettings(config.streamsOverrides(), config.registryConfigs()));
        Reachability.require(endpoints, KafkaOptions.REACHABILITY_TIMEOUT);
        requireTopics(config, endpoints);

        out.print(config.describe());
        out.flush();
        Signals signals = Signals.install(null);
        FeaturesApp app;
        try {
            app = new FeaturesApp(config).start();
        } catch (RuntimeException e) {
            throw new CliException("the features app did not start: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
        Thread safetyNet = new Thread(() -> app.close(STOP_TIMEOUT, true), "tandem-features-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        String failed = null;
        try {
            String base = "http://" + config.httpHost() + ":" + app.httpPort();
            out.println(
                    "features API: " + base + "/v1/users/{id}/features   (also " + base + "/health, /ready, /metrics)");
            out.println("Ctrl-C to stop.");
            out.flush();
            boolean wasReady = false;
            while (!signals.await(500, TimeUnit.MILLISECONDS)) {
                if (!app.isHealthy()) {
                    failed = "the features app stopped: Kafka Streams is "
                            + app.streams().state() + (TandemCli.verbose() ? "" : " (run with --verbose for its logs)");
                    break;
                }
                if (!wasReady && app.isReady()) {
                    wasReady = true;
                    out.println("ready: consuming '" + config.topics().events() + "', writing '"
                            + config.topics().userFeatures() + "'");
                    out.flush();
                }
            }
            if (failed == null) {
                out.println("stopping (" + signals.received() + ")…");
                out.flush();
            }
        } finally {
            app.close(STOP_TIMEOUT, true);
            DevClusterCommand.removeHook(safetyNet);
        }
        if (failed != null) throw new CliException(failed);
        out.println("features app stopped");
        out.flush();
        return ExitCodes.OK;
    }

    /** File and environment, then the options given here; any bad value is a usage error (exit 2). */
    FeaturesConfig config(CommandLine cl) {
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new CommandLine.ParameterException(cl, "config file not found: " + configFile);
        }
        Map<String, String> flags = new LinkedHashMap<>();
        if (bootstrap != null) flags.put(FeaturesConfig.BOOTSTRAP_SERVERS, bootstrap);
        if (registry != null) flags.put(FeaturesConfig.SCHEMA_REGISTRY_URL, registry);
        if (httpPort != null) flags.put(FeaturesConfig.HTTP_PORT, Integer.toString(httpPort));
        if (stateDir != null) flags.put(FeaturesConfig.STATE_DIR, stateDir.toString());
        if (applicationId != null) flags.put(FeaturesConfig.APPLICATION_ID, applicationId);
        try {
            return FeaturesConfig.load(configFile, System.getenv()).with(flags);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** Kafka Streams would only fail later, in the background, on missing source topics: say it now, in one line. */
    static void requireTopics(FeaturesConfig config, KafkaEndpoints endpoints) {
        List<String> needed = new ArrayList<>(List.of(
                config.topics().events(),
                config.topics().items(),
                config.topics().userFeatures(),
                config.topics().deadLetters()));
        if (config.topics().itemFeatures() != null) needed.add(config.topics().itemFeatures());
        int timeout = (int) KafkaOptions.REACHABILITY_TIMEOUT.toMillis();
        try (Admin admin = Admin.create(endpoints.client(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-features-check")))) {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<String> missing =
                    needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new CliException("missing topics on " + config.bootstrapServers() + ": "
                        + String.join(", ", missing) + " — `tandem dev-cluster` creates them");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new CliException("cannot list the topics of " + config.bootstrapServers() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while checking topics");
        }
    }
}
