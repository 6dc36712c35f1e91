package dev.tandem.model.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.model.serving.TfSessionOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The fixture other modules' tests rely on: both classes labelled, the stages it declares, an exported SavedModel. */
@Timeout(120)
class TinyModelsTest {
    @Test
    void theLogHasBothClassesForEveryStage() {
        ExampleSet data = TinyModels.examples();
        assertThat(data.stageNames()).isEqualTo(TinyModels.STAGES);
        for (int t = 0; t < data.taskCount(); t++) {
            int positives = 0;
            int negatives = 0;
            for (int row = 0; row < data.size(); row++) {
                if (!data.known(row, t)) continue;
                if (data.label(row, t) > 0) positives++;
                else negatives++;
            }
            assertThat(positives).as(data.stageNames().get(t) + " positives").isPositive();
            assertThat(negatives).as(data.stageNames().get(t) + " negatives").isPositive();
        }
    }

    @Test
    void trainExportsTheModelUnderItsNameAndVersion(@TempDir Path root) throws Exception {
        Path dir = TinyModels.train(root, "v1", 7);
        assertThat(dir).isEqualTo(root.resolve(TinyModels.NAME).resolve("v1"));
        assertThat(dir.resolve("saved_model.pb")).exists();
        assertThat(FeatureSpec.read(dir)).isEqualTo(TinyModels.SPEC);
        // it serves the stages it declares, in that order
        try (FunnelScorer scorer =
                FunnelScorer.load(dir, TinyModels.SPEC, TinyModels.STAGES, TfSessionOptions.defaults())) {
            EncodedBatch row = new EncodedBatch(TinyModels.SPEC, 1);
            row.setRows(1);
            float[] p = scorer.score(row);
            assertThat(p).hasSize(TinyModels.STAGES.size());
            for (float x : p) {
                assertThat(x).isBetween(0f, 1f);
            }
        }
    }
}
