package dev.tandem.bench.scoring;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A scorer with no model: every row gets 0.5 for every stage, at the cost of one array. The scoring job run with it
 * measures everything but TensorFlow (Kafka in, decode, keyed join and encoding, batching, assembling and writing
 * predictions exactly once), the plumbing the model's cost adds to.
 */
final class NoModelScorer implements BatchScorer {
    private final FeatureSpec spec;
    private final List<String> stages;

    NoModelScorer(FeatureSpec spec, List<String> stages) {
        this.spec = spec;
        this.stages = stages;
    }

    /** Encodes rows with {@code modelDir}'s feature spec, so the join does the same work as with the model. */
    static BatchScorerFactory factory(Path modelDir, List<String> stages) {
        return new StandInScorerFactory(modelDir.toString(), stages, StandInScorerFactory.Kind.NO_MODEL);
    }

    @Override
    public FeatureSpec spec() {
        return spec;
    }

    @Override
    public List<String> stages() {
        return stages;
    }

    @Override
    public String modelName() {
        return "no-model";
    }

    @Override
    public String modelVersion() {
        return "0";
    }

    @Override
    public float[] score(EncodedBatch batch) {
        float[] out = new float[batch.rows() * stages.size()];
        Arrays.fill(out, 0.5f);
        return out;
    }

    @Override
    public void close() {}
}
