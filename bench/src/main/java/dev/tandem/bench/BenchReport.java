package dev.tandem.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code {"scenario": name, "metrics": {...}}}, metrics in insertion order: the one JSON form of every scenario. Metrics
 * are numbers, except where a scenario reports per part (the scoring bench's {@code "models"}: name → metrics).
 */
public record BenchReport(String scenario, Map<String, ?> metrics) {
    public BenchReport {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<String, Object>(metrics));
    }

    public void write(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario);
        root.put("metrics", metrics);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }
}
