package dev.tandem.bench.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench scoring --quick} end to end on an in-process broker, two models in one run: every key there and
 * sane (positive, p50 ≤ p99, ratios consistent with the rates), a block per model, the top level equal to the first.
 * The second model's swap run must not replay the first's {@code model-control} commands. No timed target is asserted;
 * the runs themselves fail the command if a prediction is lost or duplicated, or if the swap never serves the new version.
 */
class ScoringBenchIT {
    static final String[] POSITIVE = {
        "raw_tf_predictions_per_sec",
        "predictions_per_sec",
        "per_record_predictions_per_sec",
        "per_request_predictions_per_sec",
        "no_model_predictions_per_sec",
        "ratio_to_raw_tf",
        "ratio_to_per_record",
        "ratio_to_per_request",
        "p50_latency_ms",
        "p99_latency_ms",
        "swap_p99_latency_ms",
        "swap_p50_latency_ms",
        "raw_tf_best_batch",
        "raw_tf_predictions_per_sec_b128",
        "raw_tf_predictions_per_sec_b256",
        "raw_tf_predictions_per_sec_b512",
        "raw_tf_predictions_per_sec_b1024",
        "raw_tf_predictions_per_sec_b2048",
        "raw_tf_predictions_per_sec_b4096",
        "requests_per_sec_offered",
        "latency_requests_measured",
        "candidates_per_request",
        "max_batch_rows",
        "parallelism"
    };

    @TempDir
    Path dir;

    @Test
    @Timeout(600)
    void writesEveryMetricSane() throws Exception {
        Path json = dir.resolve("scoring.json");

        BenchRun r = BenchRun.run(
                "scoring",
                "--json",
                json.toString(),
                "--quick",
                "--broker",
                "in_process",
                "--model",
                "mmoe-mean,shared_bottom-mean");

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        assertThat(r.out())
                .contains(
                        "raw TF:",
                        "batched:",
                        "per-record:",
                        "per-request:",
                        "no model:",
                        "latency:",
                        "swap:",
                        "bare flink:",
                        "bare-flink-latency:",
                        "where it goes",
                        "wrote");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("scenario").asText()).isEqualTo("scoring");
        JsonNode m = root.path("metrics");
        for (String key : POSITIVE) {
            assertThat(m.has(key)).as(key + " in " + m).isTrue();
            assertThat(m.path(key).asDouble()).as(key).isPositive();
        }
        assertThat(m.path("p50_latency_ms").asDouble())
                .isLessThanOrEqualTo(m.path("p99_latency_ms").asDouble());
        assertThat(m.path("swap_p50_latency_ms").asDouble())
                .isLessThanOrEqualTo(m.path("swap_p99_latency_ms").asDouble());
        // the Flink-only reference, once per bench, and where the latency goes
        assertThat(m.path("bare_flink_predictions_per_sec").asDouble()).isPositive();
        assertThat(m.path("bare_flink_p50_latency_ms").asDouble())
                .isPositive()
                .isLessThanOrEqualTo(m.path("bare_flink_p99_latency_ms").asDouble());
        for (String leg : new String[] {"send_to_join", "join_to_scored", "scored_to_visible"}) {
            assertThat(m.has(leg + "_p50_ms")).as(leg).isTrue();
            assertThat(m.path(leg + "_p50_ms").asLong())
                    .as(leg)
                    .isNotNegative()
                    .isLessThanOrEqualTo(m.path(leg + "_p99_ms").asLong());
        }
        // the legs are parts of the whole (each rounded down to a millisecond)
        assertThat(m.path("send_to_join_p50_ms").asLong()
                        + m.path("join_to_scored_p50_ms").asLong())
                .isLessThanOrEqualTo((long) m.path("max_latency_ms").asDouble());
        assertThat(m.path("ratio_to_raw_tf").asDouble())
                .isCloseTo(
                        m.path("predictions_per_sec").asDouble()
                                / m.path("raw_tf_predictions_per_sec").asDouble(),
                        org.assertj.core.data.Offset.offset(0.002));
        // the raw TF reference is its best batch size: the highest of the sizes swept
        assertThat(m.path("max_batch_rows").asInt()).isEqualTo(2048);
        long bestRate = 0;
        for (int b : new int[] {128, 256, 512, 1024, 2048, 4096})
            bestRate = Math.max(
                    bestRate, m.path("raw_tf_predictions_per_sec_b" + b).asLong());
        assertThat(m.path("raw_tf_predictions_per_sec").asLong())
                .isEqualTo(bestRate)
                .isEqualTo(m.path("raw_tf_predictions_per_sec_b"
                                + m.path("raw_tf_best_batch").asInt())
                        .asLong());
        assertThat(m.path("model").asText()).isEqualTo("mmoe-mean");
        assertThat(m.path("models").fieldNames()).toIterable().containsExactly("mmoe-mean", "shared_bottom-mean");
        JsonNode first = m.path("models").path("mmoe-mean");
        JsonNode second = m.path("models").path("shared_bottom-mean");
        for (String key : POSITIVE) {
            assertThat(first.path(key)).as(key).isEqualTo(m.path(key));
            assertThat(second.path(key).asDouble())
                    .as("shared_bottom-mean " + key)
                    .isPositive();
        }
        assertThat(second.path("p50_latency_ms").asDouble())
                .isLessThanOrEqualTo(second.path("p99_latency_ms").asDouble());
        assertThat(r.out()).contains("activate bench-mmoe-mean/", "activate bench-shared_bottom-mean/");
        String secondSwap = r.out()
                .lines()
                .filter(l -> l.contains("activate bench-shared_bottom-mean/"))
                .findFirst()
                .orElseThrow();
        assertThat(secondSwap)
                .as("the second swap run served only its own model's versions")
                .containsPattern("bench-shared_bottom-mean/[^=]*-v1=")
                .containsPattern("bench-shared_bottom-mean/[^=]*-v2=")
                .doesNotContain("bench-mmoe-mean");
    }
}
