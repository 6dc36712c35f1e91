package dev.tandem.platform.cli;

import dev.tandem.platform.connect.PluginPaths;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.testkit.LoopbackPorts;
import dev.tandem.testkit.PortInUseException;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The worker options {@code tandem connect} and {@code tandem dev-cluster --connect} share, and starting that worker
 * with them: its failures become one line, exit 1.
 */
public final class ConnectWorkerOptions {
    /** Connect's {@code plugin.discovery} modes. */
    enum PluginDiscovery {
        ONLY_SCAN,
        HYBRID_WARN,
        HYBRID_FAIL,
        SERVICE_LOAD;

        String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @Option(
            names = "--plugin-path",
            paramLabel = "DIR",
            description = "The dir that holds Connect plugins (tandem-connectors/ among them). Default: the packaged"
                    + " plugin, a plugin/ dir next to the CLI's lib/ or the build's connectors/target/plugin.")
    Path pluginPath;

    @Option(
            names = "--plugin-discovery",
            paramLabel = "MODE",
            defaultValue = "service_load",
            description = "How the worker finds plugins: service_load (only those listed in META-INF/services; fast),"
                    + " hybrid_warn, hybrid_fail or only_scan (default: ${DEFAULT-VALUE}).")
    PluginDiscovery pluginDiscovery;

    @Option(
            names = "--worker-config",
            paramLabel = "FILE",
            description = "A properties file of Connect worker settings, applied over the platform's defaults.")
    Path workerConfig;

    @Option(
            names = "--worker-property",
            paramLabel = "KEY=VALUE",
            description = "A Connect worker setting, applied last (repeatable), e.g. offset.flush.interval.ms=10000.")
    List<String> workerProperties;

    @Option(
            names = "--worker-start-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = dev.tandem.bench.cli.DurationConverter.class,
            description = "How long the worker may take to join its group (default: ${DEFAULT-VALUE}).")
    Duration startTimeout;

    /** The settings for a worker on this Kafka and registry; a bad option is a usage error. */
    WorkerSettings settings(CommandLine cl, String bootstrap, String registry, int restPort) {
        Path path = pluginPath;
        if (path == null) {
            path = PluginPaths.defaultPath()
                    .orElseThrow(() -> new CommandLine.ParameterException(
                            cl,
                            "no Connect plugin dir found (looked in " + PluginPaths.describeCandidates()
                                    + "); build it with `mvn -B -pl connectors -am package -DskipTests` or pass"
                                    + " --plugin-path"));
        }
        try {
            PluginPaths.validate(path);
            return new WorkerSettings(
                    bootstrap, registry, restPort, path, pluginDiscovery.configValue(), overrides(cl));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    private Map<String, String> overrides(CommandLine cl) {
        Map<String, String> o = new LinkedHashMap<>();
        if (workerConfig != null) {
            if (!Files.isRegularFile(workerConfig)) {
                throw new CommandLine.ParameterException(cl, "worker config file not found: " + workerConfig);
            }
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(workerConfig, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "cannot read " + workerConfig + ": " + e.getMessage());
            }
            p.stringPropertyNames().stream().sorted().forEach(k -> o.put(k, p.getProperty(k)));
        }
        if (workerProperties != null) {
            for (String kv : workerProperties) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new CommandLine.ParameterException(cl, "--worker-property wants KEY=VALUE, got '" + kv + "'");
                }
                o.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        return o;
    }

    /**
     * Starts the worker and waits until it is healthy (joined its group), printing its settings first.
     *
     * @throws CliException (exit 1) when the REST port is taken, the worker refuses its config or does not become
     *     healthy in time
     */
    ConnectWorker start(WorkerSettings settings, PrintWriter out) throws InterruptedException {
        if (TandemCli.verbose()) Configurator.setLevel("org.apache.kafka.connect", Level.INFO);
        try {
            LoopbackPorts.requireFree(settings.restPort(), "Connect REST");
        } catch (PortInUseException e) {
            throw new CliException("cannot start the Connect worker: " + e.getMessage());
        }
        out.println("Connect worker (distributed, group " + WorkerSettings.GROUP_ID + ")");
        out.print(settings.describe());
        out.flush();
        ConnectWorker worker;
        try {
            worker = ConnectWorker.start(settings.workerProperties());
        } catch (ConnectWorker.WorkerStartException e) {
            throw new CliException(
                    "the Connect worker did not start: " + e.getMessage() + hint(e.getMessage(), settings),
                    ExitCodes.FAILURE,
                    e);
        }
        try {
            new ConnectRest(worker.restUrl(), Duration.ofSeconds(10), settings.restClientTls())
                    .awaitHealthy(startTimeout, () -> worker.failure().orElse(null));
        } catch (IllegalStateException e) {
            worker.close();
            throw new CliException(e.getMessage(), ExitCodes.FAILURE, e);
        } catch (InterruptedException | RuntimeException e) {
            worker.close();
            throw e;
        }
        return worker;
    }

    /** Where a missing plugin class most likely comes from. */
    private static String hint(String message, WorkerSettings settings) {
        if (message != null && message.contains("could not be found") && message.contains("dev.tandem.")) {
            return " — is the Tandem plugin under " + settings.pluginPath()
                    + "? (`mvn -B -pl connectors -am package -DskipTests` builds it)";
        }
        return "";
    }
}
