package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(120)
class TandemClusterExtensionTest {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER =
            new TandemClusterExtension().withPartitions(3).withTopics(new TopicSpec("extra", 2, Map.of()));

    @Test
    void createsEveryPlatformTopicWithItsPartitionsAndCleanupPolicy() throws Exception {
        List<TopicSpec> expected = new ArrayList<>(TandemTopics.all(3));
        expected.add(TandemTopics.schemasTopic());
        expected.add(new TopicSpec("extra", 2, Map.of()));
        List<String> names = expected.stream().map(TopicSpec::name).toList();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            Map<String, TopicDescription> described =
                    admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                    .toList();
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get();

            for (TopicSpec spec : expected) {
                assertThat(described.get(spec.name()).partitions())
                        .as(spec.name())
                        .hasSize(spec.partitions());
                assertThat(described.get(spec.name()).partitions())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(1));
                String policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
                        .get("cleanup.policy")
                        .value();
                assertThat(policy).as(spec.name()).isEqualTo(spec.compacted() ? "compact" : "delete");
            }
        }
        // The point of the check above: some topics are compacted and some are not.
        assertThat(expected).anyMatch(TopicSpec::compacted).anyMatch(s -> !s.compacted());
        assertThat(configsOf(TandemTopics.ITEMS)).isEqualTo("compact");
        assertThat(configsOf(TandemTopics.EVENTS)).isEqualTo("delete");
    }

    @Test
    void ensureTopicsIsIdempotentAndWaitsForLeaders() throws Exception {
        TopicSpec spec = new TopicSpec("idempotent", 5, Map.of("cleanup.policy", "compact"));
        CLUSTER.createTopics(spec);
        CLUSTER.createTopics(spec); // exists: no error
        TopicAdmin.ensureTopics(CLUSTER.bootstrapServers(), List.of(spec, TandemTopics.schemasTopic()));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            assertThat(admin.describeTopics(List.of("idempotent"))
                            .allTopicNames()
                            .get()
                            .get("idempotent")
                            .partitions())
                    .hasSize(5)
                    .allSatisfy(p -> assertThat(p.leader()).isNotNull());
        }
        assertThat(configsOf("idempotent")).isEqualTo("compact");
    }

    @Test
    void transactionalBatchIsVisibleToReadCommittedConsumers() throws Exception {
        String topic = "tx-batch";
        CLUSTER.createTopics(new TopicSpec(topic, 2, Map.of()));
        Properties p = CLUSTER.producerProps();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "extension-tx");
        Clients.abortedThenCommitted(p, topic, 20);
        List<String> values = Clients.consume(CLUSTER.consumerProps("g-tx"), topic, 20);
        assertThat(values)
                .hasSize(20)
                .doesNotContain("aborted")
                .containsAll(java.util.stream.IntStream.range(0, 20)
                        .mapToObj(i -> "v" + i)
                        .toList());
    }

    @Test
    void registryAnswersOnLoopbackAndIsWiredIntoClientProps() {
        assertThat(CLUSTER.registryUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(CLUSTER.producerProps()).containsEntry("schema.registry.url", CLUSTER.registryUrl());
        Schema schema = SchemaBuilder.record("Ping")
                .namespace("test")
                .fields()
                .requiredString("id")
                .endRecord();
        try (SchemaRegistryClient client = SchemaRegistryClients.forUrl(CLUSTER.registryUrl(), Map.of())) {
            int id = client.register("ping-value", schema);
            assertThat(client.getSchemaById(id)).isEqualTo(schema);
        }
    }

    @Test
    void avroAndRawRecordsComeBackThroughCommittedRecords() {
        String topic = "fixtures";
        CLUSTER.createTopics(new TopicSpec(topic, 2, Map.of()));
        List<ItemMetadata> items = new ArrayList<>();
        try (KafkaProducer<String, Object> avro = CLUSTER.avroProducer();
                KafkaProducer<byte[], byte[]> raw = CLUSTER.rawProducer()) {
            for (int i = 0; i < 5; i++) {
                ItemMetadata item = ItemMetadata.newBuilder()
                        .setItemId("i" + i)
                        .setBrand("b")
                        .build();
                items.add(item);
                avro.send(new ProducerRecord<>(topic, "i" + i, item));
            }
            avro.flush();
            ProducerRecord<byte[], byte[]> broken =
                    new ProducerRecord<>(topic, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {7});
            broken.headers().add("reason", "garbage".getBytes(StandardCharsets.UTF_8));
            raw.send(broken);
        }
        try (CommittedRecords out = CLUSTER.committed("g-fixtures", topic)) {
            out.awaitCount(6, Duration.ofSeconds(30)).drainUntilQuiet(Duration.ofMillis(300), Duration.ofSeconds(30));
            assertThat(out.records()).hasSize(6);
            ConsumerRecord<byte[], byte[]> bad = out.records().stream()
                    .filter(r -> "bad".equals(CommittedRecords.key(r)))
                    .findFirst()
                    .orElseThrow();
            assertThat(bad.value()).containsExactly(7);
            assertThat(CommittedRecords.header(bad, "reason")).isEqualTo("garbage");
            assertThat(CommittedRecords.header(bad, "missing")).isNull();
            List<ConsumerRecord<byte[], byte[]>> good =
                    out.records().stream().filter(r -> r != bad).toList();
            TandemAvroDeserializer<ItemMetadata> de = CLUSTER.avroDeserializer(ItemMetadata.class);
            assertThat(good.stream()
                            .map(r -> de.deserialize(r.topic(), r.value()))
                            .toList())
                    .containsExactlyInAnyOrderElementsOf(items);
            assertThat(out.records(topic)).hasSize(6);
            assertThat(out.records("other")).isEmpty();
        }
    }

    @Test
    void aWaitThatRunsOutFailsWithWhatWasCollected() {
        try (CommittedRecords out = CLUSTER.committed("g-empty", "extra")) {
            assertThatThrownBy(() -> out.awaitCount(1, Duration.ofMillis(500)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("expected at least 1 records on [extra] within PT0.5S, got 0");
        }
    }

    private static String configsOf(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(r))
                    .all()
                    .get()
                    .get(r)
                    .get("cleanup.policy")
                    .value();
        }
    }
}
