package dev.tandem.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.streams.TtlClock;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.http.HttpSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsAreExactlyOnceWithTheDefaultPolicy() {
        FeaturesConfig c = FeaturesConfig.defaults();
        assertThat(c.processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(c.policy()).isEqualTo(SequencePolicy.defaults());
        assertThat(c.options()).isEqualTo(FeatureTopology.Options.defaults());
        assertThat(c.topics()).isEqualTo(FeatureTopics.defaults());
        assertThat(c.advertisedHost()).isEqualTo(c.httpHost());
    }

    @Test
    void fileThenEnvironmentOverrideTheDefaults() throws Exception {
        Path file = tmp.resolve("features.properties");
        Files.writeString(file, """
                bootstrap.servers=broker:9092
                http.port=9000
                user.ttl=7d
                ttl.clock=wall-clock
                sequence.grace=10m
                sequence.windows=30m/1m,6h/30m
                topic.item.features=item-features
                streams.max.poll.records=500
                schema.registry.basic.auth.user.info=alice:s3cret
                """);
        FeaturesConfig c = FeaturesConfig.load(
                file,
                Map.of(
                        "TANDEM_HTTP_PORT", "9100",
                        "TANDEM_STREAMS_SASL_JAAS_CONFIG",
                                "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"x\";",
                        "TANDEM_SOMETHING_ELSE", "ignored",
                        "PATH", "/bin"));
        assertThat(c.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(c.httpPort()).as("environment wins over the file").isEqualTo(9100);
        assertThat(c.options().userTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(c.options().ttlClock()).isEqualTo(TtlClock.WALL_CLOCK);
        assertThat(c.policy().grace()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.policy().windows())
                .extracting(SequencePolicy.CounterWindow::window)
                .containsExactly(Duration.ofMinutes(30), Duration.ofHours(6));
        assertThat(c.topics().itemFeatures()).isEqualTo("item-features");
        assertThat(c.streamsOverrides())
                .containsEntry("max.poll.records", "500")
                .containsKey("sasl.jaas.config");
        assertThat(c.registryConfigs()).containsEntry("schema.registry.basic.auth.user.info", "alice:s3cret");
        assertThat(FeaturesConfig.fromMap(c.asMap())).as("asMap round-trips").isEqualTo(c);
    }

    @Test
    void describeMasksSecrets() {
        FeaturesConfig c = FeaturesConfig.fromMap(Map.of(
                "schema.registry.url", "https://bob:hunter2@registry:8081",
                "schema.registry.basic.auth.user.info", "alice:s3cret",
                "streams.sasl.jaas.config", "PlainLoginModule required password=\"pw\";",
                "streams.ssl.keystore.password", "changeit"));
        String text = c.describe();
        assertThat(text)
                .doesNotContain("hunter2", "s3cret", "pw\"", "changeit")
                .contains("schema.registry.url = https://****@registry:8081")
                .contains("processing.guarantee = exactly_once_v2")
                .contains("streams.ssl.keystore.password = ****");
    }

    @Test
    void typosAndBadValuesAreReportedByKey() throws Exception {
        Path file = tmp.resolve("bad.properties");
        Files.writeString(file, "bootstrap.server=x\n");
        assertThatThrownBy(() -> FeaturesConfig.load(file, Map.of()))
                .hasMessageContaining("bootstrap.server")
                .hasMessageContaining("unknown key");
        assertThatThrownBy(() -> FeaturesConfig.fromMap(Map.of("user.ttl", "soon")))
                .hasMessageContaining("user.ttl");
        assertThatThrownBy(() -> FeaturesConfig.fromMap(Map.of("http.port", "70000")))
                .hasMessageContaining("http.port");
        assertThatThrownBy(() -> FeaturesConfig.fromMap(Map.of("ttl.clock", "sundial")))
                .hasMessageContaining("ttl.clock");
        assertThatThrownBy(() -> FeaturesConfig.fromMap(Map.of("sequence.max.events", "0")))
                .hasMessageContaining("maxEvents");
    }

    @Test
    void durationsInSeveralForms() {
        assertThat(Durations.parse("250ms", true)).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("250", true)).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("10s", true)).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("30d", true)).isEqualTo(Duration.ofDays(30));
        assertThat(Durations.parse("PT1H", true)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void helpListsEverySettingWithItsVariable() {
        String usage = FeaturesApp.usage();
        assertThat(usage)
                .startsWith("Usage: FeaturesApp [config.properties]")
                .contains("sequence.max.events (TANDEM_SEQUENCE_MAX_EVENTS)");
        assertThat(usage.lines().filter(l -> l.contains("(TANDEM_"))).hasSize(FeaturesConfig.DEFAULTS.size());
    }

    @Test
    void httpSecurityIsOffByDefaultAndComesFromTheEnvironmentMasked() {
        assertThat(FeaturesConfig.defaults().httpSecurity()).isEqualTo(HttpSecurity.NONE);
        FeaturesConfig c = FeaturesConfig.load(
                null,
                Map.of(
                        "TANDEM_HTTP_TLS_KEYSTORE_PATH", "/etc/tandem/tls/features.p12",
                        "TANDEM_HTTP_TLS_KEYSTORE_PASSWORD", "ks-s3cret",
                        "TANDEM_HTTP_AUTH_TOKEN", "tok-s3cret"));
        assertThat(c.httpSecurity().keystore()).isEqualTo(Path.of("/etc/tandem/tls/features.p12"));
        assertThat(c.httpSecurity().bearerToken()).isEqualTo("tok-s3cret");
        assertThat(c.describe())
                .doesNotContain("s3cret")
                .contains(
                        "http.tls.keystore.path = /etc/tandem/tls/features.p12",
                        "http.tls.keystore.password = ****",
                        "http.auth.token = ****");
        assertThat(c.with(Map.of(FeaturesConfig.HTTP_AUTH_TOKEN, "", FeaturesConfig.HTTP_AUTH_TOKEN_FILE, "/t"))
                        .httpSecurity()
                        .tokenFile())
                .isEqualTo(Path.of("/t"));
    }
}
