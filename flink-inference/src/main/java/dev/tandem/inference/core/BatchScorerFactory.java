package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureSpec;
import java.io.Serializable;

/** Creates one {@link BatchScorer} per scoring subtask (shipped with the job graph, so serializable). */
public interface BatchScorerFactory extends Serializable {

    /** The spec the join encodes rows with; known when the job graph is built. */
    FeatureSpec encoderSpec() throws Exception;

    /** The scorer of the model the job starts with. */
    BatchScorer create() throws Exception;

    /**
     * A scorer for a model named by a {@code model-control} command, scoring rows encoded with
     * {@link #encoderSpec()}; throws when it cannot (spec mismatch, unreadable model, unsupported
     * location). Called on the loader thread, never the task thread.
     */
    default BatchScorer create(ModelRef model) throws Exception {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " cannot load models by location (" + model + ")");
    }
}
