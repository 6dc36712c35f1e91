package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.DRIFT_STORE;
import static dev.tandem.monitoring.MonitoringNames.TALLIES_STORE;

import dev.tandem.features.drift.DriftBins;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.drift.Psi;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.features.eval.ScoreHistogram;
import dev.tandem.monitoring.core.DriftCounts;
import dev.tandem.monitoring.core.DriftPartial;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.monitoring.core.GradedBatch;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.monitoring.core.StageTally;
import dev.tandem.monitoring.metrics.MonitoringMetrics;
import dev.tandem.schemas.FeatureDrift;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.ReliabilityBin;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Adds every outcome of a model version (they arrive routed by model and version, a graded prediction's candidates
 * together as a {@link GradedBatch}) to the {@link StageTally} of each of its stages, in the tumbling window of its
 * request time and in the running total, kept in
 * {@code metric-tallies}; and every {@link DriftPartial} (a task's counts of the predictions it read) to the
 * version's {@link DriftCounts} of that window and of the total, kept in {@code drift-tallies}. Every
 * {@code interval} (wall clock) the figures that changed are published: a {@link ModelMetrics} per stage and
 * window to {@code model-metrics} (the tally's figures; from the drift counts, the expected AUC and base rate of the
 * predictions as read, and their PSI against the version's {@link DriftReference}), and the gauges. Windows more than {@code retention} older than the newest are forgotten
 * (their last figures stay on the topic).
 *
 * <p>Tallies and drift counts are kept decoded in {@link WriteBehindStore}s: each changed one is encoded and written
 * (exactly once with the input) once per commit, not once per batch. The set of changed keys is emptied in
 * {@link #init} and {@link #close}, around every restoration, and everything is published once after a (re)start.
 */
public final class MetricsProcessor implements Processor<String, MetricsInput, String, ModelMetrics> {
    /** Tallies (per version, stage and window) a task keeps decoded while unchanged. */
    public static final int CACHED_TALLIES = 10_000;

    private final long windowMs;
    private final long retentionMs;
    private final Duration interval;
    private final MonitoringMetrics metrics;
    private final DriftReferences references;
    private final Set<String> changed = new LinkedHashSet<>();

    private ProcessorContext<String, ModelMetrics> context;
    private WriteBehindStore<String, StageTally, byte[]> store;
    private WriteBehindStore<String, DriftCounts, byte[]> driftStore;
    private boolean publishAll;

    public MetricsProcessor(Duration window, Duration retention, Duration interval, MonitoringMetrics metrics) {
        this(window, retention, interval, metrics, DriftReferences.NONE);
    }

    public MetricsProcessor(
            Duration window,
            Duration retention,
            Duration interval,
            MonitoringMetrics metrics,
            DriftReferences references) {
        this.references = Objects.requireNonNull(references, "references");
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
        this.driftStore = context.getStateStore(DRIFT_STORE);
        changed.clear();
        publishAll = true;
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::publish);
    }

    @Override
    public void process(Record<String, MetricsInput> record) {
        MetricsInput in = record.value();
        if (in instanceof MetricsInput.Graded g && g.batch() != null) {
            add(g.batch());
        } else if (in instanceof MetricsInput.Scored s) {
            add(s.partial());
        }
    }

    private void add(DriftPartial partial) {
        MetricKey k = partial.key();
        for (long start : new long[] {k.windowStartMs(), MetricKey.TOTAL}) {
            MetricKey key = new MetricKey(k.model(), k.version(), MetricKey.ALL_STAGES, start);
            DriftCounts counts = driftStore.value(key.encode());
            if (counts == null) counts = new DriftCounts();
            counts.merge(partial.counts());
            driftStore.write(key.encode(), counts);
            for (String stage : stages(counts)) changed.add(key.withStage(stage).encode());
        }
    }

    /** Each stage's tallies (window and total) take all of the batch's candidates, then are written once. */
    private void add(GradedBatch b) {
        if (b.entries().isEmpty()) return;
        long window = MetricKey.windowStart(b.requestTimeMs(), windowMs);
        for (int k = 0; k < b.stages().size(); k++) {
            for (long start : new long[] {window, MetricKey.TOTAL}) {
                String key = new MetricKey(b.model(), b.version(), b.stages().get(k), start).encode();
                StageTally t = tally(key);
                for (GradedBatch.Entry e : b.entries()) t.add(e.probabilities()[k], e.reached()[k], e.censored());
                store.write(key, t);
                changed.add(key);
            }
        }
    }

    private StageTally tally(String key) {
        StageTally t = store.value(key);
        return t == null ? new StageTally() : t;
    }

    void publish(long wallClockMs) {
        List<String> keys = store.keys();
        List<String> driftKeys = driftStore.keys();
        long newest = Long.MIN_VALUE;
        for (String k : keys) newest = Math.max(newest, windowOf(k));
        for (String k : driftKeys) newest = Math.max(newest, windowOf(k));
        if (publishAll) {
            changed.addAll(keys);
            for (String k : driftKeys) {
                MetricKey m = MetricKey.decode(k);
                for (String stage : stages(driftStore.value(k))) {
                    changed.add(m.withStage(stage).encode());
                }
            }
            publishAll = false;
        }
        for (String k : changed) {
            MetricKey key = MetricKey.decode(k);
            DriftCounts drift =
                    driftStore.value(key.withStage(MetricKey.ALL_STAGES).encode());
            ModelMetrics m = figures(
                    key,
                    tally(k),
                    drift,
                    drift == null ? null : references.find(key.model(), key.version()),
                    windowMs,
                    wallClockMs);
            context.forward(new Record<>(k, m, wallClockMs));
            metrics.published(m);
        }
        changed.clear();
        for (String k : keys) {
            if (expired(k, newest)) store.remove(k);
        }
        for (String k : driftKeys) {
            if (expired(k, newest)) driftStore.remove(k);
        }
    }

    /** The stages some drift counts have figures for: those read, and those binned (counts of format 1). */
    private static Set<String> stages(DriftCounts counts) {
        Set<String> stages = new LinkedHashSet<>(counts.read().keySet());
        stages.addAll(counts.scores().keySet());
        return stages;
    }

    /** The window start of a key, {@link Long#MIN_VALUE} for the total. */
    private static long windowOf(String key) {
        MetricKey m = MetricKey.decode(key);
        return m.isTotal() ? Long.MIN_VALUE : m.windowStartMs();
    }

    private boolean expired(String key, long newest) {
        MetricKey m = MetricKey.decode(key);
        return !m.isTotal() && m.windowStartMs() + windowMs + retentionMs <= newest;
    }

    /** The published figures of one tally, without drift. */
    public static ModelMetrics figures(MetricKey key, StageTally tally, long windowMs, long nowMs) {
        return figures(key, tally, null, null, windowMs, nowMs);
    }

    /**
     * The published figures of one stage and window: the tally's, and the drift counts of the version's window
     * (null: none) against its reference (null: none, so no PSI).
     */
    public static ModelMetrics figures(
            MetricKey key, StageTally tally, DriftCounts drift, DriftReference reference, long windowMs, long nowMs) {
        ScoreHistogram h = tally.histogram();
        List<ReliabilityBin> bins = new ArrayList<>();
        for (Evaluation.CalibrationBin b : h.reliability()) {
            bins.add(new ReliabilityBin(
                    b.lower(), b.upper(), b.count(), finite(b.meanPredicted()), finite(b.observedRate())));
        }
        ModelMetrics.Builder m = ModelMetrics.newBuilder()
                .setModelName(key.model())
                .setModelVersion(key.version())
                .setStage(key.stage())
                .setWindow(key.isTotal() ? "total" : "tumbling")
                .setWindowStart(key.isTotal() ? null : Instant.ofEpochMilli(key.windowStartMs()))
                .setWindowEnd(key.isTotal() ? null : Instant.ofEpochMilli(key.windowStartMs() + windowMs))
                .setAuc(finite(h.auc()))
                .setAucTieBound(finite(h.aucTieBound()))
                .setGradedExpectedAuc(finite(h.expectedAuc()))
                .setAucStandardError(finite(h.aucStandardError()))
                .setLogloss(finite(h.logloss()))
                .setEce(finite(h.ece()))
                .setReliability(bins)
                .setPositives(h.positives())
                .setNegatives(h.negatives())
                .setCensored(tally.censored())
                .setBaseRate(finite(h.baseRate()))
                .setMeanPrediction(finite(h.meanPrediction()))
                .setUpdatedAt(Instant.ofEpochMilli(nowMs))
                .setScored(0)
                .setScorePsi(null)
                .setFeatureDrift(List.of())
                .setExpectedAuc(null)
                .setExpectedBaseRate(null);
        if (drift != null) {
            long[] scores = drift.scores().get(key.stage());
            if (scores != null) {
                m.setScored(DriftCounts.total(scores)).setScorePsi(psi(reference, true, key.stage(), scores));
            }
            ScoreHistogram read = drift.read().get(key.stage());
            if (read != null) {
                // the same candidates as the binned counts where both exist; the histogram also without a reference
                m.setScored(read.count())
                        .setExpectedAuc(finite(read.expectedAuc()))
                        .setExpectedBaseRate(finite(read.meanPrediction()));
            }
            List<FeatureDrift> features = new ArrayList<>();
            drift.features()
                    .forEach((name, counts) -> features.add(FeatureDrift.newBuilder()
                            .setFeature(name)
                            .setCount(DriftCounts.total(counts))
                            .setMissing(counts[counts.length - 1])
                            .setPsi(psi(reference, false, name, counts))
                            .build()));
            m.setFeatureDrift(features);
        }
        return m.build();
    }

    /** PSI of some counts against the reference's bins of the same dimension; null where it cannot be had. */
    private static Double psi(DriftReference reference, boolean score, String name, long[] counts) {
        if (reference == null) return null;
        DriftBins bins = (score ? reference.scores() : reference.features()).get(name);
        if (bins == null || bins.width() != counts.length) return null;
        return finite(Psi.of(bins.expected(), counts));
    }

    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    @Override
    public void close() {
        changed.clear();
    }
}
