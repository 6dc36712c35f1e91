package dev.tandem.bench.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchRun;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem bench features} end to end with tiny settings: every key there and positive (no timed assertion). */
class FeaturesBenchIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(240)
    void writesEveryMetricPositive() throws Exception {
        Path json = dir.resolve("features.json");

        BenchRun r = BenchRun.run(
                "features",
                "--json",
                json.toString(),
                "--broker",
                "in_process",
                "--events",
                "3000",
                "--users",
                "100",
                "--commit-intervals",
                "50",
                "--latency-rate",
                "500",
                "--latency-seconds",
                "1",
                "--warmup-seconds",
                "0.5",
                "--api-rate",
                "200",
                "--api-seconds",
                "1",
                "--apply-seconds",
                "0.1",
                // the unreported warm-up run is the measured real run once more: it adds no key
                "--warmup-runs",
                "0");

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("scenario").asText()).isEqualTo("features");
        assertThat(root.path("run").path("machine").path("cores").asInt()).isPositive();
        JsonNode m = root.path("metrics");
        long defaultCommit = m.path("default_commit_interval_ms").asLong();
        for (String key : new String[] {
            "apply_ops_per_sec",
            "events_per_sec",
            "baseline_events_per_sec",
            "ratio_to_baseline",
            "raw_ring_reference_events_per_sec",
            "ratio_to_raw_ring_reference",
            "upper_bound_events_per_sec",
            "ratio_to_upper_bound",
            "upper_bound_output_bytes",
            "user_path_events_per_sec",
            "user_path_ratio_to_raw_ring_reference",
            "user_path_ratio_to_upper_bound",
            "p50_latency_ms",
            "p99_latency_ms",
            "features_api_p99_ms",
            "default_commit_interval_ms",
            "events_per_sec_commit_50",
            "p99_latency_ms_commit_50",
            "events_per_sec_commit_" + defaultCommit,
            "p99_latency_ms_commit_" + defaultCommit
        }) {
            assertThat(m.has(key)).as(key + " in " + m).isTrue();
            assertThat(m.path(key).asDouble()).as(key).isPositive();
        }
        assertThat(m.has("ceiling_events_per_sec"))
                .as("renamed: raw_ring_reference_events_per_sec")
                .isFalse();
        assertThat(m.path("ratio_to_upper_bound").asDouble())
                .isCloseTo(
                        m.path("events_per_sec").asDouble()
                                / m.path("upper_bound_events_per_sec").asDouble(),
                        org.assertj.core.data.Offset.offset(0.002));
        assertThat(m.has("sender_lag_p99_ms")).isTrue();
        assertThat(m.path("features_api_failed_requests").asLong()).isZero();
        assertThat(r.out())
                .contains("real topology", "naive baseline", "raw ring reference", "upper bound", "latency", "API");
        // the load generator child JVM is gone
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(ProcessHandle.current()
                                .descendants()
                                .filter(p -> p.info().commandLine().orElse("").contains("ApiLoadGenerator")))
                        .isEmpty());
    }
}
