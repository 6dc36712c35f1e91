package dev.tandem.inference.kafka;

import dev.tandem.schemas.ModelCommandType;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Issues model lifecycle commands on {@code model-control} (registry wire format, key model name),
 * for the CLI, the demo and benchmarks:
 * <pre>
 * ModelControlClient.send(bootstrap, registryUrl, ModelControlClient.load("tiny", "v2", dir), ModelControlClient.activate("tiny", "v2"));
 * </pre>
 * {@link #send} returns once the broker has acknowledged every command (acks=all, idempotent).
 */
public final class ModelControlClient implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final TandemAvroSerializer<ModelControl> serializer;

    public ModelControlClient(String bootstrapServers, String registryUrl) {
        this(bootstrapServers, registryUrl, Map.of());
    }

    /**
     * @param clientProperties a secured cluster's client settings, Kafka's and the registry client's (as in
     *     {@link KafkaEndpoints#clientProperties()}); empty otherwise
     */
    public ModelControlClient(String bootstrapServers, String registryUrl, Map<String, String> clientProperties) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(registryUrl, "registryUrl");
        this.serializer = new TandemAvroSerializer<>(
                SchemaRegistryClients.forUrl(registryUrl, KafkaEndpoints.registrySettings(clientProperties)), false);
        Map<String, Object> config = new java.util.HashMap<>(KafkaEndpoints.securitySettings(clientProperties));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "tandem-model-control");
        this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends {@code commands} in order and waits for the broker's acknowledgement. */
    public static void send(String bootstrapServers, String registryUrl, ModelControl... commands) {
        send(bootstrapServers, registryUrl, Map.of(), commands);
    }

    /** The same on a secured cluster. */
    public static void send(
            String bootstrapServers,
            String registryUrl,
            Map<String, String> clientProperties,
            ModelControl... commands) {
        try (ModelControlClient c = new ModelControlClient(bootstrapServers, registryUrl, clientProperties)) {
            c.send(commands);
        }
    }

    /** Sends {@code commands} in order and waits for the broker's acknowledgement. */
    public void send(ModelControl... commands) {
        try {
            for (ModelControl m : commands) {
                byte[] key = m.getModelName().toString().getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(
                                TandemTopics.MODEL_CONTROL, key, serializer.serialize(TandemTopics.MODEL_CONTROL, m)))
                        .get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending model commands", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "sending a model command to " + TandemTopics.MODEL_CONTROL + " failed: " + e.getCause(),
                    e.getCause());
        }
    }

    /** Load and warm up {@code dir} (an exported {@code <name>/<version>} directory) without serving it. */
    public static ModelControl load(String name, String version, Path dir) {
        return command(
                ModelCommandType.LOAD, name, version, dir.toAbsolutePath().toString());
    }

    /** Serve a loaded version. */
    public static ModelControl activate(String name, String version) {
        return command(ModelCommandType.ACTIVATE, name, version, null);
    }

    /** Serve {@code dir}, loading it first when the job has not loaded it yet. */
    public static ModelControl activate(String name, String version, Path dir) {
        return command(
                ModelCommandType.ACTIVATE, name, version, dir.toAbsolutePath().toString());
    }

    /** Back to the previously active version. */
    public static ModelControl rollback() {
        return command(ModelCommandType.ROLLBACK, "", "", null);
    }

    /** Also score every batch with this version and write its predictions to {@code predictions-shadow}. */
    public static ModelControl shadow(String name, String version, Path dirOrNull) {
        return command(
                ModelCommandType.SHADOW,
                name,
                version,
                dirOrNull == null ? null : dirOrNull.toAbsolutePath().toString());
    }

    public static ModelControl stopShadow() {
        return command(ModelCommandType.STOP_SHADOW, "", "", null);
    }

    /** Any command; {@code location} a directory path or a {@code file:} URI (other schemes are refused by the job). */
    public static ModelControl command(ModelCommandType type, String name, String version, String location) {
        return ModelControl.newBuilder()
                .setCommand(type)
                .setModelName(name)
                .setModelVersion(version)
                .setLocation(location)
                .setIssuedAt(Instant.now())
                .setCommandId(UUID.randomUUID().toString())
                .build();
    }

    @Override
    public void close() {
        producer.close();
    }
}
