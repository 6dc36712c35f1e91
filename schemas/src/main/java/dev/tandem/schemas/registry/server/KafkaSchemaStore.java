package dev.tandem.schemas.registry.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.server.StoreRecord.ConfigEntry;
import dev.tandem.schemas.registry.server.StoreRecord.SchemaEntry;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the registry in a compacted one-partition topic ({@code _schemas} by default), so a
 * restarted registry keeps every id and version. Opening reads the topic from the beginning to
 * its end offset; every change is produced synchronously (acks=all, idempotent) before the
 * registry applies it.
 *
 * <p>Records are JSON keyed like Confluent's ({@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}},
 * {@code {"keytype":"CONFIG","subject":..,"magic":0}}): one key per subject version and per config, so
 * compaction keeps the latest state of each, and the fold of what survives is the registry's state.
 * Key types we do not write (e.g. Confluent's NOOP or DELETE_SUBJECT) are skipped.
 *
 * <p>One registry writes to a topic at a time; a second one would not see the first one's writes.
 */
public final class KafkaSchemaStore implements SchemaStore {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final Duration timeout;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<StoreRecord> loaded;

    private KafkaSchemaStore(
            String topic, Duration timeout, KafkaProducer<byte[], byte[]> producer, List<StoreRecord> loaded) {
        this.topic = topic;
        this.timeout = timeout;
        this.producer = producer;
        this.loaded = List.copyOf(loaded);
    }

    /** Opens the store on {@code topic} at {@code bootstrapServers}, creating the topic if missing. */
    public static KafkaSchemaStore open(String bootstrapServers, String topic, Duration timeout) {
        return open(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), topic, timeout);
    }

    /**
     * As {@link #open(String, String, Duration)}, with any client settings (security, client ids)
     * in {@code clientConfigs}; they are given to the admin client, the consumer and the producer.
     */
    public static KafkaSchemaStore open(Map<String, ?> clientConfigs, String topic, Duration timeout) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> common = new HashMap<>(clientConfigs);
        ensureTopic(common, topic, timeout);
        List<StoreRecord> records = readAll(common, topic, deadline);

        Map<String, Object> p = new HashMap<>(common);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tandem-schema-registry-" + topic);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        LOG.info("Schema store on topic '{}' loaded {} record(s)", topic, records.size());
        return new KafkaSchemaStore(topic, timeout, producer, records);
    }

    @Override
    public List<StoreRecord> load() {
        return loaded;
    }

    @Override
    public void append(StoreRecord record) {
        byte[][] kv = encode(record);
        try {
            producer.send(new ProducerRecord<>(topic, 0, kv[0], kv[1])).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while writing to schema topic '" + topic + "'", e);
        } catch (ExecutionException e) {
            throw new KafkaException("Could not write to schema topic '" + topic + "': " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("No acknowledgement from schema topic '" + topic + "' within " + timeout, e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }

    // ---------------------------------------------------------------------------------------

    private static void ensureTopic(Map<String, Object> common, String topic, Duration timeout) {
        TopicSpec spec = TandemTopics.schemasTopic();
        try (Admin admin = Admin.create(common)) {
            long ms = timeout.toMillis();
            int brokers = admin.describeCluster()
                    .nodes()
                    .get(ms, TimeUnit.MILLISECONDS)
                    .size();
            short replication = (short) Math.max(1, Math.min(3, brokers));
            try {
                admin.createTopics(List.of(new NewTopic(topic, spec.partitions(), replication).configs(spec.configs())))
                        .all()
                        .get(ms, TimeUnit.MILLISECONDS);
                LOG.info("Created schema topic '{}' (1 partition, replication {}, compacted)", topic, replication);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
            TopicDescription d = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(ms, TimeUnit.MILLISECONDS)
                    .get(topic);
            if (d.partitions().size() != 1) {
                // Ordering across partitions is lost, and with it the meaning of "latest".
                throw new IllegalStateException("Schema topic '" + topic + "' has "
                        + d.partitions().size() + " partitions; it must have exactly 1");
            }
        } catch (ExecutionException e) {
            throw new KafkaException("Could not prepare schema topic '" + topic + "': " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException(
                    "Kafka did not answer within " + timeout + " while preparing schema topic '" + topic + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while preparing schema topic '" + topic + "'", e);
        }
    }

    private static List<StoreRecord> readAll(Map<String, Object> common, String topic, long deadline) {
        Map<String, Object> c = new HashMap<>(common);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tandem-schema-registry-reader-" + topic);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<StoreRecord> out = new ArrayList<>();
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), remaining(deadline)).get(tp);
            while (consumer.position(tp, remaining(deadline)) < end) {
                if (System.nanoTime() > deadline) {
                    throw new KafkaException("Timed out reading schema topic '" + topic + "' up to offset " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    StoreRecord decoded = decode(r.key(), r.value());
                    if (decoded != null) out.add(decoded);
                }
            }
        }
        return out;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000L, deadline - System.nanoTime()));
    }

    static byte[][] encode(StoreRecord record) {
        ObjectNode key = JSON.createObjectNode();
        ObjectNode value = JSON.createObjectNode();
        if (record instanceof SchemaEntry e) {
            key.put("keytype", "SCHEMA")
                    .put("subject", e.subject())
                    .put("version", e.version())
                    .put("magic", 1);
            value.put("subject", e.subject())
                    .put("version", e.version())
                    .put("id", e.id())
                    .put("schema", e.schema())
                    .put("deleted", e.deleted());
        } else if (record instanceof ConfigEntry c) {
            key.put("keytype", "CONFIG").put("subject", c.subject()).put("magic", 0);
            value.put("compatibilityLevel", c.level().name());
        } else {
            throw new IllegalArgumentException("Unknown store record " + record);
        }
        return new byte[][] {
            key.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            value.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)
        };
    }

    static StoreRecord decode(byte[] keyBytes, byte[] valueBytes) {
        if (keyBytes == null || valueBytes == null) return null;
        try {
            JsonNode key = JSON.readTree(keyBytes);
            JsonNode value = JSON.readTree(valueBytes);
            String type = key.path("keytype").asText("");
            switch (type) {
                case "SCHEMA" -> {
                    return new SchemaEntry(
                            value.path("subject").asText(),
                            value.path("version").asInt(),
                            value.path("id").asInt(),
                            value.path("schema").asText(),
                            value.path("deleted").asBoolean(false));
                }
                case "CONFIG" -> {
                    JsonNode subject = key.get("subject");
                    return new ConfigEntry(
                            subject == null || subject.isNull() ? null : subject.asText(),
                            CompatibilityLevel.parse(
                                    value.path("compatibilityLevel").asText()));
                }
                default -> {
                    return null;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new KafkaException("Unreadable record in the schema topic: " + e.getMessage(), e);
        }
    }
}
