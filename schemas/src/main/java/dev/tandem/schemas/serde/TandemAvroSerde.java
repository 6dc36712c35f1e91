package dev.tandem.schemas.serde;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A {@link TandemAvroSerializer} and {@link TandemAvroDeserializer} pair for Kafka Streams.
 * Either build it around a client ({@link #specific}, {@link #generic}) or let Kafka configure
 * it from Confluent's keys ({@code new TandemAvroSerde<>()} then {@link #configure}).
 */
public class TandemAvroSerde<T> implements Serde<T> {
    private final TandemAvroSerializer<T> serializer;
    private final TandemAvroDeserializer<T> deserializer;

    /** Configured later through {@link #configure}; reads generic records unless {@code specific.avro.reader=true}. */
    public TandemAvroSerde() {
        this(new TandemAvroSerializer<>(), new TandemAvroDeserializer<>());
    }

    public TandemAvroSerde(TandemAvroSerializer<T> serializer, TandemAvroDeserializer<T> deserializer) {
        this.serializer = serializer;
        this.deserializer = deserializer;
    }

    /** Generated class {@code type} on {@code client} with default settings (auto-register, TopicNameStrategy). */
    public static <T extends SpecificRecord> TandemAvroSerde<T> specific(
            Class<T> type, SchemaRegistryClient client, boolean isKey) {
        return specific(type, client, isKey, Map.of());
    }

    /** As {@link #specific(Class, SchemaRegistryClient, boolean)}, with serde settings from {@code configs}. */
    public static <T extends SpecificRecord> TandemAvroSerde<T> specific(
            Class<T> type, SchemaRegistryClient client, boolean isKey, Map<String, ?> configs) {
        return new TandemAvroSerde<>(
                new TandemAvroSerializer<>(client, isKey, configs), new TandemAvroDeserializer<>(type, client, isKey));
    }

    /** Generic records, read in the schema they were written with. */
    public static TandemAvroSerde<GenericRecord> generic(SchemaRegistryClient client, boolean isKey) {
        return generic(client, isKey, Map.of());
    }

    public static TandemAvroSerde<GenericRecord> generic(
            SchemaRegistryClient client, boolean isKey, Map<String, ?> configs) {
        return new TandemAvroSerde<>(
                new TandemAvroSerializer<>(client, isKey, configs),
                new TandemAvroDeserializer<>(client, isKey, configs));
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        serializer.close();
        deserializer.close();
    }
}
