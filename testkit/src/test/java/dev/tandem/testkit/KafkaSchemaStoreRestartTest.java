package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.KafkaSchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.serde.TandemAvroSerde;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry as the dev cluster runs it: state only in the compacted topic, none in memory. */
@Timeout(120)
class KafkaSchemaStoreRestartTest {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER =
            new TandemClusterExtension().withoutRegistry().withoutPlatformTopics();

    static final Schema ORDER_V1 = SchemaBuilder.record("Order")
            .namespace("test")
            .fields()
            .requiredString("id")
            .endRecord();
    static final Schema ORDER_V2 = SchemaBuilder.record("Order")
            .namespace("test")
            .fields()
            .requiredString("id")
            .name("amount")
            .type()
            .doubleType()
            .doubleDefault(0.0)
            .endRecord();
    static final Schema USER_V1 = SchemaBuilder.record("User")
            .namespace("test")
            .fields()
            .requiredLong("uid")
            .endRecord();
    static final Schema USER_V2 = SchemaBuilder.record("User")
            .namespace("test")
            .fields()
            .requiredLong("uid")
            .name("name")
            .type()
            .stringType()
            .stringDefault("")
            .endRecord();

    @Test
    void idsVersionsConfigsAndDeletesSurviveARestartOfTheRegistry() throws Exception {
        String topic = "_schemas-restart";
        UserEvent event = UserEvent.newBuilder()
                .setEventId("ev-1")
                .setUserId("u-1")
                .setItemId("i-1")
                .setCategoryId("c-1")
                .setAction(Action.CART)
                .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L))
                .setPrice(9.5)
                .build();
        int order1;
        int order2;
        int user1;
        int items;
        byte[] written;
        try (SchemaRegistryServer server = start(topic);
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(server.url(), Map.of())) {
            order1 = client.register("orders-value", ORDER_V1);
            order2 = client.register("orders-value", ORDER_V2);
            user1 = client.register("users-value", USER_V1);
            items = client.register("items-value", ItemMetadata.getClassSchema());
            client.setCompatibility("items-value", CompatibilityLevel.FULL);
            client.register("scratch-value", USER_V1);
            client.deleteSubject("scratch-value");
            written = TandemAvroSerde.specific(UserEvent.class, client, false)
                    .serializer()
                    .serialize("events", event);
        }
        assertThat(List.of(order1, order2, user1, items)).doesNotHaveDuplicates();

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", CLUSTER.bootstrapServers()))) {
            TopicDescription d =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertThat(d.partitions()).hasSize(1);
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            assertThat(admin.describeConfigs(List.of(res))
                            .all()
                            .get()
                            .get(res)
                            .get("cleanup.policy")
                            .value())
                    .isEqualTo("compact");
        }

        try (SchemaRegistryServer server = start(topic);
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(server.url(), Map.of())) {
            assertThat(client.getSchemaById(order1)).isEqualTo(ORDER_V1);
            assertThat(client.getSchemaById(order2)).isEqualTo(ORDER_V2);
            assertThat(client.getSchemaById(user1)).isEqualTo(USER_V1);
            assertThat(client.getAllVersions("orders-value")).containsExactly(1, 2);
            assertThat(client.getVersion("orders-value", 2).id()).isEqualTo(order2);
            assertThat(client.getLatestVersion("users-value").id()).isEqualTo(user1);
            assertThat(client.listSubjects())
                    .containsExactlyInAnyOrder("orders-value", "users-value", "items-value", "events-value");
            assertThat(client.getCompatibility("items-value")).isEqualTo(CompatibilityLevel.FULL);
            // Records written before the restart still decode.
            assertThat(TandemAvroSerde.specific(UserEvent.class, client, false)
                            .deserializer()
                            .deserialize("events", written))
                    .isEqualTo(event);
            // Registering a known schema again is idempotent; a new one gets a fresh, higher id.
            assertThat(client.register("orders-value", ORDER_V1)).isEqualTo(order1);
            int user2 = client.register("users-value", USER_V2);
            assertThat(user2)
                    .isGreaterThan(List.of(order1, order2, user1, items).stream()
                            .max(Integer::compare)
                            .orElseThrow());
        }
    }

    private static SchemaRegistryServer start(String topic) throws Exception {
        return SchemaRegistryServer.builder()
                .host("127.0.0.1")
                .port(0)
                .store(KafkaSchemaStore.open(CLUSTER.bootstrapServers(), topic, Duration.ofSeconds(30)))
                .start();
    }
}
