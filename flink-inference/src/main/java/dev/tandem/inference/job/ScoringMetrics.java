package dev.tandem.inference.job;

import dev.tandem.inference.core.ModelLifecycle;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Every metric name of the scoring job, in one place (registered on each operator's metric group),
 * and, as an instance, the batcher's metrics: its batches and predictions, and what its
 * {@link ModelLifecycle} counts.
 */
public final class ScoringMetrics implements ModelLifecycle.Metrics {
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

    /** Counter (batcher): requests not scored because they were past {@code scoring.request.deadline} (dead letters). */
    public static final String REQUESTS_PAST_DEADLINE = "requestsPastDeadline";

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

    private final Histogram batchRows;
    private final Histogram modelMicros;
    private final Histogram queueMicros;
    private final Counter predictions;
    private final Meter predictionsPerSecond;
    private final Counter batches;
    private final Counter swaps;
    private final Counter refusals;
    private final Counter shadowPredictions;
    private final Counter pastDeadline;
    private final Histogram loadMillis;
    private final Histogram warmUpMillis;

    /** Registers the batcher's metrics on {@code g}; {@code activeModel} is read by the {@link #ACTIVE_MODEL_VERSION} gauge. */
    ScoringMetrics(MetricGroup g, Supplier<String> activeModel) {
        batchRows = g.histogram(BATCH_ROWS, new DescriptiveStatisticsHistogram(1024));
        modelMicros = g.histogram(MODEL_MICROS, new DescriptiveStatisticsHistogram(1024));
        queueMicros = g.histogram(QUEUE_MICROS, new DescriptiveStatisticsHistogram(1024));
        predictions = g.counter(PREDICTIONS);
        batches = g.counter(BATCHES);
        predictionsPerSecond = g.meter(PREDICTIONS_PER_SECOND, new MeterView(predictions));
        swaps = g.counter(MODEL_SWAPS);
        refusals = g.counter(MODEL_REFUSALS);
        shadowPredictions = g.counter(SHADOW_PREDICTIONS);
        pastDeadline = g.counter(REQUESTS_PAST_DEADLINE);
        loadMillis = g.histogram(MODEL_LOAD_MILLIS, new DescriptiveStatisticsHistogram(64));
        warmUpMillis = g.histogram(MODEL_WARM_UP_MILLIS, new DescriptiveStatisticsHistogram(64));
        g.gauge(ACTIVE_MODEL_VERSION, (Gauge<String>) activeModel::get);
    }

    /** One model call of {@code rows} candidates that took {@code micros}. */
    void batchScored(int rows, long micros) {
        batches.inc();
        batchRows.update(rows);
        modelMicros.update(micros);
        predictions.inc(rows);
    }

    /** How long one request waited in the batcher. */
    void queued(long micros) {
        queueMicros.update(micros);
    }

    /** One request dead-lettered instead of scored: past its deadline. */
    void pastDeadline() {
        pastDeadline.inc();
    }

    void shadowScored(int rows) {
        shadowPredictions.inc(rows);
    }

    /** Candidates per second over the meter's window. */
    double predictionsRate() {
        return predictionsPerSecond.getRate();
    }

    @Override
    public void modelSwapped() {
        swaps.inc();
    }

    @Override
    public void modelRefused() {
        refusals.inc();
    }

    @Override
    public void modelLoaded(long loadMs, long warmUpMs) {
        loadMillis.update(loadMs);
        warmUpMillis.update(warmUpMs);
    }
}
