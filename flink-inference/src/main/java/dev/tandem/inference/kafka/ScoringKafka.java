package dev.tandem.inference.kafka;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.TandemTopics;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The Kafka sources and sink of the scoring job (Avro through our registry serdes). Sources read
 * {@code read_committed}; the sink writes {@code EXACTLY_ONCE} in transactions named by
 * {@code transactionalIdPrefix} (committed on checkpoints, so the job must checkpoint).
 */
public final class ScoringKafka {
    /** Below the broker's default {@code transaction.max.timeout.ms} (15 min). */
    public static final String TRANSACTION_TIMEOUT_MS = "600000";

    private final String bootstrapServers;
    private final String registryUrl;
    private final String groupId;
    private final boolean bounded;

    public ScoringKafka(String bootstrapServers, String registryUrl, String groupId) {
        this(bootstrapServers, registryUrl, groupId, false);
    }

    private ScoringKafka(String bootstrapServers, String registryUrl, String groupId, boolean bounded) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.registryUrl = Objects.requireNonNull(registryUrl, "registryUrl");
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        this.bounded = bounded;
    }

    /** Sources that stop at the offsets that are latest when the job starts (replays, tests, benchmarks). */
    public ScoringKafka boundedToLatest() {
        return new ScoringKafka(bootstrapServers, registryUrl, groupId, true);
    }

    /** {@code scoring-requests} undecoded: the job decodes them and sends bad ones to dead letters. */
    public KafkaSource<RawRecord> requests() {
        return raw(TandemTopics.SCORING_REQUESTS);
    }

    /** {@code user-features} undecoded, for {@link dev.tandem.inference.job.ScoringJob#ofRawRecords}: bad records go to dead letters. */
    public KafkaSource<RawRecord> rawUserFeatures() {
        return raw(TandemTopics.USER_FEATURES);
    }

    /** {@code items} undecoded, for {@link dev.tandem.inference.job.ScoringJob#ofRawRecords}: bad records go to dead letters. */
    public KafkaSource<RawRecord> rawItems() {
        return raw(TandemTopics.ITEMS);
    }

    private KafkaSource<RawRecord> raw(String topic) {
        KafkaSourceBuilder<RawRecord> b = base(topic, new RawRecordDeserializer());
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    /** {@code model-control} undecoded: the job decodes it, and a bad command goes to dead letters byte for byte. */
    public KafkaSource<RawRecord> modelControl() {
        KafkaSourceBuilder<RawRecord> b = base(TandemTopics.MODEL_CONTROL, new RawRecordDeserializer());
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** Tombstones arrive as {@link FeatureUpdates#tombstone(String)}; undecodable records are only counted ({@link #rawUserFeatures} dead-letters them). */
    public KafkaSource<UserFeatures> userFeatures() {
        return source(TandemTopics.USER_FEATURES, UserFeatures.class, FeatureUpdates::tombstone);
    }

    public KafkaSource<ItemMetadata> items() {
        return source(TandemTopics.ITEMS, ItemMetadata.class, null);
    }

    public KafkaSink<Prediction> predictions(String transactionalIdPrefix) {
        return predictions(TandemTopics.PREDICTIONS, transactionalIdPrefix);
    }

    public KafkaSink<Prediction> predictions(String topic, String transactionalIdPrefix) {
        return KafkaSink.<Prediction>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new PredictionSerializer(topic, registryUrl))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    /** Refused requests, original bytes and {@code tandem.dlq.*} headers, {@code EXACTLY_ONCE} like the predictions. */
    public KafkaSink<DeadLetter> deadLetters(String transactionalIdPrefix) {
        return KafkaSink.<DeadLetter>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new DeadLetterSerializer(TandemTopics.DEAD_LETTERS))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    private <T> KafkaSourceBuilder<T> base(String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        return KafkaSource.<T>builder()
                .setDeserializer(deserializer)
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId + "." + topic) // offsets live in Flink's checkpoints; the group only shows progress
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setProperty("isolation.level", "read_committed");
    }

    private <T extends SpecificRecord> KafkaSource<T> source(String topic, Class<T> type, SerializableFunction<String, T> tombstone) {
        KafkaSourceBuilder<T> b = base(topic, new AvroRecordDeserializer<>(type, registryUrl, tombstone));
        if (bounded) {
            b.setBounded(OffsetsInitializer.latest());
        }
        return b.build();
    }
}
