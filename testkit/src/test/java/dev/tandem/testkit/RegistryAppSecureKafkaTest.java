package dev.tandem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.server.RegistryApp;
import dev.tandem.schemas.topics.TandemTopics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registry on a broker with TLS, SCRAM and ACLs, as the chart runs it: the principal's client settings as
 * {@code TANDEM_KAFKA_*} variables, its grant covering only the {@code _schemas} topic.
 */
@Timeout(120)
class RegistryAppSecureKafkaTest {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutRegistry()
            .withoutPlatformTopics()
            .secured(List.of());

    @Test
    void theRegistryReachesASecuredKafkaWithTheSettingsUnderItsKafkaPrefix() {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.envName(RegistryApp.BOOTSTRAP_SERVERS), CLUSTER.bootstrapServers());
        env.put(Settings.envName(RegistryApp.HTTP_PORT), "0");
        // what the chart does: each client setting under kafka., as a variable
        CLUSTER.clientProperties(TandemClusterExtension.REGISTRY_PRINCIPAL)
                .forEach((k, v) -> env.put(Settings.envName(RegistryApp.KAFKA_PREFIX + k), v));
        Settings settings = RegistryApp.load(null, env);
        assertThat(settings.withPrefix(RegistryApp.KAFKA_PREFIX)).containsKey("sasl.jaas.config");

        try (RegistryApp app = RegistryApp.start(settings)) {
            assertThat(app.core().subjects())
                    .hasSize(TandemTopics.valueSchemas().size());
        }
    }
}
