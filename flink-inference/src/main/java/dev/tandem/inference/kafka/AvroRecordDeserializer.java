package dev.tandem.inference.kafka;

import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confluent wire-format Avro values into {@code T} with our {@link TandemAvroDeserializer}. A null
 * value (tombstone) becomes {@code tombstone.apply(key)} when a mapping is given, else is skipped.
 * A record that does not decode is counted and skipped (requests are decoded in the job instead, where bad ones go to dead letters).
 */
final class AvroRecordDeserializer<T extends SpecificRecord> implements KafkaRecordDeserializationSchema<T> {
    private static final Logger LOG = LoggerFactory.getLogger(AvroRecordDeserializer.class);

    private final Class<T> type;
    private final Map<String, String> registry;
    private final SerializableFunction<String, T> tombstone;
    private transient TandemAvroDeserializer<T> deserializer;
    private transient Counter undecodable;

    AvroRecordDeserializer(Class<T> type, Map<String, String> registry, SerializableFunction<String, T> tombstone) {
        this.type = Objects.requireNonNull(type, "type");
        this.registry = Map.copyOf(registry);
        this.tombstone = tombstone;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        deserializer = new TandemAvroDeserializer<>(type, SchemaRegistryClients.fromConfigs(registry), false);
        undecodable = context.getMetricGroup().counter("undecodableRecords");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) {
        if (record.value() == null) {
            if (tombstone != null && record.key() != null) {
                out.collect(tombstone.apply(new String(record.key(), StandardCharsets.UTF_8)));
            }
            return;
        }
        T value;
        try {
            value = deserializer.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            undecodable.inc();
            LOG.warn(
                    "skipping undecodable record {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.toString());
            return;
        }
        out.collect(value);
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(type);
    }
}
