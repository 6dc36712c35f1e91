package dev.tandem.inference.kafka;

import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.serde.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A {@link Prediction} → (key user_id, Confluent wire-format Avro value) on {@code topic}; after the first record, by {@link PredictionWireEncoder}. */
final class PredictionSerializer implements KafkaRecordSerializationSchema<Prediction> {
    private final String topic;
    private final String registryUrl;
    private transient TandemAvroSerializer<Prediction> serializer;
    /** Set from the first record's header: the registry serializer registers (or looks up) the schema once. */
    private transient PredictionWireEncoder fast;

    PredictionSerializer(String topic, String registryUrl) {
        this.topic = topic;
        this.registryUrl = registryUrl;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        serializer = new TandemAvroSerializer<>(SchemaRegistryClients.fromConfigs(Map.of(RegistryClientConfig.URL, registryUrl)), false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Prediction p, KafkaSinkContext context, Long timestamp) {
        byte[] value;
        if (fast == null) {
            value = serializer.serialize(topic, p);
            fast = new PredictionWireEncoder(Arrays.copyOf(value, WireFormat.HEADER_SIZE));
        } else {
            value = fast.encode(p);
        }
        return new ProducerRecord<>(topic, null, timestamp, p.getUserId().getBytes(StandardCharsets.UTF_8), value);
    }
}
