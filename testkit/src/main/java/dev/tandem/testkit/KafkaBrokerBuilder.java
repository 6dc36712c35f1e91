package dev.tandem.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings both brokers take ({@link EmbeddedKafkaBroker.Builder} in this JVM,
 * {@link KafkaBrokerProcess.Builder} as a child JVM) and the steps both run before and after
 * launching: check the ports, build the {@link KraftBrokerConfig}, format the log dir once, wait
 * until the broker answers. Only how the broker is launched differs between the two.
 *
 * @param <B> the concrete builder, so that the setters chain
 */
public abstract class KafkaBrokerBuilder<B extends KafkaBrokerBuilder<B>> {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerBuilder.class);
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);

    private int port;
    private int controllerPort;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private KafkaSecurity security;

    // Package-private: the two brokers of this module are the only kinds there are.
    KafkaBrokerBuilder() {}

    /** The client port; 0 (default) picks a free one. */
    public B port(int port) {
        this.port = port;
        return self();
    }

    /** The controller's port; 0 (default) picks a free one. */
    public B controllerPort(int port) {
        this.controllerPort = port;
        return self();
    }

    /** Any broker setting, applied after the defaults of {@link KraftBrokerConfig}. */
    public B brokerProperty(String key, String value) {
        overrides.put(key, value);
        return self();
    }

    /** TLS, SCRAM and ACLs (see {@link KafkaSecurity}); null (default) for PLAINTEXT. */
    public B security(KafkaSecurity security) {
        this.security = security;
        return self();
    }

    /** How long {@code start()} waits for the broker to answer before it gives up. */
    public B startTimeout(Duration timeout) {
        this.startTimeout = timeout;
        return self();
    }

    /** Starts the broker and returns once it answers {@code describeCluster}. */
    public abstract KafkaBroker start();

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Fails with a {@link PortInUseException} if an explicitly chosen port is taken. */
    final void requirePortsFree() {
        LoopbackPorts.requireFree(port, "Kafka");
        LoopbackPorts.requireFree(controllerPort, "Kafka controller");
    }

    /** The node's configuration with its data in {@code logDir}, formatted there unless it already was. */
    final KraftBrokerConfig formattedConfig(Path logDir) throws IOException {
        KraftBrokerConfig config = KraftBrokerConfig.of(logDir, port, controllerPort)
                .withSecurity(security)
                .withOverrides(overrides);
        if (config.formatIfNeeded()) LOG.info("formatted new KRaft storage in {}", config.logDir());
        return config;
    }

    /** See {@link BrokerReadiness#await}: returns once the broker answers, within the start timeout. */
    final void awaitReady(KraftBrokerConfig config, BooleanSupplier stillRunning, Supplier<String> diagnostics) {
        BrokerReadiness.await(
                config.bootstrapServers(), config.superUserClientProperties(), startTimeout, stillRunning, diagnostics);
    }
}
