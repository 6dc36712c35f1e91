package dev.tandem.platform.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TandemClusterExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tandem monitor}'s check of the cluster before the app starts: the shadow predictions topic is one of the
 * inputs (missing: one line that says how to turn it off; other partitions than events: refused), unless
 * {@code topic.predictions.shadow} is empty.
 */
@Timeout(60)
class MonitorTopicsCheckIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutRegistry()
            .withoutPlatformTopics()
            .withTopics(
                    new TopicSpec("events", 2, Map.of()),
                    new TopicSpec("predictions", 2, Map.of()),
                    new TopicSpec("prediction-outcomes", 2, Map.of()),
                    new TopicSpec("model-metrics", 1, Map.of()),
                    new TopicSpec("shadow-other-partitions", 3, Map.of()),
                    new TopicSpec("shadow-same-partitions", 2, Map.of()));

    private static MonitoringConfig config(String shadow) {
        return MonitoringConfig.fromMap(Map.of(
                MonitoringConfig.BOOTSTRAP_SERVERS,
                CLUSTER.bootstrapServers(),
                MonitoringConfig.TOPIC_PREDICTIONS_SHADOW,
                shadow));
    }

    private static void check(MonitoringConfig c) {
        MonitorCommand.requireTopics(c, new KafkaEndpoints(CLUSTER.bootstrapServers(), "http://unused:8081"));
    }

    @Test
    void theShadowTopicIsCheckedWhenReadAndNotWhenOff() {
        assertThatThrownBy(() -> check(config("predictions-shadow")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("missing topics on")
                .hasMessageContaining("predictions-shadow")
                .hasMessageContaining("topic.predictions.shadow empty")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> check(config("shadow-other-partitions")))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("'events' has 2 partitions and 'shadow-other-partitions' 3")
                .hasMessageNotContaining("\n");
        assertThatCode(() -> check(config("shadow-same-partitions"))).doesNotThrowAnyException();
        assertThatCode(() -> check(config(""))).doesNotThrowAnyException();
    }
}
