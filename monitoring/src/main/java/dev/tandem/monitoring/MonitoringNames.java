package dev.tandem.monitoring;

import dev.tandem.schemas.topics.TandemTopics;

/** Every topic, store, processor and metric name of the monitoring app, in one place. */
public final class MonitoringNames {
    private MonitoringNames() {}

    // ---------------------------------------------------------------- topics (defaults of MonitoringTopics)
    public static final String EVENTS_TOPIC = TandemTopics.EVENTS;
    public static final String PREDICTIONS_TOPIC = TandemTopics.PREDICTIONS;
    public static final String PREDICTIONS_SHADOW_TOPIC = TandemTopics.PREDICTIONS_SHADOW;
    public static final String PREDICTION_OUTCOMES_TOPIC = TandemTopics.PREDICTION_OUTCOMES;
    public static final String MODEL_METRICS_TOPIC = TandemTopics.MODEL_METRICS;

    // ---------------------------------------------------------------- stores
    /** user id → {@code UserOutcomes} encoding: waiting predictions and recent conversions. */
    public static final String PENDING_STORE = "pending-outcomes";
    /** (8-byte sortable time, user id) → empty: when each user's next prediction is due or conversion expires. */
    public static final String TIMERS_STORE = "outcome-timers";
    /** {@link #CLOCK_KEY} → the task's event-time clock (highest event time seen), so a restart keeps it. */
    public static final String CLOCK_STORE = "outcome-clock";

    public static final String CLOCK_KEY = "clock";
    /** {@code MetricKey} string → {@code StageTally} encoding, per model version, stage and window (or total). */
    public static final String TALLIES_STORE = "metric-tallies";
    /**
     * {@code MetricKey} string (stage {@code ""}) → {@code DriftCounts} encoding: the predictions a task has read
     * since its last flush, per model version and window. Emptied every {@code metrics.interval}.
     */
    public static final String DRIFT_PARTIALS_STORE = "drift-partials";
    /** {@code MetricKey} string (stage {@code ""}) → {@code DriftCounts} encoding, per model version and window. */
    public static final String DRIFT_STORE = "drift-tallies";

    // ---------------------------------------------------------------- internal topics and processors
    /**
     * Graded predictions ({@code GradedBatch}) routed by model version:
     * {@code <application.id>-graded-by-model-repartition} (a new name for a new format: the former
     * {@code outcomes-by-model} carried one Avro outcome per candidate).
     */
    public static final String GRADED_BY_MODEL_REPARTITION = "graded-by-model";
    /** Drift partials routed by model version: {@code <application.id>-drift-by-model-repartition}. */
    public static final String DRIFT_BY_MODEL_REPARTITION = "drift-by-model";

    public static final String INPUT_SOURCE = "events-and-predictions-source";
    public static final String OUTCOME_PROCESSOR = "outcome-processor";
    /** The outcome processor's two children: it forwards each output to the one that takes its kind. */
    public static final String OUTCOME_RECORDS = "outcome-records";

    public static final String GRADED_BATCHES = "graded-batches";
    public static final String METRICS_PROCESSOR = "metrics-processor";
    public static final String DRIFT_PROCESSOR = "drift-processor";

    // ---------------------------------------------------------------- metrics (Micrometer names; Prometheus adds
    // _total etc.)
    /** Counter, tag {@link #TAG_FATE}: waiting, graded (at once), too-late, refused. */
    public static final String METRIC_PREDICTIONS = "tandem.monitoring.predictions";
    /** Counter, tag {@link #TAG_FATE}: conversion, other, late (kept, past the grace), expired (dropped), invalid. */
    public static final String METRIC_EVENTS = "tandem.monitoring.events";
    /** Counter, tag {@link #TAG_CENSORED}: candidate outcomes written. */
    public static final String METRIC_OUTCOMES = "tandem.monitoring.outcomes";
    /** Counter, tag {@link #TAG_TOPIC}: records that are not our Avro. */
    public static final String METRIC_UNDECODABLE = "tandem.monitoring.undecodable.records";
    /** Gauge: 1 when ready (RUNNING, nothing restoring). */
    public static final String METRIC_READY = "tandem.monitoring.ready";

    /** Gauges per {@link #TAG_MODEL}, {@link #TAG_VERSION}, {@link #TAG_STAGE}, {@link #TAG_WINDOW}: the figures. */
    public static final String METRIC_AUC = "tandem.monitoring.auc";

