package dev.tandem.platform.connect;

import dev.tandem.connect.redis.RedisRecommendationStore;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.PrivateRedisServer;
import dev.tandem.testkit.PrivateRedisServer.Persistence;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SinkRecoveryScenario} with the Redis sink, on a private redis-server with the append-only file fsynced on
 * every write ({@code appendfsync always}), crashed by SIGKILL and restarted from that file. That setting is the one
 * under which Redis keeps every write it acknowledged, which is what the sink's committed offsets rely on: without
 * persistence a restart would empty the store while Connect's offsets still say it was written (connectors/README.md,
 * "Guarantees").
 */
@Timeout(240)
class RedisSinkRecoveryIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutPlatformTopics()
            .withTopics(new TopicSpec(
                    TandemTopics.PREDICTIONS, SinkRecoveryScenario.PARTITIONS, Map.of("cleanup.policy", "delete")));

    /** The workers' logs stay here after the run (overwritten by the next). */
    static final Path LOGS = Path.of("target", "RedisSinkRecoveryIT");

    @TempDir
    Path dir;

    @Test
    void everyUserEndsWithItsNewestCommittedPredictionThroughAWorkerKillAndARedisCrash() throws Exception {
        Path data = Files.createDirectories(dir.resolve("redis"));
        String prefix = "serving-it-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        try (PrivateRedisServer redis = PrivateRedisServer.startOrSkip(data, Persistence.AOF_FSYNC_ALWAYS)) {
            SinkRecoveryScenario.run(
                    CLUSTER,
                    new SinkRecoveryScenario.Store() {
                        @Override
                        public String name() {
                            return "redis";
                        }

                        @Override
                        public int port() {
                            return redis.port();
                        }

                        @Override
                        public Map<String, String> connectorConfig(int port) {
                            return Map.of(
                                    "connector.class",
                                    "dev.tandem.connect.redis.RedisSinkConnector",
                                    "redis.uri",
                                    "redis://127.0.0.1:" + port + "/0",
                                    "redis.key.prefix",
                                    prefix,
                                    "redis.command.timeout.ms",
                                    "5000");
                        }

                        @Override
                        public RecommendationStore reader() {
                            return RedisRecommendationStore.of(redis.uri(), prefix, Duration.ofSeconds(5));
                        }

                        @Override
                        public void crash() {
                            redis.kill();
                        }

                        @Override
                        public void restart() {
                            redis.start();
                        }
                    },
                    dir,
                    LOGS);
        }
    }
}
