package dev.tandem.monitoring.streams;

import dev.tandem.monitoring.core.DriftPartial;
import dev.tandem.monitoring.core.GradedBatch;

/** What the metrics processor reads, both routed by model version: graded outcomes and drift counts. */
public sealed interface MetricsInput {
    /** A prediction's graded candidates, to add to the stage tallies. */
    record Graded(GradedBatch batch) implements MetricsInput {}

    /** One task's counts of the predictions it read, to add to the version's drift counts. */
    record Scored(DriftPartial partial) implements MetricsInput {}
}
