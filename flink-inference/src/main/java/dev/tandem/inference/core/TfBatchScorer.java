package dev.tandem.inference.core;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A {@link BatchScorer} over an exported SavedModel directory ({@code <root>/<name>/<version>/}),
 * via {@link FunnelScorer}: one TF session (intra-op 1, inter-op −1), tensors closed per call.
 */
public final class TfBatchScorer implements BatchScorer {
    private final FunnelScorer scorer;
    private final FeatureSpec encoderSpec;
    private final List<String> stages;
    private final String name;
    private final String version;

    private TfBatchScorer(FunnelScorer scorer, FeatureSpec encoderSpec, List<String> stages, String name, String version) {
        this.scorer = scorer;
        this.encoderSpec = encoderSpec;
        this.stages = List.copyOf(stages);
        this.name = name;
        this.version = version;
    }

    /** Loads {@code modelDir}; the encoder uses the model's own {@code feature-spec.json}. */
    public static TfBatchScorer load(Path modelDir, List<String> stages) throws Exception {
        FeatureSpec spec = FeatureSpec.read(modelDir);
        FunnelScorer s = FunnelScorer.load(modelDir, spec, stages);
        Path abs = modelDir.toAbsolutePath().normalize();
        String version = abs.getFileName().toString();
        String name = abs.getParent() != null && abs.getParent().getFileName() != null ? abs.getParent().getFileName().toString() : "model";
        return new TfBatchScorer(s, spec, stages, name, version);
    }

    public static BatchScorerFactory factory(String modelDir, List<String> stages) {
        return new Factory(modelDir, List.copyOf(stages));
    }

    @Override
    public FeatureSpec spec() {
        return encoderSpec;
    }

    @Override
    public List<String> stages() {
        return stages;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public String modelVersion() {
        return version;
    }

    @Override
    public float[] score(EncodedBatch batch) {
        return scorer.score(batch);
    }

    /** Scores padding rows at 1 and at every power of two up to {@code maxRows}, and at {@code maxRows}. */
    @Override
    public void warmUp(int maxRows) {
        EncodedBatch b = new EncodedBatch(encoderSpec, Math.max(1, maxRows));
        for (int n = 1; n < maxRows; n <<= 1) {
            b.setRows(n);
            scorer.score(b);
        }
        b.setRows(Math.max(1, maxRows));
        scorer.score(b);
    }

    @Override
    public void close() {
        scorer.close();
    }

    private record Factory(String modelDir, List<String> stages) implements BatchScorerFactory {
        Factory {
            Objects.requireNonNull(modelDir, "modelDir");
        }

        @Override
        public FeatureSpec encoderSpec() throws Exception {
            return FeatureSpec.read(Path.of(modelDir));
        }

        @Override
        public BatchScorer create() throws Exception {
            return load(Path.of(modelDir), stages);
        }
    }
}
