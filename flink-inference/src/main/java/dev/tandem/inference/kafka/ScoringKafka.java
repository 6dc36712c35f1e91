package dev.tandem.inference.kafka;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringConfig.Delivery;
import dev.tandem.inference.job.ScoringConfig.RequestOffsets;
import dev.tandem.inference.job.ScoringConfig.Topics;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.RegistryClientConfig;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka sources and sinks of the scoring job (Avro through our registry serdes). Sources read
 * {@code read_committed}. Sinks write {@link Delivery#EXACTLY_ONCE} by default: in transactions named by a
 * transactional id prefix, committed on checkpoints (so the job must checkpoint); with
 * {@link Delivery#AT_LEAST_ONCE} they write without transactions (the prefix is unused), with a producer
 * {@code linger.ms} of {@value #AT_LEAST_ONCE_LINGER_MS} ms, so a record is visible within milliseconds, and
 * flush on checkpoints. {@link #of(ScoringConfig)} takes topics, group, registry settings, {@code kafka.*} client
 * settings (which win over both producer defaults here), the delivery and where {@code scoring-requests} starts
 * from the configuration; the three-argument constructor keeps the platform's topic names, writes exactly once
 * and reads every topic from the earliest offset.
 */
public final class ScoringKafka {
    /** Below the broker's default {@code transaction.max.timeout.ms} (15 min). */
    public static final String TRANSACTION_TIMEOUT_MS = "600000";
    /**
     * The producers' {@code linger.ms} when writing at least once: a record waits at most this long for others to
     * share its batch (Kafka's own default is 5 ms). Visibility is what at-least-once is chosen for.
     */
    public static final String AT_LEAST_ONCE_LINGER_MS = "1";

    private final String bootstrapServers;
    private final Map<String, String> registry;
    private final String groupId;
    private final Topics topics;
    private final Map<String, String> clientProperties;
    private final RequestOffsets requestsStart;
    private final boolean bounded;
    private final Delivery delivery;

    public ScoringKafka(String bootstrapServers, String registryUrl, String groupId) {
        this(
                bootstrapServers,
                Map.of(RegistryClientConfig.URL, Objects.requireNonNull(registryUrl, "registryUrl")),
                groupId,
                Topics.defaults(),
                Map.of(),
                RequestOffsets.EARLIEST,
                false,
                Delivery.EXACTLY_ONCE);
    }

    private ScoringKafka(
            String bootstrapServers,
            Map<String, String> registry,
            String groupId,
            Topics topics,
            Map<String, String> clientProperties,
            RequestOffsets requestsStart,
            boolean bounded,
            Delivery delivery) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.registry = Map.copyOf(registry);
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.clientProperties = Map.copyOf(clientProperties);
        this.requestsStart = requestsStart;
        this.bounded = bounded;
        this.delivery = Objects.requireNonNull(delivery, "delivery");
    }

    /**
     * The scoring app's sources and sinks: {@code scoring-requests} from {@code config.requestsStartingOffsets()}
     * (the group's committed offsets, else the latest, by default), {@code user-features}, {@code items} and
     * {@code model-control} from the earliest offset (the job's state is rebuilt from them). A restored job
     * resumes every source at its checkpointed offsets instead.
     */
    public static ScoringKafka of(ScoringConfig config) {
        return new ScoringKafka(
                config.bootstrapServers(),
                config.registryClientConfigs(),
                config.groupId(),
                config.topics(),
                config.kafkaProperties(),
                config.requestsStartingOffsets(),
                false,
                config.delivery());
    }

    /** Sources that stop at the offsets that are latest when the job starts (replays, tests, benchmarks). */
    public ScoringKafka boundedToLatest() {
        return new ScoringKafka(
                bootstrapServers, registry, groupId, topics, clientProperties, requestsStart, true, delivery);
    }

    /** {@code scoring-requests} undecoded: the job decodes them and sends bad ones to dead letters. */
    public KafkaSource<RawRecord> requests() {
        return raw(
                topics.scoringRequests(),
                switch (requestsStart) {
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.LATEST);
                    case LATEST -> OffsetsInitializer.latest();
                    case EARLIEST -> OffsetsInitializer.earliest();
                });
    }

    /** {@code user-features} undecoded, for {@link dev.tandem.inference.job.ScoringJob.Builder#rawFeatures}: bad records go to dead letters. */
    public Source<RawRecord, ?, ?> rawUserFeatures() {
        return fromEarliest(topics.userFeatures(), new RawRecordDeserializer());
    }

    /** {@code items} undecoded, for {@link dev.tandem.inference.job.ScoringJob.Builder#rawFeatures}: bad records go to dead letters. */
    public Source<RawRecord, ?, ?> rawItems() {
        return fromEarliest(topics.items(), new RawRecordDeserializer());
    }

    /** {@code model-control} undecoded: the job decodes it, and a bad command goes to dead letters byte for byte. */
    public KafkaSource<RawRecord> modelControl() {
        return raw(topics.modelControl(), OffsetsInitializer.earliest());
    }

    private KafkaSource<RawRecord> raw(String topic, OffsetsInitializer start) {
        KafkaSourceBuilder<RawRecord> b =
                builder(topic, new RawRecordDeserializer()).from(start);
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /** A topic the job's state is rebuilt from: to its end and on, in two legs ({@link CatchUpSource}), or to the end. */
    private <T> Source<T, ?, ?> fromEarliest(String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        CatchUpSource.Builder<T> b = builder(topic, deserializer);
        return bounded
                ? b.from(OffsetsInitializer.earliest())
                        .setBounded(OffsetsInitializer.latest())
                        .build()
                : CatchUpSource.of(b);
    }

    public String registryUrl() {
        return registry.get(RegistryClientConfig.URL);
    }

    /** Tombstones arrive as {@link FeatureUpdates#tombstone(String)}; undecodable records are only counted ({@link #rawUserFeatures} dead-letters them). */
    public Source<UserFeatures, ?, ?> userFeatures() {
        return fromEarliest(
                topics.userFeatures(),
                new AvroRecordDeserializer<>(UserFeatures.class, registry, FeatureUpdates::tombstone));
    }

    public Source<ItemMetadata, ?, ?> items() {
        return fromEarliest(topics.items(), new AvroRecordDeserializer<>(ItemMetadata.class, registry, null));
    }

    /** The {@code items} topic read whole again when a restored job rebuilds its catalog ({@code scoring.catalog.state=topic}). */
    public KafkaCatalogReplay catalogReplay(int maxIdLength) {
        return new KafkaCatalogReplay(bootstrapServers, topics.items(), clientProperties, registry, maxIdLength);
    }

    public KafkaSink<Prediction> predictions(String transactionalIdPrefix) {
        return predictions(topics.predictions(), transactionalIdPrefix);
    }

    /** The shadow model's predictions ({@code predictions-shadow}). */
    public KafkaSink<Prediction> shadowPredictions(String transactionalIdPrefix) {
        return predictions(topics.predictionsShadow(), transactionalIdPrefix);
    }

    public KafkaSink<Prediction> predictions(String topic, String transactionalIdPrefix) {
        return sink(new PredictionSerializer(topic, registry), transactionalIdPrefix);
    }

    /** Refused records, original bytes and {@code tandem.dlq.*} headers, written with the same delivery as the predictions. */
    public KafkaSink<DeadLetter> deadLetters(String transactionalIdPrefix) {
        return sink(new DeadLetterSerializer(topics.deadLetters()), transactionalIdPrefix);
    }

    private <T> KafkaSink<T> sink(
            org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema<T> serializer,
            String transactionalIdPrefix) {
        Properties p = new Properties();
        KafkaSinkBuilder<T> b =
                KafkaSink.<T>builder().setBootstrapServers(bootstrapServers).setRecordSerializer(serializer);
        if (delivery == Delivery.EXACTLY_ONCE) {
            p.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).setTransactionalIdPrefix(transactionalIdPrefix);
        } else {
            p.setProperty(ProducerConfig.LINGER_MS_CONFIG, AT_LEAST_ONCE_LINGER_MS);
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        // security settings, a lower transaction timeout for a broker that caps it, another linger.ms
        p.putAll(clientProperties);
        return b.setKafkaProducerConfig(p).build();
    }

    /** Serializable (a {@link CatchUpSource} builds its second leg in the job manager): captures no {@code this}. */
    private <T> CatchUpSource.Builder<T> builder(String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        String bootstrap = bootstrapServers;
        String group = groupId + "." + topic;
        Properties p = new Properties();
        p.putAll(clientProperties);
        return start -> KafkaSource.<T>builder()
                .setProperties(p)
                .setDeserializer(deserializer)
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                // offsets live in Flink's checkpoints; the group shows progress, and is where a fresh start of the
                // requests resumes
                .setGroupId(group)
                .setStartingOffsets(start)
                // exactly once end to end: never score or join what an aborted transaction wrote
                .setProperty("isolation.level", "read_committed");
    }
}