    public static final String METRIC_AUC_TIE_BOUND = "tandem.monitoring.auc.tie.bound";
    /** Hanley–McNeil's sampling error of the AUC. */
    public static final String METRIC_AUC_STANDARD_ERROR = "tandem.monitoring.auc.standard.error";
    /** The AUC the graded candidates' own probabilities imply: the estimate over exactly what the AUC grades. */
    public static final String METRIC_GRADED_EXPECTED_AUC = "tandem.monitoring.graded.expected.auc";

    public static final String METRIC_LOGLOSS = "tandem.monitoring.logloss";
    public static final String METRIC_ECE = "tandem.monitoring.ece";
    public static final String METRIC_POSITIVES = "tandem.monitoring.positives";
    public static final String METRIC_NEGATIVES = "tandem.monitoring.negatives";
    public static final String METRIC_CENSORED = "tandem.monitoring.censored";
    public static final String METRIC_BASE_RATE = "tandem.monitoring.base.rate";
    public static final String METRIC_MEAN_PREDICTION = "tandem.monitoring.mean.prediction";
    /** The reliability curve, per {@link #TAG_BIN} as well: the mean prediction, the observed rate and the count. */
    public static final String METRIC_RELIABILITY_PREDICTED = "tandem.monitoring.reliability.predicted";

    public static final String METRIC_RELIABILITY_OBSERVED = "tandem.monitoring.reliability.observed";
    public static final String METRIC_RELIABILITY_COUNT = "tandem.monitoring.reliability.count";

    /**
     * Drift gauges per {@link #TAG_MODEL}, {@link #TAG_VERSION}, {@link #TAG_STAGE}, {@link #TAG_WINDOW}: the PSI of
     * the stage's predicted probabilities against the model card's reference, and the candidates it is over.
     */
    public static final String METRIC_SCORE_PSI = "tandem.monitoring.score.psi";

    public static final String METRIC_SCORED = "tandem.monitoring.scored";
    /**
     * Gauges per {@link #TAG_MODEL}, {@link #TAG_VERSION}, {@link #TAG_STAGE}, {@link #TAG_WINDOW}, from the
     * predictions as read (every version, with or without a reference), with the drift gauges' {@code current} window:
     * the AUC and the stage's rate a calibrated model's probabilities imply, before labels arrive.
     */
    public static final String METRIC_EXPECTED_AUC = "tandem.monitoring.expected.auc";

    public static final String METRIC_EXPECTED_BASE_RATE = "tandem.monitoring.expected.base.rate";
    /**
     * The validation AUC the version's model card states per stage (no window label): what the online AUC is compared
     * with by the alert {@code TandemModelAucBelowCard}. Registered when a version's figures are first published and
     * its card has one.
     */
    public static final String METRIC_CARD_AUC = "tandem.monitoring.card.auc";
    /** Drift gauges per {@link #TAG_FEATURE} instead of stage: a watched input's PSI and the values it is over. */
    public static final String METRIC_FEATURE_PSI = "tandem.monitoring.feature.psi";

    public static final String METRIC_FEATURE_SAMPLES = "tandem.monitoring.feature.samples";
    /** Gauge per {@link #TAG_LEVEL}: the PSI thresholds the alert rules compare with (configured in the app). */
    public static final String METRIC_PSI_THRESHOLD = "tandem.monitoring.psi.threshold";
    /**
     * Gauge per {@link #TAG_MODEL}, {@link #TAG_VERSION} (seconds): how far the event-time clock grading runs on
     * trails the newest request time read of that version (the largest over this instance's tasks).
     */
    public static final String METRIC_LABEL_LAG = "tandem.monitoring.label.lag";

    public static final String TAG_FATE = "fate";
    public static final String TAG_CENSORED = "censored";
    public static final String TAG_TOPIC = "topic";
    public static final String TAG_MODEL = "model";
    public static final String TAG_VERSION = "version";
    public static final String TAG_STAGE = "stage";
    public static final String TAG_WINDOW = "window";
    /** A reliability bin's index, 0 (lowest predictions) up: as many values as the table has bins (10). */
    public static final String TAG_BIN = "bin";
    /** A watched model input ({@code DriftFeatures}): as many values as the code watches (2). */
    public static final String TAG_FEATURE = "feature";
    /** {@link #METRIC_PSI_THRESHOLD}'s label: {@code warning} or {@code critical}. */
    public static final String TAG_LEVEL = "level";

    public static final String LEVEL_WARNING = "warning";
    public static final String LEVEL_CRITICAL = "critical";
    /** {@link #TAG_WINDOW} values: every outcome so far, and the newest tumbling window. */
    public static final String WINDOW_TOTAL = "total";

    public static final String WINDOW_CURRENT = "current";
}
