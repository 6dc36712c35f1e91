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

    /** Gauge (batcher, String): the active model, {@code name/version}. */
    public static final String ACTIVE_MODEL_VERSION = "activeModelVersion";
    /** Counter (batcher): ACTIVATE and ROLLBACK switches. */
    public static final String MODEL_SWAPS = "modelSwaps";
    /** Counter (batcher): refused models and inapplicable model commands (the current model kept serving). */
    public static final String MODEL_REFUSALS = "modelRefusals";
    /** Histogram (batcher): milliseconds to load a model (off the task thread). */
    public static final String MODEL_LOAD_MILLIS = "modelLoadMillis";
    /** Histogram (batcher): milliseconds to warm a loaded model up on every bucket (off the task thread). */
    public static final String MODEL_WARM_UP_MILLIS = "modelWarmUpMillis";
    /** Counter (batcher): candidates scored by the shadow model. */
    public static final String SHADOW_PREDICTIONS = "shadowPredictions";
    /** Counter (features and items): records whose value is not readable Avro (dead letters, or skipped by the typed sources). */
    public static final String UNDECODABLE_RECORDS = "undecodableRecords";

    private ScoringMetrics() {
    }
}
