package dev.tandem.platform.cli;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.Reachability;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/** {@code --bootstrap} and {@code --registry}, shared by every command that talks to Kafka. */
public final class KafkaOptions {
    static final Duration REACHABILITY_TIMEOUT = Duration.ofSeconds(5);

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            defaultValue = KafkaEndpoints.DEFAULT_BOOTSTRAP,
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, what `tandem dev-cluster` starts).")
    String bootstrap;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            defaultValue = KafkaEndpoints.DEFAULT_REGISTRY,
            description = "Schema registry URL (default: ${DEFAULT-VALUE}).")
    String registry;

    @Option(
            names = "--client-config",
            paramLabel = "FILE",
            defaultValue = "${env:TANDEM_CLIENT_CONFIG}",
            description =
                    "Kafka client settings for a secured cluster (security.protocol, sasl.*, ssl.*), as a properties"
                            + " file: `tandem dev-cluster --secure` writes one per component, tools.properties for the CLI"
                            + " (default: $TANDEM_CLIENT_CONFIG, else none).")
    Path clientConfig;

    public KafkaEndpoints endpoints() {
        return new KafkaEndpoints(bootstrap, registry, clientProperties(clientConfig));
    }

    /** The endpoints, after checking both answer (one-line error within a few seconds otherwise). */
    public KafkaEndpoints reachableEndpoints() {
        KafkaEndpoints e = endpoints();
        Reachability.require(e, REACHABILITY_TIMEOUT);
        return e;
    }

    /**
     * An app's client settings as endpoints carry them, for its start-up checks: the Kafka security settings among its
     * pass-through ones ({@code streams.*} without the prefix), and its registry client's.
     */
    static Map<String, String> appClientSettings(
            Map<String, String> kafkaSettings, Map<String, String> registryConfigs) {
        Map<String, String> m = new TreeMap<>(KafkaEndpoints.securitySettings(kafkaSettings));
        m.putAll(registryConfigs);
        return m;
    }

    /** The settings in {@code file}, or none; a missing or unreadable file is a one-line error. */
    static Map<String, String> clientProperties(Path file) {
        if (file == null) return Map.of();
        if (!Files.isRegularFile(file)) throw new CliException("--client-config " + file + ": no such file");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            throw new CliException("--client-config " + file + ": cannot read it (" + e.getMessage() + ")");
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }

    /** The same, Kafka checked with a secured cluster's client settings (security.protocol, sasl.*, ssl.*). */
    public KafkaEndpoints reachableEndpoints(Map<String, String> clientProperties) {
        KafkaEndpoints e = endpoints();
        Reachability.require(e, clientProperties, REACHABILITY_TIMEOUT);
        return e;
    }
}
