package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.TALLIES_STORE;

import dev.tandem.features.eval.Evaluation;
import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.monitoring.core.StageTally;
import dev.tandem.monitoring.metrics.MonitoringMetrics;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.ReliabilityBin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Adds every outcome of a model version (they arrive routed by model and version) to the {@link StageTally} of
 * each of its stages, in the tumbling window of its request time and in the running total, kept in
 * {@code metric-tallies}. Every {@code interval} (wall clock) the tallies that changed are published: a
 * {@link ModelMetrics} per key to {@code model-metrics}, and the gauges. Windows more than {@code retention}
 * older than the newest are forgotten (their last figures stay on the topic).
 *
 * <p>Every update is written to the store (exactly once with the input); decoded tallies are cached in memory
 * only to skip decoding. The cache and the set of changed keys are emptied in {@link #init} and {@link #close},
 * around every restoration, and everything is published once after a (re)start.
 */
public final class MetricsProcessor implements Processor<String, PredictionOutcome, String, ModelMetrics> {
    static final int CACHED_TALLIES = 10_000;

    private final long windowMs;
    private final long retentionMs;
    private final Duration interval;
    private final MonitoringMetrics metrics;
    private final Map<String, StageTally> decoded = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StageTally> eldest) {
            return size() > CACHED_TALLIES;
        }
    };
    private final Set<String> changed = new LinkedHashSet<>();

    private ProcessorContext<String, ModelMetrics> context;
    private KeyValueStore<String, byte[]> store;
    private boolean publishAll;

    public MetricsProcessor(Duration window, Duration retention, Duration interval, MonitoringMetrics metrics) {
        this.windowMs = window.toMillis();
        this.retentionMs = retention.toMillis();
        this.interval = Objects.requireNonNull(interval, "interval");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (windowMs < 1) throw new IllegalArgumentException("window must be at least 1 ms");
    }

    @Override
    public void init(ProcessorContext<String, ModelMetrics> context) {
        this.context = context;
        this.store = context.getStateStore(TALLIES_STORE);
        decoded.clear();
        changed.clear();
        publishAll = true;
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::publish);
    }

    @Override
    public void process(Record<String, PredictionOutcome> record) {
        PredictionOutcome o = record.value();
        if (o == null) return;
        long window = MetricKey.windowStart(o.getRequestTime().toEpochMilli(), windowMs);
        for (int k = 0; k < o.getStages().size(); k++) {
            float p = o.getProbabilities().get(k);
            boolean reached = o.getReached().get(k);
            for (long start : new long[] {window, MetricKey.TOTAL}) {
                String key = new MetricKey(
                                o.getModelName(),
                                o.getModelVersion(),
                                o.getStages().get(k),
                                start)
                        .encode();
                StageTally t = tally(key);
                t.add(p, reached, o.getCensored());
                store.put(key, t.encode());
                changed.add(key);
            }
        }
    }

    private StageTally tally(String key) {
        StageTally t = decoded.get(key);
        if (t == null) {
            byte[] stored = store.get(key);
            t = stored == null ? new StageTally() : StageTally.decode(stored);
            decoded.put(key, t);
        }
        return t;
    }

    void publish(long wallClockMs) {
        List<String> keys = new ArrayList<>();
        long newest = Long.MIN_VALUE;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                String k = it.next().key;
                keys.add(k);
                MetricKey m = MetricKey.decode(k);
                if (!m.isTotal()) newest = Math.max(newest, m.windowStartMs());
            }
        }
        if (publishAll) {
            changed.addAll(keys);
            publishAll = false;
        }
        for (String k : changed) {
            StageTally t = tally(k);
            ModelMetrics m = figures(MetricKey.decode(k), t, windowMs, wallClockMs);
            context.forward(new Record<>(k, m, wallClockMs));
            metrics.published(m);
        }
        changed.clear();
        for (String k : keys) {
            MetricKey m = MetricKey.decode(k);
            if (!m.isTotal() && m.windowStartMs() + windowMs + retentionMs <= newest) {
                store.delete(k);
                decoded.remove(k);
            }
        }
    }

    /** The published figures of one tally. */
    public static ModelMetrics figures(MetricKey key, StageTally tally, long windowMs, long nowMs) {
        ScoreHistogram h = tally.histogram();
        List<ReliabilityBin> bins = new ArrayList<>();
        for (Evaluation.CalibrationBin b : h.reliability()) {
            bins.add(new ReliabilityBin(
                    b.lower(), b.upper(), b.count(), finite(b.meanPredicted()), finite(b.observedRate())));
        }
        return ModelMetrics.newBuilder()
                .setModelName(key.model())
                .setModelVersion(key.version())
                .setStage(key.stage())
                .setWindow(key.isTotal() ? "total" : "tumbling")
                .setWindowStart(key.isTotal() ? null : Instant.ofEpochMilli(key.windowStartMs()))
                .setWindowEnd(key.isTotal() ? null : Instant.ofEpochMilli(key.windowStartMs() + windowMs))
                .setAuc(finite(h.auc()))
                .setAucTieBound(finite(h.aucTieBound()))
                .setLogloss(finite(h.logloss()))
                .setEce(finite(h.ece()))
                .setReliability(bins)
                .setPositives(h.positives())
                .setNegatives(h.negatives())
                .setCensored(tally.censored())
                .setBaseRate(finite(h.baseRate()))
                .setMeanPrediction(finite(h.meanPrediction()))
                .setUpdatedAt(Instant.ofEpochMilli(nowMs))
                .build();
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    @Override
    public void close() {
        decoded.clear();
        changed.clear();
    }
}
