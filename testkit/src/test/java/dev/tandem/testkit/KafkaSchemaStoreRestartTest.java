package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.KafkaSchemaStore;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry as the dev cluster runs it: state only in the compacted topic, none in memory. */
@Timeout(120)
class KafkaSchemaStoreRestartTest {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withoutRegistry().withoutPlatformTopics();

    static final Schema ORDER_V1 = SchemaBuilder.record("Order").namespace("test").fields()
            .requiredString("id").endRecord();
    static final Schema ORDER_V2 = SchemaBuilder.record("Order").namespace("test").fields()
            .requiredString("id").name("amount").type().doubleType().doubleDefault(0.0).endRecord();
    static final Schema USER_V1 = SchemaBuilder.record("User").namespace("test").fields()
            .requiredLong("uid").endRecord();
    static final Schema USER_V2 = SchemaBuilder.record("User").namespace("test").fields()
            .requiredLong("uid").name("name").type().stringType().stringDefault("").endRecord();

    @Test
    void idsAndVersionsSurviveARestartOfTheRegistry() throws Exception {
        String topic = "_schemas-restart";
        int order1;
        int order2;
        int user1;
        try (SchemaRegistryServer server = start(topic);
             SchemaRegistryClient client = SchemaRegistryClients.forUrl(server.url(), Map.of())) {
            order1 = client.register("orders-value", ORDER_V1);
            order2 = client.register("orders-value", ORDER_V2);
            user1 = client.register("users-value", USER_V1);
        }
        assertThat(List.of(order1, order2, user1)).doesNotHaveDuplicates();

        try (SchemaRegistryServer server = start(topic);
             SchemaRegistryClient client = SchemaRegistryClients.forUrl(server.url(), Map.of())) {
            assertThat(client.getSchemaById(order1)).isEqualTo(ORDER_V1);
            assertThat(client.getSchemaById(order2)).isEqualTo(ORDER_V2);
            assertThat(client.getSchemaById(user1)).isEqualTo(USER_V1);
            assertThat(client.getAllVersions("orders-value")).containsExactly(1, 2);
            assertThat(client.getVersion("orders-value", 2).id()).isEqualTo(order2);
            assertThat(client.getLatestVersion("users-value").id()).isEqualTo(user1);
            assertThat(client.listSubjects()).containsExactly("orders-value", "users-value");
            // Registering a known schema again is idempotent; a new one gets a fresh, higher id.
            assertThat(client.register("orders-value", ORDER_V1)).isEqualTo(order1);
            int user2 = client.register("users-value", USER_V2);
            assertThat(user2).isGreaterThan(Math.max(order1, Math.max(order2, user1)));
        }
    }

    private static SchemaRegistryServer start(String topic) throws Exception {
        return SchemaRegistryServer.builder().host("127.0.0.1").port(0)
                .store(KafkaSchemaStore.open(CLUSTER.bootstrapServers(), topic, Duration.ofSeconds(30)))
                .start();
    }
}
