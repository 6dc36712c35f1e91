package dev.tandem.monitoring.core;

import java.util.Arrays;

/**
 * What became of one candidate of a prediction.
 *
 * @param reached    per stage of the prediction: the user did it (or a later stage) to the item within the horizon
 * @param censored   the horizon had not passed when graded: a stage not reached is unknown, not a negative
 * @param gradedAtMs event time up to which the user's events were taken as complete
 */
public record Outcome(
        PendingPrediction prediction, int candidate, boolean[] reached, boolean censored, long gradedAtMs) {
    public PendingPrediction.Candidate scored() {
        return prediction.candidates().get(candidate);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Outcome x
                && prediction.equals(x.prediction)
                && candidate == x.candidate
                && Arrays.equals(reached, x.reached)
                && censored == x.censored
                && gradedAtMs == x.gradedAtMs;
    }

    @Override
    public int hashCode() {
        return prediction.hashCode() * 31 + candidate;
    }

    @Override
    public String toString() {
        return "Outcome{" + prediction.requestId() + " " + scored() + " reached=" + Arrays.toString(reached)
                + (censored ? " censored" : "") + " at " + gradedAtMs + "}";
    }
}
