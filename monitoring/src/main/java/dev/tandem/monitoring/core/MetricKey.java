package dev.tandem.monitoring.core;

import java.util.Objects;

/**
 * What one set of figures is about: a model version, one of its stages, and a tumbling window of request times
 * (its start) or every outcome so far ({@link #TOTAL}). Its string form is the metrics store's key and the
 * {@code model-metrics} record key.
 */
public record MetricKey(String model, String version, String stage, long windowStartMs) {
    /** The window start of the running total. */
    public static final long TOTAL = Long.MIN_VALUE;
    /** The stage of a key about every stage of a model version at once (its drift counts). */
    public static final String ALL_STAGES = "";

    private static final char SEP = '/';
    private static final String TOTAL_NAME = "total";

    public MetricKey {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(stage, "stage");
    }

    public boolean isTotal() {
        return windowStartMs == TOTAL;
    }

    /** The window of {@code requestTimeMs} among tumbling windows of {@code windowMs} aligned on the epoch. */
    public static long windowStart(long requestTimeMs, long windowMs) {
        return Math.floorDiv(requestTimeMs, windowMs) * windowMs;
    }

    /**
     * {@code model/version/stage/total} or {@code …/<window start ms>}, each name percent-escaped ('%' and '/'), so
     * names may hold any character and the key still splits back.
     */
    public String encode() {
        return escape(model)
                + SEP
                + escape(version)
                + SEP
                + escape(stage)
                + SEP
                + (isTotal() ? TOTAL_NAME : Long.toString(windowStartMs));
    }

    public static MetricKey decode(String s) {
        String[] parts = s.split(String.valueOf(SEP), -1);
        if (parts.length != 4) throw new IllegalArgumentException("not a metric key: " + s);
        long start;
        try {
            start = parts[3].equals(TOTAL_NAME) ? TOTAL : Long.parseLong(parts[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a metric key: " + s, e);
        }
        return new MetricKey(unescape(parts[0]), unescape(parts[1]), unescape(parts[2]), start);
    }

    /** The same model version and window, another stage. */
    public MetricKey withStage(String otherStage) {
        return new MetricKey(model, version, otherStage, windowStartMs);
    }

    /** The key every outcome of a model version is routed by, so one task holds all of its figures. */
    public static String modelKey(String model, String version) {
        return escape(model) + SEP + escape(version);
    }

    private static String escape(String s) {
        return s.replace("%", "%25").replace("/", "%2F");
    }

    private static String unescape(String s) {
        return s.replace("%2F", "/").replace("%25", "%");
    }
}
