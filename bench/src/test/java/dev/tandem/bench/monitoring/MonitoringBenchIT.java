package dev.tandem.bench.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchRun;
import java.nio.file.Path;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench monitoring} end to end with tiny settings on an in-process broker: every key there and positive,
 * one outcome per candidate (the run itself fails on a missing or duplicated outcome, or when the app and the baseline
 * grade differently). No timed assertion.
 */
class MonitoringBenchIT {
    static final String[] POSITIVE = {
        "outcomes_per_sec",
        "baseline_outcomes_per_sec",
        "outcomes_ratio_to_baseline",
        "state_bytes_per_pending_candidate",
        "state_bytes",
        "state_users",
        "state_pending_predictions",
        "state_pending_candidates",
        "state_kept_conversions",
        "outcomes",
        "reached_share_cart",
        "reached_share_purchase",
        "outcome_bytes",
        "app_seconds",
        "baseline_seconds",
        "app_cpu_us_per_outcome",
        "baseline_cpu_us_per_outcome",
        "outcomes_cpu_ratio_to_baseline",
        "predictions",
        "candidates_per_prediction",
        "users",
        "events_per_user",
        "events",
        "partitions",
        "commit_interval_ms"
    };

    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void writesEveryMetricAndOneOutcomePerCandidate() throws Exception {
        Path json = dir.resolve("monitoring.json");

        BenchRun r = BenchRun.run(
                "monitoring",
                "--json",
                json.toString(),
                "--broker",
                "in_process",
                "--partitions",
                "2",
                "--predictions",
                "400",
                "--candidates",
                "5",
                "--users",
                "40",
                "--events-per-user",
                "30");

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("state (app over", "monitoring app:", "baseline:", "summary:", "wrote");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("scenario").asText()).isEqualTo("monitoring");
        JsonNode m = root.path("metrics");
        for (String key : POSITIVE) {
            assertThat(m.has(key)).as(key + " in " + m).isTrue();
            assertThat(m.path(key).asDouble()).as(key).isPositive();
        }
        assertThat(m.path("outcomes").asLong()).isEqualTo(400 * 5);
        assertThat(m.path("events").asLong()).isEqualTo(40 * 30);
        // every prediction's horizon passes on the clock: none is censored
        assertThat(m.path("censored_outcomes").asLong()).isZero();
        assertThat(m.path("exactly_once").asBoolean()).isTrue();
        assertThat(m.path("state_pending_candidates").asLong())
                .isEqualTo(m.path("state_pending_predictions").asLong() * 5);
        assertThat(m.path("outcomes_ratio_to_baseline").asDouble())
                .isCloseTo(
                        m.path("outcomes_per_sec").asDouble()
                                / m.path("baseline_outcomes_per_sec").asDouble(),
                        Percentage.withPercentage(1));
        assertThat(m.path("outcomes_cpu_ratio_to_baseline").asDouble())
                .isCloseTo(
                        m.path("baseline_cpu_us_per_outcome").asDouble()
                                / m.path("app_cpu_us_per_outcome").asDouble(),
                        Percentage.withPercentage(1));
        // the broker runs in this JVM here: no child process to count, yet the keys are there
        assertThat(m.has("app_broker_cpu_us_per_outcome")).isTrue();
        assertThat(m.has("baseline_broker_cpu_us_per_outcome")).isTrue();
        assertThat(m.path("state_bytes_per_pending_candidate").asDouble())
                .isCloseTo(
                        m.path("state_bytes").asDouble()
                                / m.path("state_pending_candidates").asDouble(),
                        Percentage.withPercentage(0.1));
    }
}
