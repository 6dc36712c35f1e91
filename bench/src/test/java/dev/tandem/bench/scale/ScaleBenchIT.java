package dev.tandem.bench.scale;

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
 * {@code tandem bench scale} end to end at two tiny sizes on an in-process broker: every per-size key the issue names,
 * positive, and the comparison keys consistent with them. The run itself fails on a lost or duplicated output of the
 * features app or prediction of the scoring job. No timed assertion.
 */
class ScaleBenchIT {
    static final String[] PER_SIZE = {
        "events_per_sec_",
        "predictions_per_sec_",
        "store_bytes_per_user_",
        "store_compacted_bytes_per_user_",
        "store_live_bytes_per_user_",
        "changelog_bytes_per_user_",
        "checkpoint_bytes_",
        "checkpoint_state_bytes_",
        "flink_state_bytes_per_user_",
        "checkpoint_p99_ms_",
        "p99_latency_ms_",
        "restore_s_",
        "restored_records_",
        "standby_catch_up_s_",
        "restore_standby_s_",
        "scoring_load_s_",
        "scoring_restore_s_"
    };

    @TempDir
    Path dir;

    @Test
    @Timeout(300)
    void writesEveryKeyPerSize() throws Exception {
        Path json = dir.resolve("scale.json");

        BenchRun r = BenchRun.run(
                "scale",
                "--json",
                json.toString(),
                "--broker",
                "in_process",
                "--partitions",
                "2",
                "--quick",
                "--warmup-events",
                "0",
                "--sizes",
                "40,160",
                "--events",
                "800",
                "--requests",
                "60",
                "--candidates",
                "5",
                "--latency-seconds",
                "0.5");

        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        assertThat(r.out()).contains("restore from the changelog", "standby:", "summary:", "wrote");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("scenario").asText()).isEqualTo("scale");
        JsonNode m = root.path("metrics");
        for (int n : new int[] {40, 160}) {
            for (String key : PER_SIZE) {
                assertThat(m.has(key + n)).as(key + n + " in " + m).isTrue();
                assertThat(m.path(key + n).asDouble()).as(key + n).isPositive();
            }
            // an entry is at least a user id ("s" and digits) and a sequence of 800 / n events
            assertThat(m.path("store_live_bytes_per_user_" + n).asLong())
                    .as("live bytes per user at " + n)
                    .isGreaterThan(10)
                    .isLessThanOrEqualTo(
                            m.path("store_compacted_bytes_per_user_" + n).asLong());
        }
        assertThat(m.path("events_per_sec_ratio_160_to_40").asDouble())
                .isCloseTo(
                        m.path("events_per_sec_160").asDouble()
                                / m.path("events_per_sec_40").asDouble(),
                        Percentage.withPercentage(1));
        assertThat(m.path("p99_latency_ratio_160_to_40").asDouble())
                .isCloseTo(
                        m.path("p99_latency_ms_160").asDouble()
                                / m.path("p99_latency_ms_40").asDouble(),
                        Percentage.withPercentage(1));
        assertThat(m.path("catch_up_checkpoint_interval_ms").asLong())
                .as("while the job reads the features: by default the normal interval")
                .isEqualTo(m.path("latency_checkpoint_interval_ms").asLong());
        assertThat(m.path("events").asLong()).isEqualTo(800);
        assertThat(m.path("state_backend").asText()).isEqualTo("rocksdb");
    }

    @Test
    void refusesFewerEventsThanUsers() throws Exception {
        BenchRun r =
                BenchRun.run("scale", "--json", dir.resolve("s.json").toString(), "--sizes", "1000", "--events", "999");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err())
                .contains("--events must be at least the largest size (1000)")
                .doesNotContain("Exception");
    }
}
