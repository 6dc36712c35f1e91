package dev.tandem.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.http.HttpSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitoringConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsAreExactlyOnceWithTheDefaultFunnelAndOneHourWindows() {
        MonitoringConfig c = MonitoringConfig.defaults();
        assertThat(c.processingGuarantee()).isEqualTo("exactly_once_v2");
        assertThat(c.options()).isEqualTo(MonitoringTopology.Options.defaults());
        assertThat(c.options().metricsWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(c.topics()).isEqualTo(MonitoringTopics.defaults());
        assertThat(c.httpPort()).isEqualTo(8092);
    }

    @Test
    void fileThenEnvironmentOverrideTheDefaults() throws Exception {
        Path file = tmp.resolve("monitoring.properties");
        Files.writeString(file, """
                bootstrap.servers=broker:9092
                funnel.stages=IMPRESSION,CLICK,PURCHASE
                funnel.horizon=2h
                outcome.grace=1m
                metrics.window=15m
                state.store.type=in-memory
                streams.max.poll.records=500
                """);
        MonitoringConfig c =
                MonitoringConfig.load(file, Map.of("TANDEM_FUNNEL_HORIZON", "3h", "TANDEM_SOMETHING_ELSE", "ignored"));
        assertThat(c.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(c.options().funnel().stages()).containsExactly(Action.IMPRESSION, Action.CLICK, Action.PURCHASE);
        assertThat(c.options().funnel().horizon()).as("environment wins").isEqualTo(Duration.ofHours(3));
        assertThat(c.options().grace()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.options().metricsWindow()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.options().storeType()).isEqualTo(MonitoringTopology.StoreType.IN_MEMORY);
        assertThat(c.streamsOverrides()).containsEntry("max.poll.records", "500");
        assertThat(MonitoringConfig.fromMap(c.asMap())).as("asMap round-trips").isEqualTo(c);
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("funnel.stages", "VIEW,NOPE")))
                .hasMessageContaining("funnel.stages");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("funnel.stages", "VIEW")))
                .hasMessageContaining("at least one later stage");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("metrics.window", "0")))
                .hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("outcome.grace", "soon")))
                .hasMessageContaining("outcome.grace");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("no.such.key", "1")))
                .hasMessageContaining("no.such.key");
    }

    @Test
    void shadowPredictionsAreReadByDefaultAndAnEmptyKeyTurnsThemOff() {
        MonitoringConfig d = MonitoringConfig.defaults();
        assertThat(d.topics().shadowPredictions()).isEqualTo("predictions-shadow");
        assertThat(d.topics().inputs()).containsExactly("events", "predictions", "predictions-shadow");
        assertThat(d.asMap()).containsEntry(MonitoringConfig.TOPIC_PREDICTIONS_SHADOW, "predictions-shadow");

        MonitoringConfig off = MonitoringConfig.load(null, Map.of("TANDEM_TOPIC_PREDICTIONS_SHADOW", " "));
        assertThat(off.topics().readsShadow()).isFalse();
        assertThat(off.topics().inputs()).containsExactly("events", "predictions");
        assertThat(off.topics().isPredictions("predictions-shadow")).isFalse();
        assertThat(MonitoringConfig.fromMap(off.asMap()))
                .as("asMap round-trips")
                .isEqualTo(off);

        MonitoringConfig other = MonitoringConfig.fromMap(Map.of("topic.predictions.shadow", " challenger "));
        assertThat(other.topics().shadowPredictions()).isEqualTo("challenger");
        assertThat(other.topics().isShadow("challenger")).isTrue();
        assertThat(MonitoringConfig.fromMap(other.asMap())).isEqualTo(other);

        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("topic.predictions.shadow", "predictions")))
                .hasMessageContaining("topic.predictions.shadow")
                .hasMessageContaining("must differ from topic.predictions");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("topic.predictions.shadow", "events")))
                .hasMessageContaining("topic.events");
    }

    @Test
    void modelCardsAndPsiThresholds() {
        MonitoringConfig d = MonitoringConfig.defaults();
        assertThat(d.modelCards()).isEmpty();
        assertThat(d.driftThresholds().warning()).isEqualTo(0.1);
        assertThat(d.driftThresholds().critical()).isEqualTo(0.25);
        MonitoringConfig c = MonitoringConfig.fromMap(Map.of(
                "model.cards",
                "/models, /more/models/funnel/v3",
                "drift.psi.warning",
                "0.05",
                "drift.psi.critical",
                "0.2"));
        assertThat(c.modelCards()).containsExactly(Path.of("/models"), Path.of("/more/models/funnel/v3"));
        assertThat(c.driftThresholds().warning()).isEqualTo(0.05);
        assertThat(c.driftThresholds().critical()).isEqualTo(0.2);
        assertThat(MonitoringConfig.fromMap(c.asMap())).as("asMap round-trips").isEqualTo(c);
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("drift.psi.critical", "0.05")))
                .hasMessageContaining("drift.psi.critical");
        assertThatThrownBy(() -> MonitoringConfig.fromMap(Map.of("drift.psi.warning", "lots")))
                .hasMessageContaining("drift.psi.warning");
    }

    @Test
    void describeMasksSecrets() {
        MonitoringConfig c = MonitoringConfig.fromMap(Map.of(
                "schema.registry.url", "https://bob:hunter2@registry:8081",
                "streams.sasl.jaas.config", "PlainLoginModule required password=\"pw\";"));
        assertThat(c.describe())
                .doesNotContain("hunter2", "pw\"")
                .contains("schema.registry.url = https://****@registry:8081")
                .contains("funnel.horizon = 1d");
    }

    @Test
    void helpListsEverySettingWithItsVariable() {
        String usage = MonitoringApp.usage();
        assertThat(usage)
                .startsWith("Usage: MonitoringApp [config.properties]")
                .contains("funnel.horizon (TANDEM_FUNNEL_HORIZON)");
        assertThat(usage.lines().filter(l -> l.contains("(TANDEM_"))).hasSize(MonitoringConfig.DEFAULTS.size());
    }

    @Test
    void httpSecurityIsOffByDefaultAndComesFromTheEnvironmentMasked() {
        assertThat(MonitoringConfig.defaults().httpSecurity()).isEqualTo(HttpSecurity.NONE);
        MonitoringConfig c = MonitoringConfig.load(
                null,
                Map.of(
                        "TANDEM_HTTP_TLS_KEYSTORE_PATH", "/etc/tandem/tls/monitoring.p12",
                        "TANDEM_HTTP_TLS_KEYSTORE_PASSWORD", "ks-s3cret",
                        "TANDEM_HTTP_AUTH_TOKEN_FILE", "/var/run/secrets/tandem/token"));
        assertThat(c.httpSecurity().tls()).isTrue();
        assertThat(c.httpSecurity().tokenFile()).isEqualTo(Path.of("/var/run/secrets/tandem/token"));
        assertThat(c.describe())
                .doesNotContain("s3cret")
                .contains(
                        "http.tls.keystore.path = /etc/tandem/tls/monitoring.p12",
                        "http.tls.keystore.password = ****",
                        "http.auth.token.file = /var/run/secrets/tandem/token");
        assertThat(MonitoringConfig.fromMap(Map.of(MonitoringConfig.HTTP_AUTH_TOKEN, "tok-s3cret"))
                        .describe())
                .doesNotContain("tok-s3cret")
                .contains("http.auth.token = ****");
    }
}
