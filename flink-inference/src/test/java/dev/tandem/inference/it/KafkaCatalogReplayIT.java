package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.kafka.KafkaCatalogReplay;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.registry.RegistryClientConfig;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A restored scoring job's catalog read from the real {@code items} topic: every partition, committed records only,
 * the newest version of an item last, unusable records skipped and counted.
 */
class KafkaCatalogReplayIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension().withPartitions(3);

    @Test
    @Timeout(120)
    void readsEveryCommittedItemOfEveryPartitionNewestLastAndSkipsUnusableRecords() throws Exception {
        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer();
                KafkaProducer<byte[], byte[]> raw = KAFKA.rawProducer()) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>(
                        TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + (i % 7), "b", (double) i)));
            }
            producer.send(new ProducerRecord<>(TandemTopics.ITEMS, "i7", item("i7", "boots", "b", 99.0)));
            raw.send(new ProducerRecord<>(TandemTopics.ITEMS, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {7}));
            // a catalog delete: skipped, as the job's decoder skips it
            raw.send(new ProducerRecord<>(TandemTopics.ITEMS, "i3".getBytes(StandardCharsets.UTF_8), null));
        }
        Properties tx = KAFKA.producerProps();
        tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "catalog-replay-it");
        try (KafkaProducer<String, Object> aborted = new KafkaProducer<>(
                tx, new org.apache.kafka.common.serialization.StringSerializer(), KAFKA.avroSerializer())) {
            aborted.initTransactions();
            aborted.beginTransaction();
            aborted.send(new ProducerRecord<>(TandemTopics.ITEMS, "i8", item("i8", "aborted", "b", 1.0)));
            aborted.flush();
            aborted.abortTransaction();
        }

        Map<String, ItemMetadata> catalog = new HashMap<>();
        long skipped = new KafkaCatalogReplay(
                        KAFKA.bootstrapServers(),
                        TandemTopics.ITEMS,
                        Map.of(),
                        Map.of(RegistryClientConfig.URL, KAFKA.registryUrl()),
                        256)
                .replay(m -> catalog.put(m.getItemId(), m));

        assertThat(catalog).hasSize(300);
        assertThat(catalog.get("i7").getCategoryPath()).containsExactly("root", "boots");
        assertThat(catalog.get("i8").getCategoryPath())
                .as("an aborted write is not read")
                .containsExactly("root", "c1");
        assertThat(skipped).as("the undecodable record").isEqualTo(1);
    }
}
