package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
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
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withPartitions(3)
            .withTopics(new TopicSpec("extra", 2, Map.of()));

    @Test
    void createsEveryPlatformTopicWithItsPartitionsAndCleanupPolicy() throws Exception {
        List<TopicSpec> expected = new ArrayList<>(TandemTopics.all(3));
        expected.add(TandemTopics.schemasTopic());
        expected.add(new TopicSpec("extra", 2, Map.of()));
        List<String> names = expected.stream().map(TopicSpec::name).toList();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();

            for (TopicSpec spec : expected) {
                assertThat(described.get(spec.name()).partitions()).as(spec.name()).hasSize(spec.partitions());
                assertThat(described.get(spec.name()).partitions())
                        .allSatisfy(p -> assertThat(p.replicas()).hasSize(1));
                String policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
                        .get("cleanup.policy").value();
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
            assertThat(admin.describeTopics(List.of("idempotent")).allTopicNames().get().get("idempotent")
                    .partitions()).hasSize(5).allSatisfy(p -> assertThat(p.leader()).isNotNull());
        }
        assertThat(configsOf("idempotent")).isEqualTo("compact");
    }

    @Test
    void transactionalBatchIsVisibleToReadCommittedConsumers() throws Exception {
        String topic = "tx-batch";
        CLUSTER.createTopics(new TopicSpec(topic, 2, Map.of()));
        Properties p = CLUSTER.producerProps();
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "extension-tx");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            producer.commitTransaction();
        }
        List<String> values = Clients.consume(CLUSTER.consumerProps("g-tx"), topic, 20);
        assertThat(values).hasSize(20).doesNotContain("aborted")
                .containsAll(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "v" + i).toList());
    }

    @Test
    void registryAnswersOnLoopbackAndIsWiredIntoClientProps() {
        assertThat(CLUSTER.registryUrl()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(CLUSTER.producerProps()).containsEntry("schema.registry.url", CLUSTER.registryUrl());
        Schema schema = SchemaBuilder.record("Ping").namespace("test").fields().requiredString("id").endRecord();
        try (SchemaRegistryClient client = SchemaRegistryClients.forUrl(CLUSTER.registryUrl(), Map.of())) {
            int id = client.register("ping-value", schema);
            assertThat(client.getSchemaById(id)).isEqualTo(schema);
        }
    }

    private static String configsOf(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(r)).all().get().get(r).get("cleanup.policy").value();
        }
    }
}
