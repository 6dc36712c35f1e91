package dev.tandem.inference.kafka;

import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A {@link Prediction} → (key user_id, Confluent wire-format Avro value) on {@code topic}. */
final class PredictionSerializer implements KafkaRecordSerializationSchema<Prediction> {
    private final String topic;
    private final String registryUrl;
    private transient TandemAvroSerializer<Prediction> serializer;

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
        return new ProducerRecord<>(topic, null, timestamp, p.getUserId().getBytes(StandardCharsets.UTF_8), serializer.serialize(topic, p));
    }
}
