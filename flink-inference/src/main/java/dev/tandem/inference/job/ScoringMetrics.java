package dev.tandem.inference.job;

/** Every metric name of the scoring job, in one place (registered on the operator's metric group). */
public final class ScoringMetrics {
    /** Histogram: rows (candidates) per model call. */
    public static final String BATCH_ROWS = "batchRows";
    /** Histogram: microseconds per model call (encode-to-output, one call per batch). */
    public static final String MODEL_MICROS = "modelMicros";
    /** Histogram: microseconds a request waited in the batcher before its batch was scored. */
    public static final String QUEUE_MICROS = "queueMicros";
    /** Meter: candidates scored per second. */
    public static final String PREDICTIONS_PER_SECOND = "predictionsPerSecond";
    /** Counter: candidates scored. */
    public static final String PREDICTIONS = "predictions";
    /** Counter: model calls. */
    public static final String BATCHES = "batches";
    /** Counter (join): requests scored with no features yet. */
    public static final String REQUESTS_WITHOUT_FEATURES = "requestsWithoutFeatures";

    /** Counter (request decoder, features and items decoders): records sent to {@code dead-letters}. */
    public static final String DEAD_LETTERS = "deadLetters";

    /** Counter (features and items): records whose value is not readable Avro (dead letters, or skipped by the typed sources). */
    public static final String UNDECODABLE_RECORDS = "undecodableRecords";

    private ScoringMetrics() {
    }
}
