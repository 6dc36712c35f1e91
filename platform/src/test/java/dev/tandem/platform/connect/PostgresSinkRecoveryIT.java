package dev.tandem.platform.connect;

import dev.tandem.connect.jdbc.JdbcRecommendationStore;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.PrivatePostgres;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SinkRecoveryScenario} with the JDBC sink on a private PostgreSQL cluster (never the machine's shared one),
 * crashed with {@code pg_ctl stop -m immediate} (every server process ends at once, no shutdown checkpoint) and started
 * again, so it recovers from its WAL: every transaction the sink committed is kept, the one it had open is gone.
 */
@Timeout(240)
class PostgresSinkRecoveryIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension()
            .withoutPlatformTopics()
            .withTopics(new TopicSpec(
                    TandemTopics.PREDICTIONS, SinkRecoveryScenario.PARTITIONS, Map.of("cleanup.policy", "delete")));

    /** The workers' logs stay here after the run (overwritten by the next). */
    static final Path LOGS = Path.of("target", "PostgresSinkRecoveryIT");

    @TempDir
    Path dir;

    @Test
    void everyUserEndsWithItsNewestCommittedPredictionThroughAWorkerKillAndAPostgresCrash() throws Exception {
        String schema = "serving_it_" + UUID.randomUUID().toString().substring(0, 8);
        try (PrivatePostgres pg = PrivatePostgres.startOrSkip()) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "postgres", "");
                    Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
            }
            SinkRecoveryScenario.run(
                    CLUSTER,
                    new SinkRecoveryScenario.Store() {
                        @Override
                        public String name() {
                            return "postgresql";
                        }

                        @Override
                        public int port() {
                            return pg.port();
                        }

                        @Override
                        public Map<String, String> connectorConfig(int port) {
                            return Map.of(
                                    "connector.class",
                                    "dev.tandem.connect.jdbc.JdbcSinkConnector",
                                    "connection.url",
                                    "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                                    "connection.user",
                                    "postgres",
                                    "table.schema",
                                    schema);
                        }

                        @Override
                        public RecommendationStore reader() {
                            return JdbcRecommendationStore.open(Map.of(
                                    "connection.url",
                                    pg.jdbcUrl(),
                                    "connection.user",
                                    "postgres",
                                    "table.schema",
                                    schema));
                        }

                        @Override
                        public void crash() {
                            pg.crash();
                        }

                        @Override
                        public void restart() {
                            pg.start();
                        }
                    },
                    dir,
                    LOGS);
        }
    }
}
