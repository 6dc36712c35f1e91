package dev.tandem.inference.core;

import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One {@link Prediction} per request from a scored batch: pure Java. */
public final class PredictionAssembler {
    private PredictionAssembler() {}

    /**
     * @param probs    the batch's output, {@code float[rows · stages.size()]} stage-minor
     * @param firstRow the request's first row in the batch
     */
    public static Prediction assemble(
            EncodedRequest r,
            float[] probs,
            int firstRow,
            List<String> stages,
            String modelName,
            String modelVersion,
            long scoredAtMs,
            long queueMicros,
            long modelMicros,
            int batchRows) {
        int k = stages.size();
        int n = r.candidates();
        // one copy of the request's floats, viewed per candidate: no boxed Float per value (it was most of this
        // method's time), and the batch's output array stays free for the next batch
        float[] mine = java.util.Arrays.copyOfRange(probs, firstRow * k, (firstRow + n) * k);
        List<CandidateScore> scores = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // constructor + setters, not the builder: every field is set, and the builder's per-field validation and
            // default handling showed up per candidate
            CandidateScore c = new CandidateScore();
            c.setItemId(r.itemIds[i]);
            c.setProbabilities(new FloatSlice(mine, i * k, k));
            if (r.candPriceValue != null && !Double.isNaN(r.candPriceValue[i])) c.setPrice(r.candPriceValue[i]);
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
                .setStages(List.copyOf(stages)) // no copy when it is already immutable, as the scorers' are
                .setCandidates(scores)
                .setTimings(timings)
                .build();
    }
}
