package dev.tandem.connect.redis;

import static dev.tandem.connect.sink.PredictionStructFixture.prediction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.serving.Objective;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.sink.PredictionStructs;
import dev.tandem.testkit.LoopbackPorts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisRecommendationStoreTest {
    @Test
    void readsWhatTheSinkWrote() throws Exception {
        try (SharedRedis redis = SharedRedis.connectOrSkip();
                RedisRecommendationStore store =
                        RedisRecommendationStore.of(SharedRedis.URI, redis.prefix, Duration.ofSeconds(5))) {
            RedisSinkTask task = new RedisSinkTask();
            task.initialize(new FakeSinkTaskContext(Map.of(), true));
            task.start(Map.of(
                    RedisSinkConfig.URI,
                    SharedRedis.URI,
                    RedisSinkConfig.KEY_PREFIX,
                    redis.prefix,
                    RedisSinkConfig.OBJECTIVE,
                    "expected-value:PURCHASE"));
            var p = prediction("r-1", "u-1", 1_000).featuresAsOf(900L).struct();
            try {
                task.put(List.of(new Records().prediction(0, p)));
            } finally {
                task.stop();
            }
            Recommendation expected =
                    PredictionStructs.toRecommendation(p, Objective.expectedValue("PURCHASE", 0), 100);

            assertThat(store.ready()).isTrue();
            assertThat(store.latest("u-1")).contains(expected);
            assertThat(store.latest("nobody")).isEmpty();
            assertThat(store.describe()).contains("127.0.0.1").contains(redis.prefix);
        }
    }

    @Test
    void notReadyAndFailingWhenNothingListens() {
        int port = LoopbackPorts.freePort();
        try (RedisRecommendationStore store =
                RedisRecommendationStore.of("redis://:secret@127.0.0.1:" + port, "tandem:", Duration.ofSeconds(2))) {
            assertThat(store.ready()).isFalse();
            assertThatThrownBy(() -> store.latest("u")).isInstanceOf(io.lettuce.core.RedisException.class);
            assertThat(store.describe()).doesNotContain("secret");
        }
    }
}
