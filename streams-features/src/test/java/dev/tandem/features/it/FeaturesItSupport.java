package dev.tandem.features.it;

import static org.awaitility.Awaitility.await;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import dev.tandem.testkit.TandemClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the features app's ITs share: their generated input, a raw producer's settings, read_committed reads. */
final class FeaturesItSupport {
    private FeaturesItSupport() {}

    /** A generated log, plus one invalid copy (unknown action, own id) after every {@code every}-th record. */
    static List<UserEvent> generatedWithInvalidCopies(GeneratorConfig config, int every) {
        List<UserEvent> input = new ArrayList<>();
        Iterator<dev.tandem.datasets.generator.GeneratedEvent> generated =
                SyntheticWorld.create(config).events();
        while (generated.hasNext()) {
            UserEvent e = generated.next().toUserEvent();
            input.add(e);
            if (input.size() % every == 0) {
                input.add(UserEvent.newBuilder(e)
                        .setEventId("invalid-" + e.getEventId())
                        .setAction(Action.UNKNOWN)
                        .build());
            }
        }
        return input;
    }

    /**
     * The settings every features IT starts from, as a mutable map: its application id and state dir, the cluster's
     * broker and registry, any free HTTP port, 100 ms commits. Tests add or override the rest.
     */
    static Map<String, String> settings(
            TandemClusterExtension cluster, String applicationId, java.nio.file.Path stateDir) {
        Map<String, String> s = new java.util.LinkedHashMap<>();
        s.put(dev.tandem.features.FeaturesConfig.APPLICATION_ID, applicationId);
        s.put(dev.tandem.features.FeaturesConfig.BOOTSTRAP_SERVERS, cluster.bootstrapServers());
        s.put(dev.tandem.features.FeaturesConfig.SCHEMA_REGISTRY_URL, cluster.registryUrl());
        s.put(dev.tandem.features.FeaturesConfig.STATE_DIR, stateDir.toString());
        s.put(dev.tandem.features.FeaturesConfig.HTTP_PORT, "0");
        s.put(dev.tandem.features.FeaturesConfig.COMMIT_INTERVAL_MS, "100");
        return s;
    }

    static Properties byteProducerProps(TandemClusterExtension cluster) {
        Properties pp = cluster.producerProps();
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return pp;
    }

    /** A read_committed consumer of every partition of {@code topic}, at the beginning, in a group of its own. */
    static KafkaConsumer<byte[], byte[]> consumer(TandemClusterExtension cluster, String topic, String reader) {
        Properties c = cluster.consumerProps(reader + "-" + topic + "-" + System.nanoTime());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
        List<TopicPartition> tps = consumer.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        consumer.assign(tps);
        consumer.seekToBeginning(tps);
        return consumer;
    }

    /** Every committed record of {@code topic}, read to its last stable offsets. */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            TandemClusterExtension cluster, String topic, String reader) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(cluster, topic, reader)) {
            Map<TopicPartition, Long> end = c.endOffsets(c.assignment());
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
            });
        }
        return out;
    }
}
