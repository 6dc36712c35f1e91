package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void writesTheScenarioAndItsMetricsInInsertionOrderNestedPartsIncluded() throws Exception {
        Map<String, Number> first = new LinkedHashMap<>();
        first.put("z_rate", 3);
        first.put("a_ratio", 0.5);
        Map<String, Object> metrics = new LinkedHashMap<>(first);
        metrics.put("model", "m1");
        metrics.put("models", Map.of("m1", first));
        Path file = dir.resolve("r.json");

        new BenchReport("scoring", metrics).write(file);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertThat(root.fieldNames()).toIterable().containsExactly("scenario", "metrics");
        assertThat(root.path("scenario").asText()).isEqualTo("scoring");
        assertThat(root.path("metrics").fieldNames()).toIterable().containsExactly("z_rate", "a_ratio", "model", "models");
        assertThat(root.path("metrics").path("a_ratio").asDouble()).isEqualTo(0.5);
        assertThat(root.path("metrics").path("models").path("m1").path("z_rate").asLong()).isEqualTo(3);
    }

    @Test
    void laterChangesToTheCallersMapDoNotReachTheReport() {
        Map<String, Number> metrics = new LinkedHashMap<>(Map.of("rate", 1));
        BenchReport report = new BenchReport("replay", metrics);

        metrics.put("late", 2);

        assertThat(report.metrics()).containsOnlyKeys("rate");
    }
}
