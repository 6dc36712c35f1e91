package dev.tandem.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code {"scenario": name, "run": {...}, "metrics": {...}}}: the one JSON form of every scenario. {@code run} says what
 * the figures were measured on ({@link RunInfo}: commit, date, machine, load); metrics are in insertion order, numbers,
 * except where a scenario reports per part (the scoring bench's {@code "models"}: name → metrics).
 */
public record BenchReport(String scenario, RunInfo run, Map<String, ?> metrics) {
    private static final DateTimeFormatter DAY =
            DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    public BenchReport {
        metrics = Collections.unmodifiableMap(new LinkedHashMap<String, Object>(metrics));
    }

    public void write(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario);
        root.put("run", run.toJson());
        root.put("metrics", metrics);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), root);
    }

    /**
     * The name a kept run goes by: {@code <UTC date>-<scenario>-<short commit>.json}, with {@code -dirty} after the commit
     * when tracked files had changes (the figures are then of no commit exactly).
     */
    public String keptName() {
        return DAY.format(run.started()) + "-" + scenario + "-" + run.commit()
                + (Boolean.TRUE.equals(run.dirty()) ? "-dirty" : "") + ".json";
    }

    /** Writes the report into {@code dir} as {@link #keptName()}, or {@code …-2.json}, {@code -3} … if taken (never over a kept run). */
    public Path keep(Path dir) throws IOException {
        Files.createDirectories(dir);
        String name = keptName();
        String stem = name.substring(0, name.length() - ".json".length());
        Path file = dir.resolve(name);
        for (int n = 2; Files.exists(file); n++) file = dir.resolve(stem + "-" + n + ".json");
        write(file);
        return file;
    }

    /**
     * A ratio for a report: four significant digits, not a fixed number of decimals, so a small ratio (0.006) keeps its
     * precision; non-finite values as they are.
     */
    public static double ratio(double r) {
        return Double.isFinite(r)
                ? new java.math.BigDecimal(r)
                        .round(new java.math.MathContext(4))
                        .doubleValue()
                : r;
    }
}
