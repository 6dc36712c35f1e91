package dev.tandem.connect.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

class RedisSinkConfigTest {
    private static Map<String, String> props(String... kv) {
        Map<String, String> p = new HashMap<>();
        p.put("name", "recs");
        p.put("topics", "predictions");
        p.put(RedisSinkConfig.URI, "redis://127.0.0.1:6379/0");
        for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
        return p;
    }

    private static List<String> errors(Map<String, String> props, String key) {
        Config result = new RedisSinkConnector().validate(props);
        return result.configValues().stream()
                .filter(v -> v.name().equals(key))
                .findFirst()
                .map(ConfigValue::errorMessages)
                .orElseThrow();
    }

    @Test
    void defaults() {
        RedisSinkConfig c = new RedisSinkConfig(props());
        assertThat(c.keyPrefix()).isEqualTo("tandem:");
        assertThat(c.ttlSeconds()).isZero();
        assertThat(c.itemScores()).isFalse();
        assertThat(c.objective().toString()).isEqualTo("probability:PURCHASE");
        assertThat(c.connectorName()).isEqualTo("recs");
        assertThat(c.taskId()).isZero();
        RedisURI uri = c.redisUri();
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        assertThat(uri.getTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void validateNamesABadUriWithoutShowingItsPassword() {
        for (String bad : List.of(
                "garbage",
                "http://127.0.0.1:6379",
                "redis://127.0.0.1:notaport",
                "redis://:s3cret@127.0.0.1:6379/notadb",
                " ")) {
            List<String> errors = errors(props(RedisSinkConfig.URI, bad), RedisSinkConfig.URI);
            assertThat(errors).as(bad).isNotEmpty();
            assertThat(String.join(" ", errors)).doesNotContain("s3cret");
        }
        Map<String, String> missing = props();
        missing.remove(RedisSinkConfig.URI);
        assertThat(errors(missing, RedisSinkConfig.URI)).isNotEmpty();
        for (String good : List.of(
                "redis://127.0.0.1:6379/0",
                "rediss://user:pw@cache.example:6380/2",
                "redis://[::1]:6379",
                "redis-sentinel://s1:26379,s2:26379/0#mymaster")) {
            assertThat(errors(props(RedisSinkConfig.URI, good), RedisSinkConfig.URI))
                    .as(good)
                    .isEmpty();
        }
    }

    @Test
    void validateNamesOtherBadValues() {
        assertThat(errors(props(RedisSinkConfig.TTL_SECONDS, "-1"), RedisSinkConfig.TTL_SECONDS))
                .isNotEmpty();
        assertThat(errors(props(RedisSinkConfig.OBJECTIVE, "revenue:PURCHASE"), RedisSinkConfig.OBJECTIVE))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("revenue:PURCHASE");
        assertThat(errors(props(RedisSinkConfig.ITEM_SCORES, "maybe"), RedisSinkConfig.ITEM_SCORES))
                .isNotEmpty();
        assertThat(errors(props(RedisSinkConfig.COMMAND_TIMEOUT_MS, "0"), RedisSinkConfig.COMMAND_TIMEOUT_MS))
                .isNotEmpty();
        assertThatThrownBy(() -> new RedisSinkConnector().start(props(RedisSinkConfig.URI, "nope")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RedisSinkConfig.URI);
    }

    @Test
    void aSeparatePasswordReplacesTheOneInTheUriAndKeepsItsUser() {
        RedisURI uri = new RedisSinkConfig(
                        props(RedisSinkConfig.URI, "redis://app:old@h:1/0", RedisSinkConfig.PASSWORD, "new"))
                .redisUri();
        RedisCredentials c = uri.getCredentialsProvider().resolveCredentials().block();
        assertThat(c.getUsername()).isEqualTo("app");
        assertThat(new String(c.getPassword())).isEqualTo("new");
        assertThat(uri.toString()).doesNotContain("new").doesNotContain("old");
    }

    @Test
    void everyTaskGetsTheSameConfigAndItsOwnId() {
        RedisSinkConnector connector = new RedisSinkConnector();
        connector.start(props(RedisSinkConfig.TTL_SECONDS, "60"));
        List<Map<String, String>> tasks = connector.taskConfigs(3);
        assertThat(tasks).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Map<String, String> t = new HashMap<>(tasks.get(i));
            assertThat(t.remove(RedisSinkConfig.TASK_ID)).isEqualTo(Integer.toString(i));
            assertThat(t).isEqualTo(props(RedisSinkConfig.TTL_SECONDS, "60"));
            assertThat(new RedisSinkConfig(tasks.get(i)).taskId()).isEqualTo(i);
        }
        assertThat(connector.taskClass()).isEqualTo(RedisSinkTask.class);
    }

    @Test
    void versionIsTheProjectVersionAndServiceLoadingFindsTheConnector() {
        assertThat(new RedisSinkConnector().version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(new RedisSinkTask().version()).isEqualTo(new RedisSinkConnector().version());
        assertThat(ServiceLoader.load(SinkConnector.class).stream().map(ServiceLoader.Provider::type))
                .contains(RedisSinkConnector.class);
    }

    @Test
    void passwordsAreMaskedInMessages() {
        assertThat(RedisSinkConfig.masked("redis://user:pw@h:1/0")).isEqualTo("redis://user:*****@h:1/0");
        assertThat(RedisSinkConfig.masked("redis://:pw@h")).isEqualTo("redis://:*****@h");
        assertThat(RedisSinkConfig.masked("redis://h:1")).isEqualTo("redis://h:1");
    }
}
