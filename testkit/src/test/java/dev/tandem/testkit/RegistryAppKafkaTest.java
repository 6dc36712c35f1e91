package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.registry.server.RegistryApp;
import dev.tandem.schemas.topics.TandemTopics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The registry image's main on a broker: its state only in the topic, so a restart keeps every id. */
@Timeout(120)
class RegistryAppKafkaTest {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER =
            new TandemClusterExtension().withoutRegistry().withoutPlatformTopics();

    private static Settings settings(String topic, Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of(
                RegistryApp.BOOTSTRAP_SERVERS,
                CLUSTER.bootstrapServers(),
                RegistryApp.TOPIC,
                topic,
                RegistryApp.HTTP_PORT,
                "0",
                RegistryApp.STORE_TIMEOUT,
                "30s"));
        m.putAll(extra);
        return Settings.of(RegistryApp.DEFAULTS, RegistryApp.PREFIXES, m);
    }

    @Test
    void everyTandemSubjectIsRegisteredAndARestartOnTheSameTopicKeepsTheIds() {
        String topic = "_schemas-app";
        Map<String, Integer> first;
        try (RegistryApp app = RegistryApp.start(settings(topic, Map.of()));
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(app.url(), Map.of())) {
            first = app.registered();
            List<String> expected = TandemTopics.valueSchemas().keySet().stream()
                    .map(t -> t + "-value")
                    .toList();
            assertThat(client.listSubjects()).containsExactlyInAnyOrderElementsOf(expected);
            expected.forEach(s -> assertThat(client.getLatestVersion(s).id()).isEqualTo(first.get(s)));
        }
        try (RegistryApp again = RegistryApp.start(settings(topic, Map.of()));
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(again.url(), Map.of())) {
            assertThat(again.registered()).isEqualTo(first);
            first.keySet().forEach(s -> assertThat(client.getAllVersions(s)).containsExactly(1));
        }
    }

    @Test
    void kafkaPrefixedSettingsReachTheStoresClients() {
        // SASL without a JAAS entry: the client refuses before any connection, which shows the setting arrived.
        assertThatThrownBy(() -> RegistryApp.start(settings(
                        "_schemas-sasl",
                        Map.of(
                                "kafka.security.protocol", "SASL_PLAINTEXT",
                                "kafka.sasl.mechanism", "SCRAM-SHA-512"))))
                .isInstanceOf(KafkaException.class)
                .rootCause()
                .hasMessageContaining("JAAS");
    }
}
