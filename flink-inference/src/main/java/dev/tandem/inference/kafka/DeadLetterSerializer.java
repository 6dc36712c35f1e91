package dev.tandem.inference.kafka;

import dev.tandem.inference.core.DeadLetter;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** A {@link DeadLetter} → its original key and value bytes on {@code topic}, with the {@code tandem.dlq.*} headers. */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private final String topic;

    DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders h = new RecordHeaders();
        h.add(DeadLetterHeaders.TOPIC, utf8(d.sourceTopic));
        h.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(d.sourcePartition)));
        h.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(d.sourceOffset)));
        h.add(DeadLetterHeaders.ERROR_CLASS, utf8(d.errorClass));
        h.add(DeadLetterHeaders.ERROR_MESSAGE, utf8(d.errorMessage));
        h.add(DeadLetterHeaders.REASON, utf8(d.reason));
        return new ProducerRecord<>(topic, null, d.timestamp == Long.MIN_VALUE ? null : d.timestamp, d.key, d.value, h);
    }

    private static byte[] utf8(String s) {
        return String.valueOf(s).getBytes(StandardCharsets.UTF_8);
    }
}
