package dev.tandem.monitoring.core;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A prediction waiting for its outcome: only what grading needs (no features, no timings).
 *
 * @param stages     the predicted stages, as the prediction names them (e.g. CART, PURCHASE)
 * @param candidates every candidate with one probability per stage
 * @param shadow     read from the shadow predictions (a challenger scored beside the active version): graded the
 *                   same, only said so on its outcomes
 */
public record PendingPrediction(
        String requestId,
        long requestTimeMs,
        String modelName,
        String modelVersion,
        List<String> stages,
        List<Candidate> candidates,
        boolean shadow) {
    public PendingPrediction {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelVersion, "modelVersion");
        stages = List.copyOf(stages);
        candidates = List.copyOf(candidates);
    }

    /** A prediction of the active version. */
    public PendingPrediction(
            String requestId,
            long requestTimeMs,
            String modelName,
            String modelVersion,
            List<String> stages,
            List<Candidate> candidates) {
        this(requestId, requestTimeMs, modelName, modelVersion, stages, candidates, false);
    }

    /** One scored item: P(reach stage k | shown) for every stage of the prediction. */
    public record Candidate(String itemId, float[] probabilities) {
        public Candidate {
            Objects.requireNonNull(itemId, "itemId");
            Objects.requireNonNull(probabilities, "probabilities");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Candidate c && itemId.equals(c.itemId) && Arrays.equals(probabilities, c.probabilities);
        }

        @Override
        public int hashCode() {
            return itemId.hashCode() * 31 + Arrays.hashCode(probabilities);
        }

        @Override
        public String toString() {
            return itemId + Arrays.toString(probabilities);
        }
    }
}
