package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureSpec;
import java.io.Serializable;

/** Creates one {@link BatchScorer} per scoring subtask (shipped with the job graph, so serializable). */
public interface BatchScorerFactory extends Serializable {

    /** The spec the join encodes rows with; known when the job graph is built. */
    FeatureSpec encoderSpec() throws Exception;

    BatchScorer create() throws Exception;
}
