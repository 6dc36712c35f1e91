package dev.tandem.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** values.schema.json and the templates' checks refuse bad values with a message naming the value and the fix. */
class ValuesSchemaTest {
    static void refused(Map<String, Object> values, String... messageParts) {
        assertThatThrownBy(() -> Chart.template(Chart.values("defaults"), values))
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void negativeReplicas() {
        refused(Map.of("features.replicas", -1), "features", "replicas", "minimum");
    }

    @Test
    void anUnknownDeliveryMode() {
        refused(Map.of("scoring.delivery", "exactly-twice"), "delivery", "exactly-once", "at-least-once");
    }

    @Test
    void aMisspeltValue() {
        refused(Map.of("serving.replica", 3), "serving", "replica");
    }

    @Test
    void aFlinkVersionTheJobIsNotBuiltFor() {
        refused(Map.of("scoring.flinkVersion", "v1_20"), "flinkVersion", "v2_2");
    }

    @Test
    void tlsWithoutTheSecretOfItsCa() {
        refused(Map.of("kafka.tls.enabled", true), "kafka.tls.enabled needs kafka.tls.caSecret");
    }

    @Test
    void strimziWithoutAConnectImageThatRunsUnderIt() {
        refused(Map.of("strimzi.enabled", true), "strimzi.connectImage", "/opt/kafka/plugins");
    }

    @Test
    void anExternalRegistryWithoutItsUrl() {
        refused(Map.of("schemaRegistry.deploy", false), "schemaRegistry", "url");
    }

    @Test
    void aRegistryUrlThatIsNotHttp() {
        refused(Map.of("schemaRegistry.deploy", false, "schemaRegistry.url", "schema-registry:8081"), "url", "pattern");
    }

    @Test
    void aRootUser() {
        refused(Map.of("podSecurityContext.runAsNonRoot", false), "runAsNonRoot");
    }
}
