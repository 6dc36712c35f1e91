package dev.tandem.bench.scoring;

import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.BatchScorerFactory;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * The record-by-record reference of issue #5: the same SavedModel, one session call per candidate,
 * which is what a plain Flink map function calling TensorFlow per record does. The job around it is
 * unchanged (same join, encoding, sinks), so the ratio to it is what batching across keys buys.
 */
final class PerCandidateScorer implements BatchScorer {
    private final BatchScorer model;
    private final EncodedBatch one;

    PerCandidateScorer(BatchScorer model) {
        this.model = model;
        this.one = new EncodedBatch(model.spec(), 1);
    }

    static BatchScorerFactory factory(Path modelDir, List<String> stages) {
        return new StandInScorerFactory(modelDir.toString(), stages, StandInScorerFactory.Kind.PER_CANDIDATE);
    }

    @Override
    public FeatureSpec spec() {
        return model.spec();
    }

    @Override
    public List<String> stages() {
        return model.stages();
    }

    @Override
    public String modelName() {
        return model.modelName();
    }

    @Override
    public String modelVersion() {
        return model.modelVersion();
    }

    @Override
    public float[] score(EncodedBatch batch) {
        int k = stages().size();
        float[] out = new float[batch.rows() * k];
        one.setRows(1);
        for (int r = 0; r < batch.rows(); r++) {
            batch.copyRow(r, one, 0);
            System.arraycopy(model.score(one), 0, out, r * k, k);
        }
        return out;
    }

    @Override
    public void warmUp(int maxRows) {
        model.warmUp(1);
    }

    @Override
    public void close() {
        model.close();
    }
}
