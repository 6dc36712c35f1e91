package dev.tandem.inference.kafka;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** A {@link DeadLetter} → its original key and value bytes on {@code topic}, with the {@code tandem.dlq.*} headers. */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        Headers h = DeadLetterHeaders.add(
                new RecordHeaders(),
                d.sourceTopic,
                d.sourcePartition,
                d.sourceOffset,
                d.errorClass,
                d.errorMessage,
                d.reason);
        return new ProducerRecord<>(topic, null, d.timestamp == Long.MIN_VALUE ? null : d.timestamp, d.key, d.value, h);
    }
}
