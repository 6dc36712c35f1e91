package dev.tandem.testkit;

import dev.tandem.schemas.registry.server.KafkaSchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.registry.server.SchemaStore;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;

/** Starts the embeddable registry on the broker's compacted {@code _schemas} topic, on 127.0.0.1. */
final class SchemaRegistryLauncher {
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    private SchemaRegistryLauncher() {}

    static SchemaRegistryServer start(String bootstrapServers, int port) {
        return start(bootstrapServers, java.util.Map.of(), port);
    }

    /** As {@link #start(String, int)}, the registry's Kafka clients with {@code clientProperties} (security). */
    static SchemaRegistryServer start(
            String bootstrapServers, java.util.Map<String, String> clientProperties, int port) {
        return start(bootstrapServers, clientProperties, port, null);
    }

    /**
     * As {@link #start(String, java.util.Map, int)}; with {@code security}, the registry serves HTTPS with its
     * certificate and requires its basic-auth credentials ({@link KafkaSecurity#registryClientProperties()}).
     */
    static SchemaRegistryServer start(
            String bootstrapServers, java.util.Map<String, String> clientProperties, int port, KafkaSecurity security) {
        LoopbackPorts.requireFree(port, "Schema registry");
        java.util.Map<String, Object> clients = new java.util.HashMap<>(clientProperties);
        clients.put("bootstrap.servers", bootstrapServers);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(clients)) {
            TopicAdmin.ensureTopics(admin, List.of(TandemTopics.schemasTopic()));
        }
        SchemaStore store = KafkaSchemaStore.open(clients, TandemTopics.SCHEMAS, STORE_TIMEOUT);
        try {
            // The builder closes the store when the server fails to start.
            SchemaRegistryServer.Builder b = SchemaRegistryServer.builder()
                    .host(LoopbackPorts.HOST)
                    .port(port)
                    .store(store);
            if (security != null) {
                b.tls(security.registryServerTls())
                        .basicAuth(KafkaSecurity.REGISTRY_HTTP_USER, security.registryPassword());
            }
            return b.start();
        } catch (BindException e) {
            throw new PortInUseException("Schema registry", port);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot start the schema registry on port " + port + ": " + e.getMessage(), e);
        }
    }
}
