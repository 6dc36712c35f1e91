package dev.tandem.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
    private static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("bootstrap.servers", "127.0.0.1:9092");
        d.put("max.batch.rows", "2048");
        d.put("max-wait", "5ms");
        d.put("user.ttl", "30d");
        d.put("gpu.memory.growth", "true");
        d.put("basic.auth.user.info", "");
        return d;
    }

    @Test
    void fileOverridesDefaultsAndEnvironmentOverridesFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "max.batch.rows = 512\nuser.ttl=7d\nstreams.num.standby.replicas=1\n");
        Settings s = Settings.load(
                DEFAULTS,
                Set.of("streams."),
                file,
                Map.of(
                        "TANDEM_MAX_BATCH_ROWS",
                        "64",
                        "TANDEM_MAX_WAIT",
                        "20ms",
                        "TANDEM_STREAMS_COMMIT_INTERVAL_MS",
                        "7",
                        "TANDEM_UNRELATED_THING",
                        "x",
                        "HOME",
                        "/root"));
        assertThat(s.integer("max.batch.rows")).isEqualTo(64);
        assertThat(s.duration("max-wait")).isEqualTo(Duration.ofMillis(20));
        assertThat(s.duration("user.ttl")).isEqualTo(Duration.ofDays(7));
        assertThat(s.withPrefix("streams."))
                .containsExactlyEntriesOf(
                        new java.util.TreeMap<>(Map.of("commit.interval.ms", "7", "num.standby.replicas", "1")));
        assertThat(s.asMap()).doesNotContainKey("unrelated.thing");
    }

    @Test
    void unknownFileKeyIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "max.bacth.rows=1\n");
        assertThatThrownBy(() -> Settings.load(DEFAULTS, Set.of(), file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("max.bacth.rows")
                .hasMessageContaining("unknown key");
    }

    @Test
    void typedErrorsNameTheKeyAndTheValue() {
        Settings s = Settings.of(
                DEFAULTS, Set.of(), Map.of("max.batch.rows", "lots", "max-wait", "soon", "gpu.memory.growth", "yes"));
        assertThatThrownBy(() -> s.integer("max.batch.rows"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("max.batch.rows");
                    assertThat(e.value()).isEqualTo("lots");
                })
                .hasMessageContaining("must be an integer");
        assertThatThrownBy(() -> s.duration("max-wait")).hasMessageContaining("max-wait = 'soon'");
        assertThatThrownBy(() -> s.bool("gpu.memory.growth")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> Settings.of(DEFAULTS, Set.of(), Map.of("nope", "1")))
                .hasMessageContaining("nope");
    }

    @Test
    void rangesListsAndChoices() {
        Settings s = Settings.of(
                Map.of("port", "70000", "stages", " CART, ,PURCHASE ", "clock", "WALL_CLOCK"), Set.of(), Map.of());
        assertThatThrownBy(() -> s.integer("port", 0, 65_535)).hasMessageContaining("[0, 65535]");
        assertThat(s.list("stages")).containsExactly("CART", "PURCHASE");
        assertThat(s.choice("clock", List.of("event-time", "wall-clock"))).isEqualTo("wall-clock");
        assertThatThrownBy(() -> s.choice("clock", List.of("event-time"))).hasMessageContaining("one of");
    }

    @Test
    void describeMasksSecretsAndUrlCredentials() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("basic.auth.user.info", "alice:s3cret");
        m.put("schema.registry.url", "https://alice:s3cret@registry:8081");
        m.put("streams.sasl.jaas.config", "org.apache... password=\"x\"");
        m.put("max.batch.rows", "64");
        String d = Settings.describe("tandem test configuration:", m);
        assertThat(d)
                .doesNotContain("s3cret")
                .doesNotContain("password=")
                .contains("max.batch.rows = 64")
                .contains("https://****@registry:8081");
    }

    @Test
    void secretsAreMaskedButTheFilesHoldingThemAreNot() {
        assertThat(Settings.mask("http.auth.token", "s3cret")).isEqualTo("****");
        assertThat(Settings.mask("http.tls.keystore.password", "s3cret")).isEqualTo("****");
        assertThat(Settings.mask("http.auth.token", "")).isEmpty();
        assertThat(Settings.mask("http.auth.token.file", "/var/run/secrets/tandem/token"))
                .isEqualTo("/var/run/secrets/tandem/token");
        assertThat(Settings.mask("ssl.keystore.location", "/etc/tls/ks.p12")).isEqualTo("/etc/tls/ks.p12");
    }

    @Test
    void envNamesUseUnderscores() {
        assertThat(Settings.envName("scoring.max-wait")).isEqualTo("TANDEM_SCORING_MAX_WAIT");
    }

    @ParameterizedTest
    @CsvSource({
        "500ms,500",
        "30s,30000",
        "1.5s,1500",
        "2m,120000",
        "1h,3600000",
        "30d,2592000000",
        "PT45S,45000",
        "pt1m,60000"
    })
    void durations(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
        assertThat(Durations.parse(Durations.format(Duration.ofMillis(millis)))).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "soon", "10", "-5s", "PTxS", "5 weeks"})
    void notDurations(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("duration");
    }

    @Test
    void bareNumbersAreMillisecondsOnlyWhereAsked() {
        assertThat(Durations.parse("250", true)).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> Durations.parse("250")).isInstanceOf(IllegalArgumentException.class);
    }
}
