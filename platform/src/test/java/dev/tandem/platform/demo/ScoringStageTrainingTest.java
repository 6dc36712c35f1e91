package dev.tandem.platform.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.datasets.generator.SyntheticWorld;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.train.StageReport;
import dev.tandem.model.train.TrainedModel;
import dev.tandem.model.train.Trainer;
import dev.tandem.schemas.UserEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's model, trained exactly as {@link ScoringStage} trains it on the demo's default world
 * (seed 42, 500 users, 2,000 items, 20,000 events), must have learnt something: with a funnel
 * horizon longer than the log (the old 24 h default on a log of ~7 h) every exposure was censored,
 * only positives were labelled, and every candidate scored P(cart) = P(purchase) = 1.000.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScoringStageTrainingTest {

    @Test
    void demoModelLearnsFromBothClassesAndServesWhatItLearnt(@TempDir Path out) throws Exception {
        SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(500, 2_000, 20_000, 42));
        List<UserEvent> log = new ArrayList<>();
        world.events().forEachRemaining(e -> log.add(e.toUserEvent()));

        ExampleSet data = ScoringStage.examples(log);
        assertThat(data.stats().censoredExposures()).as("censored exposures").isLessThan(data.size() / 2);

        try (TrainedModel m = new Trainer(ScoringStage.modelConfig(42), null).train(data)) {
            for (StageReport r : m.reports()) {
                assertThat(r.model().evaluated())
                        .as(r.stage() + " evaluated")
                        .isGreaterThan(r.model().positives());
                assertThat(r.model().auc()).as(r.stage() + " AUC").isGreaterThan(0.65);
            }
            float[] pv = m.validationPredictions();
            long saturated = 0;
            for (float p : pv) {
                saturated += p > 0.99f ? 1 : 0;
            }
            assertThat(saturated).as("validation predictions above 0.99").isLessThan(pv.length / 10);

            // the served model (TfBatchScorer, padded reusable tensors) scores as the training session does
            Path dir = m.export(out, "v1");
            int n = 37;
            EncodedBatch rows = new EncodedBatch(data.features().spec(), 64);
            for (int i = 0; i < n; i++) {
                data.features().copyRow(data.trainCount() + i, rows, i);
            }
            rows.setRows(n);
            float[] expected = m.predict(rows);
            try (TfBatchScorer scorer = TfBatchScorer.load(dir, m.stages())) {
                scorer.warmUp(64);
                float[] served = scorer.score(rows);
                assertThat(served).hasSize(expected.length);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(served[i]).as("row %d stage %d", i / 2, i % 2).isCloseTo(expected[i], within(1e-5f));
                }
            }
        }
    }
}
