package dev.tandem.bench.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.BenchRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem bench model} with tiny settings: every key there and positive (no timed assertion). */
class ModelBenchIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void writesEveryMetricPositive() throws Exception {
        Path json = dir.resolve("model.json");

        BenchRun r = BenchRun.run(
                "model", "--json", json.toString(), "--events", "3000", "--epochs", "1", "--seconds", "0.3");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("scoring batch 2048", "encoding:", "wrote");
        JsonNode m = new ObjectMapper().readTree(json.toFile());
        assertThat(m.path("scenario").asText()).isEqualTo("model");
        // what it ran on (BenchReport writes it for every scenario)
        assertThat(m.path("run").path("commit").asText()).isNotBlank();
        assertThat(m.path("run").path("machine").path("cores").asInt()).isPositive();
        assertThat(m.path("run").has("load_average_end")).isTrue();
        for (String key : new String[] {
            "train_examples_per_sec",
            "predictions_per_sec_b1",
            "predictions_per_sec_b32",
            "predictions_per_sec_b256",
            "predictions_per_sec_b2048",
            "encode_ns_per_candidate"
        }) {
            assertThat(m.path("metrics").path(key).asDouble()).as(key).isPositive();
        }
    }
}
