package dev.tandem.inference.core;

import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** One {@link Prediction} per request from a scored batch: pure Java. */
public final class PredictionAssembler {
    /**
     * The model name of a {@link #forget} marker. Together with the empty request id and no candidates (the validator
     * refuses a request with either, so no scored prediction has them) it cannot be mistaken for a prediction.
     */
    public static final String FORGET_MODEL = "tandem.forget/";

    private PredictionAssembler() {}

    /**
     * The marker the batcher emits for a forgotten user, in place of a {@code Prediction}: the predictions sink writes
     * it as a tombstone keyed by the user id with the forget header ({@link #isForget}). Not a prediction: it has no
     * request, no candidates and no model.
     */
    public static Prediction forget(String userId, long atMs) {
        PredictionTimings t = PredictionTimings.newBuilder()
                .setReceivedAt(Instant.ofEpochMilli(atMs))
                .setScoredAt(Instant.ofEpochMilli(atMs))
                .build();
        return Prediction.newBuilder()
                .setRequestId("")
                .setUserId(userId)
                .setModelName(FORGET_MODEL)
                .setModelVersion("")
                .setRequestTime(Instant.ofEpochMilli(atMs))
                .setStages(List.of())
                .setCandidates(List.of())
                .setTimings(t)
                .build();
    }

    public static boolean isForget(Prediction p) {
        return FORGET_MODEL.equals(p.getModelName())
                && p.getRequestId().isEmpty()
                && p.getCandidates().isEmpty();
    }

    /**
     * The request's {@code user_dense} slots a drift reference watches, by name ({@link
     * dev.tandem.model.features.FeatureSpec#userInputNames}: null names are skipped), for
     * {@code Prediction.user_inputs}. Counters and sequence fill do not depend on the request time, so these are the
     * numbers training encoded for the same features.
     */
    public static java.util.Map<String, Float> userInputs(String[] names, float[] userDense) {
        java.util.Map<String, Float> out = new java.util.LinkedHashMap<>();
        if (names == null || userDense == null) return out;
        for (int i = 0; i < names.length && i < userDense.length; i++) {
            if (names[i] != null) out.put(names[i], userDense[i]);
        }
        return out;
    }

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
