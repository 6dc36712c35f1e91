package dev.tandem.testkit.poison;

import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.testkit.CommittedRecords;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Where each corpus entry was written (topic, partition, offset), so a dead letter can be matched to the entry it
 * came from by its {@code tandem.dlq.topic/partition/offset} headers: several entries share bytes (a repeated event,
 * a null or mismatched key on the same value), so bytes alone cannot say which one a dead letter is.
 */
public final class PoisonLedger {
    private final Map<String, PoisonCorpus.Entry> sent = new LinkedHashMap<>();

    /** Writes {@code e} to {@code topic} and remembers where it landed; waits for the write. */
    public RecordMetadata send(Producer<byte[], byte[]> producer, String topic, PoisonCorpus.Entry e)
            throws InterruptedException, ExecutionException {
        RecordMetadata m =
                producer.send(new ProducerRecord<>(topic, e.key(), e.value())).get();
        sent.put(position(topic, m.partition(), m.offset()), e);
        return m;
    }

    /** Every entry sent, in order. */
    public List<PoisonCorpus.Entry> sent() {
        return List.copyOf(sent.values());
    }

    /** The entries sent that a reader must refuse. */
    public List<PoisonCorpus.Entry> refused() {
        return sent.values().stream().filter(PoisonCorpus.Entry::refused).toList();
    }

    /**
     * Our dead letters ({@link DeadLetterHeaders}) matched to the entries they came from; a dead letter of a record
     * not sent as an entry is under null.
     */
    public Map<PoisonCorpus.Entry, List<ConsumerRecord<byte[], byte[]>>> match(
            List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        return match(deadLetters, DeadLetterHeaders.TOPIC, DeadLetterHeaders.PARTITION, DeadLetterHeaders.OFFSET);
    }

    /** As {@link #match(List)}, for dead letters whose origin is in other headers (Kafka Connect's {@code __connect.errors.*}). */
    public Map<PoisonCorpus.Entry, List<ConsumerRecord<byte[], byte[]>>> match(
            List<ConsumerRecord<byte[], byte[]>> deadLetters,
            String topicHeader,
            String partitionHeader,
            String offsetHeader) {
        Map<PoisonCorpus.Entry, List<ConsumerRecord<byte[], byte[]>>> out = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> d : deadLetters) {
            PoisonCorpus.Entry e = sent.get(position(
                    CommittedRecords.header(d, topicHeader),
                    parse(CommittedRecords.header(d, partitionHeader)),
                    parse(CommittedRecords.header(d, offsetHeader))));
            out.computeIfAbsent(e, k -> new ArrayList<>()).add(d);
        }
        return out;
    }

    private static long parse(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String position(String topic, long partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }
}
