package dev.tandem.schemas.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.topics.TandemTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/** The registry app on an in-memory store; on a broker (the {@code _schemas} topic, a restart) in testkit. */
class RegistryAppTest {
    static final List<String> SUBJECTS = List.of(
            "events-value",
            "items-value",
            "user-features-value",
            "scoring-requests-value",
            "predictions-value",
            "predictions-shadow-value",
            "model-control-value",
            "prediction-outcomes-value",
            "model-metrics-value");

    static Settings settings(Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>(Map.of(RegistryApp.HTTP_PORT, "0"));
        m.putAll(overrides);
        return Settings.of(RegistryApp.DEFAULTS, RegistryApp.PREFIXES, m);
    }

    @Test
    void registersEveryTandemValueSchemaUnderItsTopicSubjectAndKeepsTheIdsOnARestart() throws Exception {
        InMemorySchemaStore store = new InMemorySchemaStore();
        Map<String, Integer> first;
        try (RegistryApp app = RegistryApp.start(settings(Map.of()), store);
                SchemaRegistryClient client = SchemaRegistryClients.forUrl(app.url(), Map.of())) {
            first = app.registered();
            assertThat(client.listSubjects()).containsExactlyInAnyOrderElementsOf(SUBJECTS);
            assertThat(client.getLatestVersion("events-value").schema()).isEqualTo(UserEvent.getClassSchema());
            assertThat(client.getLatestVersion("predictions-shadow-value").schema())
                    .isEqualTo(Prediction.getClassSchema());
            // The same schema text has one id whichever subject holds it.
            assertThat(first.get("predictions-shadow-value")).isEqualTo(first.get("predictions-value"));
            // What a serializer would register finds the app's registration.
            assertThat(client.register("events-value", UserEvent.getClassSchema()))
                    .isEqualTo(first.get("events-value"));
        }
        try (RegistryApp again = RegistryApp.start(settings(Map.of()), store)) {
            assertThat(again.registered()).isEqualTo(first);
            for (String subject : SUBJECTS)
                assertThat(again.core().versions(subject)).containsExactly(1);
        }
    }

    @Test
    void aSubjectHoldingAnIncompatibleSchemaFailsTheStartWithOneLineNamingIt() {
        InMemorySchemaStore store = new InMemorySchemaStore();
        // A UserEvent that shares no field: the current one, with required fields and no defaults, cannot read it.
        Schema other = SchemaBuilder.record(UserEvent.getClassSchema().getFullName())
                .fields()
                .requiredString("legacy_id")
                .endRecord();
        new RegistryCore(store).register("events-value", other);

        assertThatThrownBy(() -> RegistryApp.start(settings(Map.of()), store))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("events-value")
                .hasMessageContaining("BACKWARD")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        // Nothing after the refused subject was registered, and the failed start left no server behind.
        assertThat(new RegistryCore(store).subjects()).containsExactly("events-value");
    }

    @Test
    void withRegistrationOffTheRegistryStartsEmpty() {
        try (RegistryApp app =
                RegistryApp.start(settings(Map.of(RegistryApp.REGISTER_SCHEMAS, "false")), new InMemorySchemaStore())) {
            assertThat(app.registered()).isEmpty();
            assertThat(app.core().subjects()).isEmpty();
        }
    }

    @Test
    void basicAuthGuardsEveryRequest() throws Exception {
        try (RegistryApp app = RegistryApp.start(
                settings(Map.of(RegistryApp.BASIC_AUTH_USER, "tandem", RegistryApp.BASIC_AUTH_PASSWORD, "s3cret")),
                new InMemorySchemaStore())) {
            HttpClient http = HttpClient.newHttpClient();
            URI subjects = URI.create(app.url() + "/subjects");
            assertThat(http.send(HttpRequest.newBuilder(subjects).build(), HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(401);
            String auth =
                    "Basic " + Base64.getEncoder().encodeToString("tandem:s3cret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(subjects)
                            .header("Authorization", auth)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"events-value\"");
        }
    }

    @Test
    void aPasswordWithoutAUserIsRefused() {
        assertThatThrownBy(() -> RegistryApp.start(
                        settings(Map.of(RegistryApp.BASIC_AUTH_PASSWORD, "s3cret")), new InMemorySchemaStore()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RegistryApp.BASIC_AUTH_USER);
    }

    @Test
    void kafkaSettingsPassThroughUnderTheirPrefixAndUnknownKeysAreRefused() {
        Settings s = RegistryApp.load(
                null,
                Map.of(
                        "TANDEM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "TANDEM_BOOTSTRAP_SERVERS", "kafka:9093",
                        "TANDEM_REGISTER_SCHEMAS", "false"));
        assertThat(s.withPrefix(RegistryApp.KAFKA_PREFIX)).containsEntry("security.protocol", "SASL_SSL");
        assertThat(s.string(RegistryApp.BOOTSTRAP_SERVERS)).isEqualTo("kafka:9093");
        assertThat(s.bool(RegistryApp.REGISTER_SCHEMAS)).isFalse();
        assertThatThrownBy(() -> Settings.of(RegistryApp.DEFAULTS, RegistryApp.PREFIXES, Map.of("http.prot", "1")))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void helpListsEverySettingWithItsVariableAndTheKafkaPrefix() {
        String usage = RegistryApp.usage();
        assertThat(usage).startsWith("Usage: RegistryApp [config.properties]");
        RegistryApp.DEFAULTS.keySet().forEach(k -> assertThat(usage).contains(k, Settings.envName(k)));
        assertThat(usage).contains("kafka.").contains("default '" + TandemTopics.SCHEMAS + "'");
    }

    @Test
    void everyValueSchemaTopicIsAPlatformTopic() {
        List<String> topics = TandemTopics.all(1).stream()
                .map(dev.tandem.schemas.topics.TopicSpec::name)
                .toList();
        assertThat(topics).containsAll(TandemTopics.valueSchemas().keySet());
        assertThat(TandemTopics.valueSchemas().keySet()).doesNotContain(TandemTopics.DEAD_LETTERS);
    }
}
