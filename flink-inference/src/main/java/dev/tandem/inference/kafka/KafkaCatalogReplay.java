package dev.tandem.inference.kafka;

import dev.tandem.inference.core.RawRecord;
import dev.tandem.inference.job.CatalogReplay;
import dev.tandem.inference.job.SourceRecordDecoder;
import dev.tandem.schemas.ItemMetadata;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@link CatalogReplay} from the {@code items} topic: a plain consumer (no group: assigned every partition, nothing
 * committed) reads {@code read_committed} from the beginning to the end offsets of the moment it starts, decoding with
 * the job's own rules ({@link SourceRecordDecoder#items}). Items written after that arrive through the job's items
 * source, which resumes at its checkpointed offsets: an item the replay saw may be applied again in its older
 * versions first, and ends at its newest, as the topic does.
 */
public final class KafkaCatalogReplay implements CatalogReplay {
    private static final long serialVersionUID = 1L;
    /** A restore that cannot read the catalog in this time fails, and Flink's restart strategy tries again. */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final String bootstrapServers;
    private final String topic;
    private final Map<String, String> clientProperties;
    private final Map<String, String> registry;
    private final int maxIdLength;

    /** @param clientProperties {@code kafka.*} settings without the prefix (security), as the job's sources get */
    public KafkaCatalogReplay(
            String bootstrapServers,
            String topic,
            Map<String, String> clientProperties,
            Map<String, String> registry,
            int maxIdLength) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.clientProperties = new HashMap<>(clientProperties);
        this.registry = new HashMap<>(registry);
        this.maxIdLength = maxIdLength;
    }

    @Override
    public long replay(Consumer<ItemMetadata> sink) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        SourceRecordDecoder<ItemMetadata> decoder = SourceRecordDecoder.items(registry, maxIdLength);
        decoder.openDecoder();
        long[] skipped = {0};
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> info = c.partitionsFor(topic, TIMEOUT);
            if (info == null || info.isEmpty())
                throw new IllegalStateException("topic '" + topic + "' has no partitions: cannot rebuild the catalog");
            List<TopicPartition> parts = info.stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            // under read_committed: the last stable offsets
            Map<TopicPartition, Long> end = c.endOffsets(parts, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp, TIMEOUT) < end.get(tp))) {
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException(
                            "reading the catalog from '" + topic + "' took longer than " + TIMEOUT);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
                    RawRecord raw =
                            RawRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                    ItemMetadata item = decoder.decode(raw, (reason, error) -> skipped[0]++);
                    if (item != null) sink.accept(item);
                }
            }
        }
        return skipped[0];
    }
}
