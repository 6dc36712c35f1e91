package dev.tandem.bench.scoring;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.model.features.FeatureSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The scoring job's factory for the bench's stand-ins of its scorer ({@link NoModelScorer}, {@link PerCandidateScorer}):
 * rows are encoded with {@code modelDir}'s feature spec, so the join does the same work as with the model itself.
 */
record StandInScorerFactory(String modelDir, List<String> stages, Kind kind) implements BatchScorerFactory {
    enum Kind {
        NO_MODEL,
        PER_CANDIDATE
    }

    StandInScorerFactory {
        stages = List.copyOf(stages);
    }

    @Override
    public FeatureSpec encoderSpec() throws Exception {
        return FeatureSpec.read(Path.of(modelDir));
    }

    @Override
    public BatchScorer create() throws Exception {
        return switch (kind) {
            case NO_MODEL -> new NoModelScorer(encoderSpec(), stages);
            case PER_CANDIDATE ->
                new PerCandidateScorer(TfBatchScorer.factory(modelDir, stages).create());
        };
    }
}
