package dev.tandem.monitoring.streams;

import dev.tandem.monitoring.core.GradedBatch;
import dev.tandem.monitoring.core.Outcome;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;

/**
 * What the outcome processor sends on: each candidate's outcome record, each graded prediction's batch, and each
 * prediction as read (for drift).
 */
public sealed interface OutcomeOutput {
    /**
     * One candidate's outcome, keyed by user, for {@code prediction-outcomes}: written there by
     * {@link OutcomeRecordSerializer} straight from these values, with no {@link PredictionOutcome} in between.
     */
    record Record(String userId, Outcome outcome, long horizonMs) implements OutcomeOutput {
        public PredictionOutcome toAvro() {
            return AvroOutcomes.outcome(userId, outcome, horizonMs);
        }
    }

    /** A prediction's outcomes at once, keyed by model version, for the figures. */
    record Batch(GradedBatch batch) implements OutcomeOutput {}

    /** A user's prediction as read and decoded (not a probe), for the drift counts: decoded once, counted here. */
    record Read(Prediction prediction) implements OutcomeOutput {}
}
