package dev.tandem.monitoring.streams;

import dev.tandem.monitoring.core.Outcome;
import dev.tandem.monitoring.core.PendingPrediction;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Between the Avro records on the topics and the monitoring core's plain values. */
public final class AvroOutcomes {
    private AvroOutcomes() {}

    /** What grading keeps of a prediction of the active version. */
    public static PendingPrediction pending(Prediction p) {
        return pending(p, false);
    }

    /** What grading keeps of a prediction; {@code shadow}: read from the shadow predictions. */
    public static PendingPrediction pending(Prediction p, boolean shadow) {
        List<PendingPrediction.Candidate> candidates =
                new ArrayList<>(p.getCandidates().size());
        for (CandidateScore c : p.getCandidates()) {
            List<Float> probs = c.getProbabilities();
            float[] a = new float[probs.size()];
            for (int i = 0; i < a.length; i++) a[i] = probs.get(i) == null ? Float.NaN : probs.get(i);
            candidates.add(new PendingPrediction.Candidate(c.getItemId(), a));
        }
        return new PendingPrediction(
                p.getRequestId(),
                p.getRequestTime().toEpochMilli(),
                p.getModelName(),
                p.getModelVersion(),
                p.getStages(),
                candidates,
                shadow);
    }

    public static PredictionOutcome outcome(String userId, Outcome o, long horizonMs) {
        PendingPrediction p = o.prediction();
        PendingPrediction.Candidate c = o.scored();
        List<Float> probs = new ArrayList<>(c.probabilities().length);
        for (float f : c.probabilities()) probs.add(f);
        List<Boolean> reached = new ArrayList<>(o.reached().length);
        for (boolean b : o.reached()) reached.add(b);
        return PredictionOutcome.newBuilder()
                .setRequestId(p.requestId())
                .setUserId(userId)
                .setModelName(p.modelName())
                .setModelVersion(p.modelVersion())
                .setRequestTime(Instant.ofEpochMilli(p.requestTimeMs()))
                .setItemId(c.itemId())
                .setStages(p.stages())
                .setProbabilities(probs)
                .setReached(reached)
                .setCensored(o.censored())
                .setHorizonMs(horizonMs)
                .setGradedAt(Instant.ofEpochMilli(o.gradedAtMs()))
                .setShadow(p.shadow())
                .build();
    }
}
