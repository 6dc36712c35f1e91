package dev.tandem.features.metrics;

import dev.tandem.features.sequence.UpdateOutcome;
import dev.tandem.schemas.topics.DeadLetterReason;

/** What the processors report. Implementations must be cheap and thread-safe (one call per event). */
public interface FeatureMetrics {
    void event(UpdateOutcome outcome);

    void deadLetter(DeadLetterReason reason);

    void expiredUsers(int count);

    /** A user deleted on a forget signal (counted even when the store had nothing of the user). */
    default void forgottenUser() {}

    /** A scoring request sent for an accepted view (score on exposure). */
    default void exposureRequest() {}

    /** A record of the items topic that could not be read. */
    void badItem();

    /** Wall clock at processing minus the event time of an accepted event. */
    void endToEndLagMs(long millis);

    FeatureMetrics NOOP = new FeatureMetrics() {
        @Override
        public void event(UpdateOutcome outcome) {}

        @Override
        public void deadLetter(DeadLetterReason reason) {}

        @Override
        public void expiredUsers(int count) {}

        @Override
        public void badItem() {}

        @Override
        public void endToEndLagMs(long millis) {}
    };
}
