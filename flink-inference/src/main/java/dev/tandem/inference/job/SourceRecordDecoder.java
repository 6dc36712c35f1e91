package dev.tandem.inference.job;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.inference.core.FeatureUpdates;
import dev.tandem.inference.core.RawRecord;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;

/**
 * Decodes raw {@code user-features} or {@code items} records (Confluent wire-format Avro through our
 * registry) in the job, so a record that cannot be used goes to the {@link RequestDecoder#DEAD_LETTERS}
 * side output with its original bytes instead of being dropped inside the Kafka source:
 * {@code deserialization} (not readable), {@code null-value} (decodes to null, or a features tombstone
 * with no key), {@code missing-user-id} / {@code missing-field} (blank {@code user_id} / {@code item_id}),
 * {@code id-too-long}. A features tombstone with a key becomes {@link FeatureUpdates#tombstone}, or
 * {@link FeatureUpdates#forget} when it carries the forget header; an
 * items tombstone (a catalog delete) is skipped, as before.
 */
public final class SourceRecordDecoder<T extends SpecificRecord> extends ProcessFunction<RawRecord, T> {
    private final Class<T> type;
    private final Map<String, String> registry;
    private final int maxIdLength;
    private final SerializableFunction<T, CharSequence> id;
    private final DeadLetterReason blankId;
    private final SerializableFunction<String, T> tombstone;
    private transient TandemAvroDeserializer<T> deserializer;
    private transient Counter undecodable;
    private transient Counter deadLetters;

    private SourceRecordDecoder(
            Class<T> type,
            Map<String, String> registry,
            int maxIdLength,
            SerializableFunction<T, CharSequence> id,
            DeadLetterReason blankId,
            SerializableFunction<String, T> tombstone) {
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be >= 1, was " + maxIdLength);
        }
        this.type = Objects.requireNonNull(type, "type");
        this.registry = Map.copyOf(registry);
        Objects.requireNonNull(this.registry.get(RegistryClientConfig.URL), RegistryClientConfig.URL);
        this.maxIdLength = maxIdLength;
        this.id = id;
        this.blankId = blankId;
        this.tombstone = tombstone;
    }

    public static SourceRecordDecoder<UserFeatures> userFeatures(String registryUrl, int maxIdLength) {
        return userFeatures(Map.of(RegistryClientConfig.URL, registryUrl), maxIdLength);
    }

    public static SourceRecordDecoder<ItemMetadata> items(String registryUrl, int maxIdLength) {
        return items(Map.of(RegistryClientConfig.URL, registryUrl), maxIdLength);
    }

    /** @param registry the registry client's settings: {@code schema.registry.url} and any auth settings */
    public static SourceRecordDecoder<UserFeatures> userFeatures(Map<String, String> registry, int maxIdLength) {
        return new SourceRecordDecoder<>(
                UserFeatures.class,
                registry,
                maxIdLength,
                UserFeatures::getUserId,
                DeadLetterReason.MISSING_USER_ID,
                FeatureUpdates::tombstone);
    }

    public static SourceRecordDecoder<ItemMetadata> items(Map<String, String> registry, int maxIdLength) {
        return new SourceRecordDecoder<>(
                ItemMetadata.class,
                registry,
                maxIdLength,
                ItemMetadata::getItemId,
                DeadLetterReason.MISSING_FIELD,
                null);
    }

    @Override
    public void open(OpenContext ctx) {
        openDecoder();
        undecodable = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.UNDECODABLE_RECORDS);
        deadLetters = getRuntimeContext().getMetricGroup().counter(ScoringMetrics.DEAD_LETTERS);
    }

    /** Readies {@link #decode} outside a Flink task (the catalog's replay at restore, {@link CatalogReplay}). */
    public void openDecoder() {
        deserializer = new TandemAvroDeserializer<>(type, SchemaRegistryClients.fromConfigs(registry), false);
    }

    @Override
    public void processElement(RawRecord in, Context ctx, Collector<T> out) {
        T value = decode(in, (reason, error) -> {
            if (reason == DeadLetterReason.DESERIALIZATION) undecodable.inc();
            deadLetters.inc();
            ctx.output(RequestDecoder.DEAD_LETTERS, DeadLetter.of(in, reason, error));
        });
        if (value != null) out.collect(value);
    }

    /**
     * The record decoded and checked, or null: skipped (an items tombstone) or refused through {@code refuse} with its
     * reason. The rules of this class, without Flink.
     */
    public T decode(RawRecord in, RequestDecoder.Refusal refuse) {
        if (in.value == null) {
            if (tombstone == null) {
                return null;
            }
            if (in.key == null) {
                refuse.refuse(
                        DeadLetterReason.NULL_VALUE,
                        new IllegalArgumentException("tombstone without a key on " + in.topic));
                return null;
            }
            String key = new String(in.key, StandardCharsets.UTF_8);
            return in.forget && type == UserFeatures.class
                    ? type.cast(FeatureUpdates.forget(key))
                    : tombstone.apply(key);
        }
        T value;
        try {
            value = deserializer.deserialize(in.topic, in.value);
        } catch (RuntimeException e) {
            refuse.refuse(DeadLetterReason.DESERIALIZATION, e);
            return null;
        }
        if (value == null) {
            refuse.refuse(DeadLetterReason.NULL_VALUE, new IllegalArgumentException("value decodes to null"));
            return null;
        }
        CharSequence key = id.apply(value);
        if (key == null || key.toString().isBlank()) {
            refuse.refuse(
                    blankId, new IllegalArgumentException("blank id in a " + type.getSimpleName() + " on " + in.topic));
            return null;
        }
        if (key.length() > maxIdLength) {
            refuse.refuse(
                    DeadLetterReason.ID_TOO_LONG,
                    new IllegalArgumentException(
                            type.getSimpleName() + " id of " + key.length() + " chars, longer than " + maxIdLength));
            return null;
        }
        return value;
    }
}
