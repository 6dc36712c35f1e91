package dev.tandem.inference.core;

import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One {@link Prediction} per request from a scored batch: pure Java. */
public final class PredictionAssembler {
    private PredictionAssembler() {
    }

    /**
     * @param probs    the batch's output, {@code float[rows · stages.size()]} stage-minor
     * @param firstRow the request's first row in the batch
     */
    public static Prediction assemble(EncodedRequest r, float[] probs, int firstRow, List<String> stages, String modelName, String modelVersion,
                                      long scoredAtMs, long queueMicros, long modelMicros, int batchRows) {
        int k = stages.size();
        int n = r.candidates();
        List<CandidateScore> scores = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<Float> p = new ArrayList<>(k);
            int base = (firstRow + i) * k;
            for (int t = 0; t < k; t++) {
                p.add(probs[base + t]);
            }
            // constructor + setters, not the builder: every field is set, and the builder's per-field validation and
            // default handling showed up per candidate
            CandidateScore c = new CandidateScore();
            c.setItemId(r.itemIds[i]);
            c.setProbabilities(p);
            scores.add(c);
        }
        PredictionTimings timings = PredictionTimings.newBuilder()
                .setReceivedAt(Instant.ofEpochMilli(r.receivedAtMs))
                .setScoredAt(Instant.ofEpochMilli(scoredAtMs))
                .setQueueMicros(queueMicros)
                .setModelMicros(modelMicros)
                .setBatchRows(batchRows)
                .build();
        return Prediction.newBuilder()
                .setRequestId(r.requestId)
                .setUserId(r.userId)
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setFeaturesAsOf(r.featuresAsOf == null ? null : Instant.ofEpochMilli(r.featuresAsOf))
                .setRequestTime(Instant.ofEpochMilli(r.requestTimeMs))
                .setStages(new ArrayList<>(stages))
                .setCandidates(scores)
                .setTimings(timings)
                .build();
    }
}
