package dev.tandem.platform.cli;

import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.testkit.Reachability;
import java.time.Duration;
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

    public KafkaEndpoints endpoints() {
        return new KafkaEndpoints(bootstrap, registry);
    }

    /** The endpoints, after checking both answer (one-line error within a few seconds otherwise). */
    public KafkaEndpoints reachableEndpoints() {
        return reachableEndpoints(java.util.Map.of());
    }

    /** The same, Kafka checked with a secured cluster's client settings (security.protocol, sasl.*, ssl.*). */
    public KafkaEndpoints reachableEndpoints(java.util.Map<String, String> clientProperties) {
        KafkaEndpoints e = endpoints();
        Reachability.require(e, clientProperties, REACHABILITY_TIMEOUT);
        return e;
    }
}
