package dev.tandem.monitoring.metrics;

import static dev.tandem.monitoring.MonitoringNames.*;

import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.ReliabilityBin;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Exports the topology's counters and, per model, version, stage and window, the latest figures as gauges. The
 * window label takes two values only, {@code total} and {@code current} (the newest tumbling window seen), so the
 * series stay bounded by model versions × stages; every window's figures are on the {@code model-metrics} topic.
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

    /** The figures a gauge reads: replaced whole, so a scrape never sees half an update. */
    private static final class Latest {
        volatile ModelMetrics figures;
    }

    public MicrometerMonitoringMetrics(MeterRegistry registry) {
        this.registry = registry;
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
        boolean total = m.getWindowStart() == null;
        if (!total) {
            List<String> series = List.of(m.getModelName(), m.getModelVersion(), m.getStage());
            long start = m.getWindowStart().toEpochMilli();
            long newest = newestWindow.merge(series, start, Math::max);
            if (newest != start) return; // an older window's update: not the current one
        }
        String window = total ? WINDOW_TOTAL : WINDOW_CURRENT;
        List<String> key = List.of(m.getModelName(), m.getModelVersion(), m.getStage(), window);
        latest.computeIfAbsent(key, k -> register(m, window)).figures = m;
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
