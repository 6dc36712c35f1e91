package dev.tandem.testkit.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectorFileTest {
    @TempDir
    Path dir;

    @Test
    void jsonAsPostConnectorsTakesItWithNumbersAndBooleansAsStrings() throws Exception {
        Path f = Files.writeString(dir.resolve("redis.json"), """
                {"name": "redis-sink", "config": {"connector.class": "X", "tasks.max": 2, "errors.tolerance": "all",
                 "flag": true, "name": "redis-sink"}}
                """);
        ConnectorFile c = ConnectorFile.read(f);
        assertThat(c.name()).isEqualTo("redis-sink");
        assertThat(c.config())
                .isEqualTo(Map.of("connector.class", "X", "tasks.max", "2", "errors.tolerance", "all", "flag", "true"));
    }

    @Test
    void propertiesAsConnectStandaloneTakesThem() throws Exception {
        Path f = Files.writeString(dir.resolve("jdbc.properties"), """
                # a comment
                name = jdbc-sink
                connector.class=X
                topics=predictions
                """);
        ConnectorFile c = ConnectorFile.read(f);
        assertThat(c.name()).isEqualTo("jdbc-sink");
        assertThat(c.config()).isEqualTo(Map.of("connector.class", "X", "topics", "predictions"));
    }

    @Test
    void mistakesNameTheFile() throws Exception {
        Path nested = Files.writeString(dir.resolve("n.json"), """
                {"name": "a", "config": {"connector.class": "X", "nested": {"k": 1}}}""");
        assertThatThrownBy(() -> ConnectorFile.read(nested))
                .hasMessage(nested + ": config 'nested' must be a string, number or boolean");
        Path mismatch = Files.writeString(dir.resolve("m.json"), """
                {"name": "a", "config": {"connector.class": "X", "name": "b"}}""");
        assertThatThrownBy(() -> ConnectorFile.read(mismatch))
                .hasMessageContaining("differs from the connector's name");
        Path noClass = Files.writeString(dir.resolve("k.json"), """
                {"name": "a", "config": {}}""");
        assertThatThrownBy(() -> ConnectorFile.read(noClass)).hasMessage(noClass + ": no 'connector.class'");
        Path blank = Files.writeString(dir.resolve("b.json"), """
                {"name": " ", "config": {"connector.class": "X"}}""");
        assertThatThrownBy(() -> ConnectorFile.read(blank)).hasMessage(blank + ": 'name' is empty");
    }
}
