package dev.tandem.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir
    Path dir;

    private static RunInfo run(String commit, Boolean dirty) {
        return new RunInfo(
                commit,
                dirty,
                null,
                Instant.parse("2026-12-01T23:59:58Z"),
                Instant.parse("2026-12-02T00:04:01Z"),
                Map.of("cores", 2),
                Map.of("1m", 1.5),
                Map.of("1m", 2.5));
    }

    @Test
    void writesTheScenarioTheRunAndTheMetricsInInsertionOrderNestedPartsIncluded() throws Exception {
        Map<String, Number> first = new LinkedHashMap<>();
        first.put("z_rate", 3);
        first.put("a_ratio", 0.5);
        Map<String, Object> metrics = new LinkedHashMap<>(first);
        metrics.put("model", "m1");
        metrics.put("models", Map.of("m1", first));
        Path file = dir.resolve("r.json");

        new BenchReport("scoring", run("abc1234", false), metrics).write(file);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        assertThat(root.fieldNames()).toIterable().containsExactly("scenario", "run", "metrics");
        assertThat(root.path("scenario").asText()).isEqualTo("scoring");
        assertThat(root.path("metrics").fieldNames())
                .toIterable()
                .containsExactly("z_rate", "a_ratio", "model", "models");
        assertThat(root.path("metrics").path("a_ratio").asDouble()).isEqualTo(0.5);
        assertThat(root.path("metrics").path("models").path("m1").path("z_rate").asLong())
                .isEqualTo(3);
        JsonNode run = root.path("run");
        assertThat(run.fieldNames())
                .toIterable()
                .containsExactly(
                        "commit",
                        "dirty",
                        "started_utc",
                        "finished_utc",
                        "machine",
                        "load_average_start",
                        "load_average_end");
        assertThat(run.path("commit").asText()).isEqualTo("abc1234");
        assertThat(run.path("dirty").isBoolean()).isTrue();
        assertThat(run.path("started_utc").asText()).isEqualTo("2026-12-01T23:59:58Z");
        assertThat(run.path("load_average_end").path("1m").asDouble()).isEqualTo(2.5);
    }

    @Test
    void laterChangesToTheCallersMapDoNotReachTheReport() {
        Map<String, Number> metrics = new LinkedHashMap<>(Map.of("rate", 1));
        BenchReport report = new BenchReport("replay", run("abc1234", false), metrics);

        metrics.put("late", 2);

        assertThat(report.metrics()).containsOnlyKeys("rate");
    }

    @Test
    void aKeptRunIsNamedByItsUtcStartDateScenarioAndCommit() {
        assertThat(new BenchReport("features", run("abc1234", false), Map.of()).keptName())
                .isEqualTo("2026-12-01-features-abc1234.json");
        assertThat(new BenchReport("features", run("abc1234", true), Map.of()).keptName())
                .isEqualTo("2026-12-01-features-abc1234-dirty.json");
        assertThat(new BenchReport("model", run(RunInfo.UNKNOWN, null), Map.of()).keptName())
                .isEqualTo("2026-12-01-model-unknown.json");
    }

    @Test
    void keepingNeverOverwritesAnEarlierKeptRun() throws Exception {
        BenchReport first = new BenchReport("replay", run("abc1234", false), Map.of("events_per_sec", 1));
        BenchReport second = new BenchReport("replay", run("abc1234", false), Map.of("events_per_sec", 2));
        Path kept = dir.resolve("docs/bench");

        Path a = first.keep(kept);
        Path b = second.keep(kept);

        assertThat(a.getFileName().toString()).isEqualTo("2026-12-01-replay-abc1234.json");
        assertThat(b.getFileName().toString()).isEqualTo("2026-12-01-replay-abc1234-2.json");
        assertThat(new ObjectMapper()
                        .readTree(a.toFile())
                        .path("metrics")
                        .path("events_per_sec")
                        .asInt())
                .isEqualTo(1);
        assertThat(Files.list(kept)).hasSize(2);
    }
}
