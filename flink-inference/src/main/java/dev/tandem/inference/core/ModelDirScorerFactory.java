package dev.tandem.inference.core;

import dev.tandem.model.features.FeatureSpec;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A {@link BatchScorerFactory} for scorers built around one exported model directory: the join encodes
 * rows with the directory's {@code feature-spec.json}, and {@code scorers} makes each subtask's scorer
 * from the directory, that spec and the stages. For scorers that wrap or stand in for a SavedModel
 * (benchmark references such as a no-model or a one-call-per-candidate scorer); the job's own scorer is
 * {@link TfBatchScorer#factory}. It loads no other versions: model-control commands are refused.
 */
public record ModelDirScorerFactory(String modelDir, List<String> stages, Scorers scorers)
        implements BatchScorerFactory {

    /** Makes a subtask's scorer; serializable, as it ships with the job graph (a lambda targeting it is). */
    @FunctionalInterface
    public interface Scorers extends Serializable {
        BatchScorer create(Path modelDir, FeatureSpec spec, List<String> stages) throws Exception;
    }

    public ModelDirScorerFactory {
        Objects.requireNonNull(modelDir, "modelDir");
        stages = List.copyOf(stages);
        Objects.requireNonNull(scorers, "scorers");
    }

    public ModelDirScorerFactory(Path modelDir, List<String> stages, Scorers scorers) {
        this(modelDir.toString(), stages, scorers);
    }

    @Override
    public FeatureSpec encoderSpec() throws Exception {
        return FeatureSpec.read(Path.of(modelDir));
    }

    @Override
    public BatchScorer create() throws Exception {
        return scorers.create(Path.of(modelDir), encoderSpec(), stages);
    }
}
