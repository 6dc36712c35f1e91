package dev.tandem.schemas.kafka;

import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A throughput-tuned, idempotent producer of Avro records keyed by String, that counts failures
 * through one shared callback and fails loudly on {@link #flush} if any send failed.
 */
public final class AvroProducer implements AutoCloseable {
    private final KafkaProducer<String, SpecificRecord> producer;
    private final CountingSerializer<SpecificRecord> values;
    private final SendErrors errors = new SendErrors();

    public AvroProducer(KafkaEndpoints endpoints, String clientId) {
        this.values = new CountingSerializer<>(
                AvroSerdes.valueSerializer(endpoints.registryUrl(), endpoints.registryConfigs()));
        this.producer = new KafkaProducer<>(
                endpoints.client(ProducerSettings.throughput(endpoints.bootstrapServers(), clientId)),
                new StringSerializer(),
                values);
    }

    public void send(String topic, String key, SpecificRecord value) {
        producer.send(new ProducerRecord<>(topic, key, value), errors);
    }

    /** Waits for every record sent so far; throws if any of them failed. */
    public void flush() {
        producer.flush();
        errors.throwIfFailed("records");
    }

    public long acked() {
        return errors.acked();
    }

    public long serializedBytes() {
        return values.bytes();
    }

    public long serializedRecords() {
        return values.records();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
