package dev.tandem.monitoring.streams;

import static dev.tandem.monitoring.MonitoringNames.DRIFT_PARTIALS_STORE;

import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.monitoring.core.DriftCounts;
import dev.tandem.monitoring.core.DriftPartial;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.monitoring.core.MetricKey;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Counts every prediction as it is read (not when it is graded, a horizon later): per stage the candidates'
 * probabilities into a score histogram (every model version: the expected AUC and base rate come from it), and,
 * for a version with a {@link DriftReference}, into the reference's bins: per stage the probabilities, per watched
 * feature the candidates' prices and the request's hours since the user's newest event ({@link DriftFeatures}), and
 * the user inputs the prediction carries ({@code user_inputs}: counters and sequence fill) that the reference bins.
 * Counts are kept per model
 * version and window of request time in {@code drift-partials}; every {@code interval} (wall clock) they are sent
 * on, keyed by model version, as {@link DriftPartial} bytes, and deleted, so the store holds one interval's worth.
 * Sending and deleting happen in one transaction with the input (exactly once).
 *
 * <p>A child of the outcome processor, which decodes each prediction once and hands it here as read
 * ({@link OutcomeOutput.Read}), refused for grading or not; probes and unreadable records never come (the outcome
 * processor counts them).
 */
public final class DriftProcessor implements Processor<String, OutcomeOutput, String, byte[]> {
    private final DriftReferences references;
    private final long windowMs;
    private final Duration interval;

    private ProcessorContext<String, byte[]> context;
    private WriteBehindStore<String, DriftCounts, byte[]> store;

    public DriftProcessor(DriftReferences references, Duration window, Duration interval) {
        this.references = Objects.requireNonNull(references, "references");
        this.windowMs = window.toMillis();
        this.interval = Objects.requireNonNull(interval, "interval");
        if (windowMs < 1) throw new IllegalArgumentException("window must be at least 1 ms");
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(DRIFT_PARTIALS_STORE);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::flush);
    }

    @Override
    public void process(Record<String, OutcomeOutput> record) {
        Prediction p = ((OutcomeOutput.Read) record.value()).prediction();
        if (p.getModelName() == null || p.getModelVersion() == null || p.getRequestTime() == null) return;
        DriftReference ref = references.find(p.getModelName(), p.getModelVersion()); // null: histograms only
        String key = new MetricKey(
                        p.getModelName(),
                        p.getModelVersion(),
                        MetricKey.ALL_STAGES,
                        MetricKey.windowStart(p.getRequestTime().toEpochMilli(), windowMs))
                .encode();
        DriftCounts counts = store.value(key);
        if (counts == null) counts = new DriftCounts();
        if (count(p, ref, counts)) store.write(key, counts);
    }

    /** Adds one prediction's values (without a reference, its probabilities as read only); false when it had none. */
    static boolean count(Prediction p, DriftReference ref, DriftCounts into) {
        List<String> stages = p.getStages();
        List<CandidateScore> candidates = p.getCandidates();
        if (stages == null || candidates == null || candidates.isEmpty()) return false;
        for (CandidateScore c : candidates) {
            List<Float> probs = c.getProbabilities();
            for (int k = 0; k < stages.size() && probs != null && k < probs.size(); k++) {
                Float f = probs.get(k);
                if (f == null || f.isNaN()) continue;
                into.addRead(stages.get(k), f);
                if (ref != null) into.addScore(ref, stages.get(k), f);
            }
            if (ref != null) into.addFeature(ref, DriftFeatures.CANDIDATE_PRICE, DriftFeatures.price(c.getPrice()));
        }
        if (ref == null) return true;
        into.addFeature(
                ref,
                DriftFeatures.USER_RECENCY_HOURS,
                DriftFeatures.recencyHours(
                        p.getRequestTime().toEpochMilli(),
                        p.getFeaturesAsOf() == null ? null : p.getFeaturesAsOf().toEpochMilli()));
        // the user inputs the scorer published; the reference has bins only for those its model watches
        Map<String, Float> inputs = p.getUserInputs();
        if (inputs != null) {
            inputs.forEach((name, v) -> into.addFeature(ref, name, v == null ? Double.NaN : v));
        }
        return true;
    }

    void flush(long wallClockMs) {
        for (String k : store.keys()) {
            MetricKey key = MetricKey.decode(k);
            DriftPartial partial = new DriftPartial(key, store.value(k));
            context.forward(
                    new Record<>(MetricKey.modelKey(key.model(), key.version()), partial.encode(), wallClockMs));
            store.remove(k);
        }
    }
}
