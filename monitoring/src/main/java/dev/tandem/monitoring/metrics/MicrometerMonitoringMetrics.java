package dev.tandem.monitoring.metrics;

import static dev.tandem.monitoring.MonitoringNames.*;

import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.schemas.FeatureDrift;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.ReliabilityBin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Exports the topology's counters and, per model, version, stage and window, the latest figures as gauges. The
 * window label takes two values only, {@code total} and {@code current} (the newest tumbling window seen), so the
 * series stay bounded by model versions × stages; every window's figures are on the {@code model-metrics} topic.
 * The outcome figures' {@code current} is the newest window with outcomes, the drift gauges' (and the expected AUC
 * and base rate's, from the same predictions as read) the newest window with predictions counted (a horizon later
 * than the outcomes'), so neither hides the other. Drift per watched input has
 * a {@code feature} label instead of the stage (as many values as the code watches); the PSI thresholds are gauges
 * with a {@code level} label, so the alert rules read the app's configured values.
 */
public final class MicrometerMonitoringMetrics implements MonitoringMetrics {
    private final MeterRegistry registry;
    private final Map<PredictionFate, Counter> predictions = new EnumMap<>(PredictionFate.class);
    private final Map<EventFate, Counter> events = new EnumMap<>(EventFate.class);
    private final Counter graded;
    private final Counter censored;
    private final Map<String, Counter> undecodable = new ConcurrentHashMap<>();
    private final Map<List<String>, Latest> latest = new ConcurrentHashMap<>();
    private final Map<List<String>, Long> newestWindow = new ConcurrentHashMap<>();
    private final Map<List<String>, Latest> latestDrift = new ConcurrentHashMap<>();
    /** The drift series with a score PSI gauge: those of versions with a reference only. */
    private final Set<List<String>> withPsi = ConcurrentHashMap.newKeySet();

    private final Map<List<String>, LatestFeature> latestFeature = new ConcurrentHashMap<>();
    private final Map<List<String>, Long> newestDriftWindow = new ConcurrentHashMap<>();
    /** (model, version) → task → lag in seconds. */
    private final Map<List<String>, Map<String, Double>> labelLags = new ConcurrentHashMap<>();

    private final DriftReferences cards;
    /** (model, version, stage) whose card AUC gauge is registered. */
    private final Set<List<String>> cardAucRegistered = ConcurrentHashMap.newKeySet();

    /** The PSI thresholds the alert rules and the dashboard compare with. */
    public record DriftThresholds(double warning, double critical) {
        public DriftThresholds {
            if (!(warning > 0) || !(critical >= warning) || Double.isInfinite(critical)) {
                throw new IllegalArgumentException(
                        "need 0 < warning <= critical, finite: was " + warning + ", " + critical);
            }
        }

        /** The usual reading of PSI: 0.1 a moderate shift, 0.25 a large one. */
        public static DriftThresholds defaults() {
            return new DriftThresholds(0.1, 0.25);
        }
    }

    /** The figures a gauge reads: replaced whole, so a scrape never sees half an update. */
    private static final class Latest {
        volatile ModelMetrics figures;
    }

    /** One watched input's latest drift figures. */
    private static final class LatestFeature {
        volatile FeatureDrift figures;
    }

    public MicrometerMonitoringMetrics(MeterRegistry registry) {
        this(registry, DriftThresholds.defaults());
    }

    public MicrometerMonitoringMetrics(MeterRegistry registry, DriftThresholds thresholds) {
        this(registry, thresholds, DriftReferences.NONE);
    }

    /** @param cards where a version's card AUC per stage is read ({@link DriftReferences#cardAuc}) */
    public MicrometerMonitoringMetrics(MeterRegistry registry, DriftThresholds thresholds, DriftReferences cards) {
        this.registry = registry;
        this.cards = cards;
        Gauge.builder(METRIC_PSI_THRESHOLD, thresholds::warning)
                .description("PSI from which drift is a moderate shift (drift.psi.warning)")
                .tag(TAG_LEVEL, LEVEL_WARNING)
                .register(registry);
        Gauge.builder(METRIC_PSI_THRESHOLD, thresholds::critical)
                .description("PSI from which drift is a large shift (drift.psi.critical)")
                .tag(TAG_LEVEL, LEVEL_CRITICAL)
                .register(registry);
        for (PredictionFate f : PredictionFate.values()) {
            predictions.put(
                    f,
                    Counter.builder(METRIC_PREDICTIONS)
                            .description("Predictions read, by what became of them")
                            .tag(TAG_FATE, f.tag())
                            .register(registry));
        }
        for (EventFate f : EventFate.values()) {
            events.put(
                    f,
                    Counter.builder(METRIC_EVENTS)
                            .description("Events read, by what became of them")
                            .tag(TAG_FATE, f.tag())
                            .register(registry));
        }
        graded = Counter.builder(METRIC_OUTCOMES)
                .description("Candidate outcomes written")
                .tag(TAG_CENSORED, "false")
                .register(registry);
        censored = Counter.builder(METRIC_OUTCOMES)
                .description("Candidate outcomes written")
                .tag(TAG_CENSORED, "true")
                .register(registry);
    }

    @Override
    public void prediction(PredictionFate fate) {
        predictions.get(fate).increment();
    }

    @Override
    public void event(EventFate fate) {
        events.get(fate).increment();
    }

    @Override
    public void undecodable(String topic) {
        undecodable
                .computeIfAbsent(
                        topic,
                        t -> Counter.builder(METRIC_UNDECODABLE)
                                .description("Records that could not be read as our Avro")
                                .tag(TAG_TOPIC, t)
                                .register(registry))
                .increment();
    }

    @Override
    public void outcomes(int candidates, boolean isCensored) {
        (isCensored ? censored : graded).increment(candidates);
    }

    @Override
    public void published(ModelMetrics m) {
        if (m.getPositives() + m.getNegatives() + m.getCensored() > 0) {
            String window = window(m, newestWindow, List.of(m.getModelName(), m.getModelVersion(), m.getStage()));
            if (window != null) {
                List<String> key = List.of(m.getModelName(), m.getModelVersion(), m.getStage(), window);
                latest.computeIfAbsent(key, k -> register(m, window)).figures = m;
            }
            registerCardAuc(m);
        }
        if (m.getScored() > 0 || !m.getFeatureDrift().isEmpty()) {
            // the stage's scores and the version's features share the version's newest window
            String window = window(m, newestDriftWindow, List.of(m.getModelName(), m.getModelVersion()));
            if (window != null) {
                List<String> key = List.of(m.getModelName(), m.getModelVersion(), m.getStage(), window);
                Latest l = latestDrift.computeIfAbsent(key, k -> registerDrift(m, window));
                l.figures = m;
                if (m.getScorePsi() != null && withPsi.add(key)) registerPsi(l, m, window);
                for (FeatureDrift f : m.getFeatureDrift()) {
                    List<String> fk = List.of(m.getModelName(), m.getModelVersion(), f.getFeature(), window);
                    latestFeature.computeIfAbsent(fk, k -> registerFeature(m, f.getFeature(), window)).figures = f;
                }
            }
        }
    }

    /**
     * Once per version and stage with graded figures, as soon as its card states an AUC (looked up again with each
     * publication until then: a card exported later is picked up, {@link DriftReferences#cardAuc} rescans at most once
     * a minute).
     */
    private void registerCardAuc(ModelMetrics m) {
        List<String> key = List.of(m.getModelName(), m.getModelVersion(), m.getStage());
        if (cardAucRegistered.contains(key)) return;
        java.util.OptionalDouble auc = cards.cardAuc(m.getModelName(), m.getModelVersion(), m.getStage());
        if (auc.isEmpty() || !cardAucRegistered.add(key)) return;
        double value = auc.getAsDouble();
        Gauge.builder(MonitoringNames.METRIC_CARD_AUC, () -> value)
                .description("Validation AUC of the stage in the version's model card")
                .tag(MonitoringNames.TAG_MODEL, m.getModelName())
                .tag(MonitoringNames.TAG_VERSION, m.getModelVersion())
                .tag(MonitoringNames.TAG_STAGE, m.getStage())
                .register(registry);
    }

    /** {@code total}, {@code current} when the record's window is the newest of its series so far, else null. */
    private static String window(ModelMetrics m, Map<List<String>, Long> newestBySeries, List<String> series) {
        if (m.getWindowStart() == null) return WINDOW_TOTAL;
        long start = m.getWindowStart().toEpochMilli();
        return newestBySeries.merge(series, start, Math::max) == start ? WINDOW_CURRENT : null;
    }

    private Latest registerDrift(ModelMetrics m, String window) {
        Latest l = new Latest();
        gauge(METRIC_SCORED, "Candidates read with a probability for the stage", l, m, window, ModelMetrics::getScored);
        gauge(
                METRIC_EXPECTED_AUC,
                "AUC the stage's predicted probabilities imply if the model is calibrated (before labels)",
                l,
                m,
                window,
                x -> nan(x.getExpectedAuc()));
        gauge(
                METRIC_EXPECTED_BASE_RATE,
                "Mean predicted probability as read: the stage's rate a calibrated model implies (before labels)",
                l,
                m,
                window,
                x -> nan(x.getExpectedBaseRate()));
        return l;
    }

    /** The score PSI of a drift series, once its figures have one (a version with a reference). */
    private void registerPsi(Latest l, ModelMetrics m, String window) {
        gauge(
                METRIC_SCORE_PSI,
                "PSI of the stage's predicted probabilities against the model card's validation-period histogram",
                l,
                m,
                window,
                x -> nan(x.getScorePsi()));
    }

    private LatestFeature registerFeature(ModelMetrics m, String feature, String window) {
        LatestFeature l = new LatestFeature();
        featureGauge(
                METRIC_FEATURE_PSI,
                "PSI of a watched model input against the model card's validation-period bins",
                l,
                m,
                feature,
                window,
                f -> nan(f.getPsi()));
        featureGauge(
                METRIC_FEATURE_SAMPLES,
                "Values of a watched model input counted (missing ones included)",
                l,
                m,
                feature,
                window,
                FeatureDrift::getCount);
        return l;
    }

    private void featureGauge(
            String name,
            String help,
            LatestFeature l,
            ModelMetrics m,
            String feature,
            String window,
            ToDoubleFunction<FeatureDrift> value) {
        Gauge.builder(name, l, x -> x.figures == null ? Double.NaN : value.applyAsDouble(x.figures))
                .description(help)
                .tag(MonitoringNames.TAG_MODEL, m.getModelName())
                .tag(MonitoringNames.TAG_VERSION, m.getModelVersion())
                .tag(MonitoringNames.TAG_FEATURE, feature)
                .tag(MonitoringNames.TAG_WINDOW, window)
                .register(registry);
    }

    @Override
    public void labelLag(String task, String model, String version, double lagMs) {
        labelLags
                .computeIfAbsent(List.of(model, version), k -> {
                    Map<String, Double> byTask = new ConcurrentHashMap<>();
                    Gauge.builder(METRIC_LABEL_LAG, byTask, MicrometerMonitoringMetrics::largest)
                            .description("How far the event-time clock of labels trails the newest request time read")
                            .baseUnit("seconds")
                            .tag(MonitoringNames.TAG_MODEL, model)
                            .tag(MonitoringNames.TAG_VERSION, version)
                            .register(registry);
                    return byTask;
                })
                .put(task, lagMs / 1000.0);
    }

    @Override
    public void taskClosed(String task) {
        for (Map<String, Double> byTask : labelLags.values()) byTask.remove(task);
    }

    /** The largest lag of any task; NaN when no task has one. */
    private static double largest(Map<String, Double> byTask) {
        double max = Double.NaN;
        for (double v : byTask.values()) {
            if (!Double.isNaN(v) && !(v <= max)) max = v;
        }
        return max;
    }

    private Latest register(ModelMetrics m, String window) {
        Latest l = new Latest();
        gauge(METRIC_AUC, "ROC AUC from the score histograms", l, m, window, x -> nan(x.getAuc()));
        gauge(
                METRIC_AUC_TIE_BOUND,
                "How far the AUC can be from the exact one (pairs tied in a histogram bucket)",
                l,
                m,
                window,
                x -> nan(x.getAucTieBound()));
        gauge(
                METRIC_AUC_STANDARD_ERROR,
                "Sampling error of the AUC (Hanley-McNeil)",
                l,
                m,
                window,
                x -> nan(x.getAucStandardError()));
        gauge(
                METRIC_GRADED_EXPECTED_AUC,
                "AUC the graded candidates' own probabilities imply if the model is calibrated (labels ignored)",
                l,
                m,
                window,
                x -> nan(x.getGradedExpectedAuc()));
        gauge(METRIC_LOGLOSS, "Mean log loss of graded outcomes", l, m, window, x -> nan(x.getLogloss()));
        gauge(METRIC_ECE, "Expected calibration error (10 bins)", l, m, window, x -> nan(x.getEce()));
        gauge(METRIC_POSITIVES, "Graded outcomes that reached the stage", l, m, window, ModelMetrics::getPositives);
        gauge(METRIC_NEGATIVES, "Graded outcomes that did not", l, m, window, ModelMetrics::getNegatives);
        gauge(METRIC_CENSORED, "Censored outcomes left out", l, m, window, ModelMetrics::getCensored);
        gauge(METRIC_BASE_RATE, "Observed rate of the stage", l, m, window, x -> nan(x.getBaseRate()));
        gauge(METRIC_MEAN_PREDICTION, "Mean predicted probability", l, m, window, x -> nan(x.getMeanPrediction()));
        for (int b = 0; b < m.getReliability().size(); b++) {
            int bin = b;
            binGauge(
                    METRIC_RELIABILITY_PREDICTED,
                    "Mean prediction in a reliability bin",
                    l,
                    m,
                    window,
                    bin,
                    r -> nan(r.getMeanPredicted()));
            binGauge(
                    METRIC_RELIABILITY_OBSERVED,
                    "Observed rate in a reliability bin",
                    l,
                    m,
                    window,
                    bin,
                    r -> nan(r.getObservedRate()));
            binGauge(
                    METRIC_RELIABILITY_COUNT,
                    "Graded outcomes in a reliability bin",
                    l,
                    m,
                    window,
                    bin,
                    r -> r.getCount());
        }
        return l;
    }

    /** A gauge of one reliability bin; NaN while the latest figures have no such bin. */
    private void binGauge(
            String name,
            String help,
            Latest l,
            ModelMetrics m,
            String window,
            int bin,
            ToDoubleFunction<ReliabilityBin> value) {
        Gauge.builder(name, l, x -> {
                    ModelMetrics f = x.figures;
                    return f == null || bin >= f.getReliability().size()
                            ? Double.NaN
                            : value.applyAsDouble(f.getReliability().get(bin));
                })
                .description(help)
                .tag(MonitoringNames.TAG_MODEL, m.getModelName())
                .tag(MonitoringNames.TAG_VERSION, m.getModelVersion())
                .tag(MonitoringNames.TAG_STAGE, m.getStage())
                .tag(MonitoringNames.TAG_WINDOW, window)
                .tag(MonitoringNames.TAG_BIN, Integer.toString(bin))
                .register(registry);
    }

    private void gauge(
            String name, String help, Latest l, ModelMetrics m, String window, ToDoubleFunction<ModelMetrics> value) {
        Gauge.builder(name, l, x -> x.figures == null ? Double.NaN : value.applyAsDouble(x.figures))
                .description(help)
                .tag(MonitoringNames.TAG_MODEL, m.getModelName())
                .tag(MonitoringNames.TAG_VERSION, m.getModelVersion())
                .tag(MonitoringNames.TAG_STAGE, m.getStage())
                .tag(MonitoringNames.TAG_WINDOW, window)
                .register(registry);
    }

    private static double nan(Double d) {
        return d == null ? Double.NaN : d;
    }
}
