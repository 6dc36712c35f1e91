package dev.tandem.connect.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.jdbc.TestStore.Backend;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a connector config may say, and how a bad one is refused before any task starts. */
class JdbcSinkConfigTest {
    static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";

    @TempDir
    Path tmp;

    private String url(Backend backend) {
        return backend == Backend.POSTGRESQL ? PG : "jdbc:sqlite:" + tmp.resolve("serving.db");
    }

    private static Map<String, String> props(String url, String... extra) {
        Map<String, String> p = new HashMap<>();
        p.put(JdbcSinkConfig.CONNECTION_URL, url);
        for (int i = 0; i < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
        return p;
    }

    private static List<String> errors(Config config, String key) {
        return config.configValues().stream()
                .filter(v -> v.name().equals(key))
                .findFirst()
                .map(ConfigValue::errorMessages)
                .orElseThrow();
    }

    private static long errorCount(Config config) {
        return config.configValues().stream()
                .mapToLong(v -> v.errorMessages().size())
                .sum();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "jdbc:mysql://db/serving?password=hunter2",
                "postgresql://127.0.0.1/test",
                "jdbc:sqlite::memory:",
                "jdbc:sqlite:",
                "jdbc:postgresql://127.0.0.1/test?reWriteBatchedInserts=true"
            })
    void aBadUrlFailsTheConnectorsCreationNamingTheKey(String url) {
        JdbcSinkConnector connector = new JdbcSinkConnector();
        assertThatThrownBy(() -> connector.start(props(url)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(JdbcSinkConfig.CONNECTION_URL)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
        Config validated = connector.validate(props(url, "tasks.max", "1"));
        assertThat(errors(validated, JdbcSinkConfig.CONNECTION_URL)).hasSize(1);
    }

    @Test
    void aMissingUrlIsNamed() {
        assertThatThrownBy(() -> new JdbcSinkConfig(Map.of())).hasMessageContaining(JdbcSinkConfig.CONNECTION_URL);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void tableNamesMustBePlainIdentifiers(Backend backend) {
        for (String bad : List.of("predictions-latest", "x; DROP TABLE y", "1st", "\"quoted\"")) {
            assertThatThrownBy(() -> new JdbcSinkConfig(props(url(backend), JdbcSinkConfig.TABLE_LATEST, bad)))
                    .as(bad)
                    .hasMessageContaining(JdbcSinkConfig.TABLE_LATEST);
            assertThatThrownBy(() -> new JdbcSinkConfig(props(url(backend), JdbcSinkConfig.TABLE_LOG, bad)))
                    .hasMessageContaining(JdbcSinkConfig.TABLE_LOG);
        }
        assertThatThrownBy(() -> new JdbcSinkConfig(props(url(backend), JdbcSinkConfig.TABLE_LATEST, "")))
                .hasMessageContaining(JdbcSinkConfig.TABLE_LATEST);
        assertThatThrownBy(
                        () -> new JdbcSinkConfig(props(url(backend), JdbcSinkConfig.TABLE_LOG, "predictions_latest")))
                .hasMessageContaining("same table");
        assertThatThrownBy(() -> new JdbcSinkConfig(props(url(backend), JdbcSinkConfig.BATCH_SIZE, "0")))
                .hasMessageContaining(JdbcSinkConfig.BATCH_SIZE);
        assertThatThrownBy(() -> new JdbcSinkConfig(props(url(backend), "objective", "revenue:PURCHASE")))
                .hasMessageContaining("objective");
    }

    @Test
    void aSchemaIsForPostgresOnly() {
        assertThat(new JdbcSinkConfig(props(PG, JdbcSinkConfig.TABLE_SCHEMA, "serving"))
                        .tables()
                        .latest())
                .isEqualTo("serving.predictions_latest");
        String sqlite = "jdbc:sqlite:" + tmp.resolve("s.db");
        assertThatThrownBy(() -> new JdbcSinkConfig(props(sqlite, JdbcSinkConfig.TABLE_SCHEMA, "serving")))
                .hasMessageContaining(JdbcSinkConfig.TABLE_SCHEMA);
        Config validated = new JdbcSinkConnector()
                .validate(props(sqlite, JdbcSinkConfig.TABLE_SCHEMA, "serving", "tasks.max", "1"));
        assertThat(errors(validated, JdbcSinkConfig.TABLE_SCHEMA))
                .singleElement()
                .asString()
                .contains("SQLite");
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sqliteRunsExactlyOneTaskAndValidateSaysWhy(Backend backend) {
        JdbcSinkConnector connector = new JdbcSinkConnector();
        Config validated = connector.validate(props(url(backend), "tasks.max", "3"));
        if (backend == Backend.SQLITE) {
            assertThat(errors(validated, JdbcSinkConfig.CONNECTION_URL))
                    .singleElement()
                    .asString()
                    .contains("one writer")
                    .contains("tasks.max=1");
        } else {
            assertThat(errorCount(validated)).isZero();
        }
        assertThat(errorCount(connector.validate(props(url(backend), "tasks.max", "1"))))
                .isZero();

        connector.start(props(url(backend)));
        List<Map<String, String>> configs = connector.taskConfigs(4);
        assertThat(configs).hasSize(backend == Backend.SQLITE ? 1 : 4);
        assertThat(configs).extracting(c -> c.get(JdbcSinkTask.TASK_INDEX)).doesNotHaveDuplicates();
        assertThat(configs).allSatisfy(c -> assertThat(c).containsEntry(JdbcSinkConfig.CONNECTION_URL, url(backend)));
    }

    @Test
    void thePasswordIsAPasswordAndDefaultsAreAsDocumented() {
        ConfigDef def = new JdbcSinkConnector().config();
        assertThat(def.configKeys().get(JdbcSinkConfig.CONNECTION_PASSWORD).type)
                .isEqualTo(ConfigDef.Type.PASSWORD);
        JdbcSinkConfig c = new JdbcSinkConfig(props(PG, JdbcSinkConfig.CONNECTION_PASSWORD, "s3cret"));
        assertThat(c.password()).isEqualTo("s3cret");
        assertThat(c.values().toString()).doesNotContain("s3cret");
        assertThat(c.tableLatest()).isEqualTo("predictions_latest");
        assertThat(c.tableLog()).isNull();
        assertThat(c.dialect()).isEqualTo(Dialect.POSTGRESQL);
        assertThat(JdbcConnections.redact(PG + "?user=a&password=s3cret&ssl=true"))
                .isEqualTo(PG + "?user=a&password=***&ssl=true");
        for (ConfigDef.ConfigKey key : def.configKeys().values()) {
            assertThat(key.documentation).as(key.name).isNotBlank();
        }
    }

    @Test
    void theConnectorIsRegisteredForServiceLoading() {
        assertThat(ServiceLoader.load(SinkConnector.class).stream().map(ServiceLoader.Provider::type))
                .contains(JdbcSinkConnector.class);
    }
}
