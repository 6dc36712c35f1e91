package dev.tandem.bench.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchRun;
import dev.tandem.testkit.UnreachableException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench serving --quick} end to end on an in-process broker, the machine's Redis and PostgreSQL: every
 * key there and sane (rates positive, ratios consistent with them, p50 ≤ p99, every freshness request measured), and
 * nothing of the run left in either store. No timed target is asserted; the runs themselves fail the command if a sink
 * loses a record or a request never becomes readable. Skipped where Redis or PostgreSQL does not answer.
 */
class ServingBenchIT {
    static final String REDIS = System.getenv().getOrDefault("TANDEM_TEST_REDIS_URI", "redis://127.0.0.1:6379/0");
    static final String POSTGRES =
            System.getenv().getOrDefault("TANDEM_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");

    static final String[] POSITIVE = {
        "redis_sink_records_per_sec",
        "raw_redis_records_per_sec",
        "redis_sink_ratio_to_raw",
        "jdbc_sink_records_per_sec",
        "raw_jdbc_records_per_sec",
        "jdbc_sink_ratio_to_raw",
        "freshness_p50_ms",
        "freshness_p99_ms",
        "freshness_p50_ms_at_least_once",
        "freshness_p99_ms_at_least_once",
        "freshness_p50_ms_exactly_once",
        "freshness_p99_ms_exactly_once",
        "bare_flink_exactly_once_p99_ms",
        "exactly_once_ratio_to_bare_flink_p99",
        "api_p99_ms",
        "raw_store_get_p99_ms",
        "api_ratio_to_raw_get_p99",
        "api_requests",
        "predictions",
        "requests_per_sec_offered"
    };

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void writesEveryMetricSaneAndLeavesNothingBehind() throws Exception {
        assumeStores();
        Path json = dir.resolve("serving.json");

        BenchRun r = BenchRun.run(
                "serving",
                "--json",
                json.toString(),
                "--quick",
                "--broker",
                "in_process",
                "--redis",
                REDIS,
                "--postgres",
                POSTGRES);

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        assertThat(r.out())
                .contains(
                        "redis sink:",
                        "jdbc sink:",
                        "api:",
                        "raw:",
                        "freshness alo:",
                        "freshness eos:",
                        "bare-flink-latency:",
                        "wrote");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("scenario").asText()).isEqualTo("serving");
        JsonNode m = root.path("metrics");
        for (String key : POSITIVE) {
            assertThat(m.has(key)).as(key + " in " + m).isTrue();
            assertThat(m.path(key).asDouble()).as(key).isPositive();
        }
        ratio(m, "redis_sink_ratio_to_raw", "redis_sink_records_per_sec", "raw_redis_records_per_sec");
        ratio(m, "jdbc_sink_ratio_to_raw", "jdbc_sink_records_per_sec", "raw_jdbc_records_per_sec");
        ratio(m, "api_ratio_to_raw_get_p99", "api_p99_ms", "raw_store_get_p99_ms");
        ratio(
                m,
                "exactly_once_ratio_to_bare_flink_p99",
                "freshness_p99_ms_exactly_once",
                "bare_flink_exactly_once_p99_ms");
        // the top-level freshness is at-least-once's
        assertThat(m.path("freshness_p99_ms")).isEqualTo(m.path("freshness_p99_ms_at_least_once"));
        assertThat(m.path("freshness_p50_ms")).isEqualTo(m.path("freshness_p50_ms_at_least_once"));
        for (String mode : new String[] {"at_least_once", "exactly_once"}) {
            assertThat(m.path("freshness_p50_ms_" + mode).asDouble())
                    .isLessThanOrEqualTo(m.path("freshness_p99_ms_" + mode).asDouble());
            // --quick: 500 requests/s for 2 s after the warm-up, every one of them read back from Redis
            assertThat(m.path("freshness_requests_measured_" + mode).asLong())
                    .as(mode)
                    .isEqualTo(1_000);
            assertThat(m.path("freshness_scored_to_readable_p50_ms_" + mode).asLong())
                    .isNotNegative()
                    .isLessThanOrEqualTo(m.path("freshness_scored_to_readable_p99_ms_" + mode)
                            .asLong());
            // the split at the topic: the topic probe sees a prediction no later than Redis has it (whole ms)
            assertThat(m.path("freshness_scored_to_topic_p50_ms_" + mode).asLong())
                    .as(mode)
                    .isNotNegative()
                    .isLessThanOrEqualTo(m.path("freshness_scored_to_readable_p99_ms_" + mode)
                            .asLong());
            assertThat(m.path("freshness_topic_to_readable_p50_ms_" + mode).asDouble())
                    .as(mode)
                    .isNotNegative()
                    .isLessThanOrEqualTo(
                            m.path("freshness_topic_to_readable_p99_ms_" + mode).asDouble());
            assertThat(m.path("freshness_cpu_cores_machine_" + mode).asDouble())
                    .as(mode)
                    .isPositive()
                    .isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
            // checkpoints are counted from the features' load on; at least once they come every 10 s, so a --quick
            // window may hold none, and then the keys are absent
            if (mode.equals("exactly_once") || m.has("freshness_checkpoints_completed_" + mode))
                assertThat(m.path("freshness_checkpoint_state_bytes_" + mode).asLong())
                        .as(mode)
                        .isPositive();
        }
        // exactly once checkpoints every 20 ms in --quick: many completed within the run, each with its duration
        assertThat(m.path("freshness_checkpoints_completed_exactly_once").asLong())
                .isGreaterThan(10);
        assertThat(m.path("freshness_checkpoint_p50_ms_exactly_once").asDouble())
                .isPositive()
                .isLessThanOrEqualTo(
                        m.path("freshness_checkpoint_p99_ms_exactly_once").asDouble());
        assertThat(m.path("bare_flink_checkpoints_completed").asLong()).isGreaterThan(10);
        assertThat(m.path("api_p50_ms").asDouble())
                .isLessThanOrEqualTo(m.path("api_p99_ms").asDouble());
        assertThat(m.path("raw_store_get_p50_ms").asDouble())
                .isLessThanOrEqualTo(m.path("raw_store_get_p99_ms").asDouble());
        // every API request found its user: the keys the Redis sink wrote are the ones served
        assertThat(m.path("api_failed_requests").asLong()).isZero();
        assertThat(m.path("raw_store_get_failed_requests").asLong()).isZero();
        java.util.regex.Matcher stores = java.util.regex.Pattern.compile(
                        "under (\\S+)\\*, PostgreSQL \\S+ schema (\\S+)")
                .matcher(r.out());
        assertThat(stores.find()).as(r.out()).isTrue();
        assertNothingLeft(stores.group(1), stores.group(2));
    }

    private static void ratio(JsonNode m, String ratio, String numerator, String denominator) {
        assertThat(m.path(ratio).asDouble())
                .as(ratio)
                .isCloseTo(
                        m.path(numerator).asDouble() / m.path(denominator).asDouble(),
                        org.assertj.core.data.Percentage.withPercentage(1));
    }

    private static void assumeStores() {
        try {
            ServingStores.requireRedis(REDIS);
            ServingStores.requirePostgres(POSTGRES, "postgres", null);
        } catch (UnreachableException e) {
            assumeTrue(false, e.getMessage());
        }
    }

    /** The run's keys and schema (as its first lines name them) are gone. */
    private static void assertNothingLeft(String keyPrefix, String schema) throws Exception {
        RedisClient client = RedisClient.create(REDIS);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().keys(keyPrefix + "*")).as(keyPrefix).isEmpty();
        } finally {
            client.shutdown();
        }
        try (Connection c = DriverManager.getConnection(POSTGRES, "postgres", null);
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as(schema).isZero();
            }
        }
    }
}
