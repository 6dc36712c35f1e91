package dev.tandem.platform.cli;

import static org.awaitility.Awaitility.await;

import dev.tandem.schemas.kafka.AvroSerdes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a topic back from the beginning, decoding values with the platform's Avro serde. */
final class Topics {
    private Topics() {}

    static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readExactly(
            String bootstrap, String registry, String topic, int expected) {
        List<ConsumerRecord<String, T>> records = new ArrayList<>();
        try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "it-" + topic + "-" + System.nanoTime(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5_000),
                new StringDeserializer(),
                AvroSerdes.<T>valueDeserializer(registry))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            // Anything beyond the expected count would be a duplicate or a stray record: look a little longer.
            for (int i = 0; i < 3; i++) consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
