package dev.tandem.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.testing.Schemas;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MockSchemaRegistryTest {
    @AfterEach
    void drop() {
        MockSchemaRegistry.drop("shared");
        MockSchemaRegistry.drop("other");
    }

    @Test
    void clientsOfOneScopeShareARegistryAndScopesAreIsolated() {
        SchemaRegistryClient a = SchemaRegistryClients.forUrl("mock://shared", Map.of());
        SchemaRegistryClient b = SchemaRegistryClients.fromConfigs(Map.of("schema.registry.url", "mock://shared"));
        SchemaRegistryClient other = SchemaRegistryClients.forUrl("mock://other", Map.of());
        int id = a.register("s", UserEvent.getClassSchema());
        assertThat(b.getSchemaById(id)).isEqualTo(UserEvent.getClassSchema());
        assertThat(other.listSubjects()).isEmpty();

        MockSchemaRegistry.drop("shared");
        assertThat(SchemaRegistryClients.forUrl("mock://shared", Map.of()).listSubjects())
                .isEmpty();
    }

    @Test
    void behavesLikeTheServer() {
        SchemaRegistryClient c = MockSchemaRegistry.client("shared");
        c.register("s", UserEvent.getClassSchema());
        assertThatThrownBy(() -> c.register(
                        "s", Schemas.withField(UserEvent.getClassSchema(), "{\"name\":\"t\",\"type\":\"int\"}")))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> c.getVersion("s", 2))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40402));
    }

    @Test
    void aUrlWithoutSchemeOrWithAnUnknownOneIsRejected() {
        assertThatThrownBy(() -> SchemaRegistryClients.forUrl("localhost:8081", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SchemaRegistryClients.fromConfigs(Map.of()))
                .hasMessageContaining("schema.registry.url");
    }
}
