package dev.tandem.inference.core;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import java.util.List;

/**
 * Scores the rows of an {@link EncodedBatch}: pure Java, no Flink types. One instance per scoring
 * subtask; not thread-safe. Implementations: {@link TfBatchScorer} (a SavedModel through
 * {@code FunnelScorer}); tests use a deterministic fake.
 */
public interface BatchScorer extends AutoCloseable {

    /** The spec the rows must be encoded with. */
    FeatureSpec spec();

    /** The stages scored, in output order (e.g. CART, PURCHASE). */
    List<String> stages();

    String modelName();

    String modelVersion();

    /** P(reach stage k | shown) for rows {@code [0, batch.rows())}: {@code float[rows · K]}, stage-minor. */
    float[] score(EncodedBatch batch);

    /** Runs every batch size up to {@code maxRows} once before traffic (no-op by default). */
    default void warmUp(int maxRows) {}

    @Override
    void close();
}
