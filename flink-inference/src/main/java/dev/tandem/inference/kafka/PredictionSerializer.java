package dev.tandem.inference.kafka;

import dev.tandem.inference.core.PredictionAssembler;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import dev.tandem.schemas.topics.ForgetSignal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A {@link Prediction} → (key user_id, Confluent wire-format Avro value) on {@code topic}; after the first record, by
 * {@link PredictionWireEncoder}. A {@link PredictionAssembler#forget} marker → a tombstone keyed by the user id with the
 * forget header.
 */
final class PredictionSerializer implements KafkaRecordSerializationSchema<Prediction> {
    private final String topic;
    private final Map<String, String> registry;
    private transient TandemAvroSerializer<Prediction> serializer;
    /** Set from the first record's header: the registry serializer registers (or looks up) the schema once. */
    private transient PredictionWireEncoder fast;

    PredictionSerializer(String topic, Map<String, String> registry) {
        this.topic = topic;
        this.registry = Map.copyOf(registry);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        serializer = new TandemAvroSerializer<>(SchemaRegistryClients.fromConfigs(registry), false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Prediction p, KafkaSinkContext context, Long timestamp) {
        byte[] key = p.getUserId().getBytes(StandardCharsets.UTF_8);
        if (PredictionAssembler.isForget(p)) {
            RecordHeaders headers = new RecordHeaders();
            ForgetSignal.mark(headers);
            return new ProducerRecord<>(topic, null, timestamp, key, null, headers);
        }
        byte[] value;
        if (fast == null) {
            value = serializer.serialize(topic, p);
            fast = new PredictionWireEncoder(Arrays.copyOf(value, WireFormat.HEADER_SIZE));
        } else {
            value = fast.encode(p);
        }
        return new ProducerRecord<>(topic, null, timestamp, key, value);
    }
}
