package dev.tandem.features.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class EvaluationTest {
    @Test
    void aucOfPerfectRandomAndInvertedRankings() {
        float[] y = {0, 0, 1, 1};
        assertThat(Evaluation.auc(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, y, null))
                .isEqualTo(1.0);
        assertThat(Evaluation.auc(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, y, null))
                .isEqualTo(0.0);
        assertThat(Evaluation.auc(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, y, null))
                .isEqualTo(0.5);
        // one inversion among 4 pairs
        assertThat(Evaluation.auc(new float[] {0.1f, 0.6f, 0.5f, 0.9f}, y, null))
                .isEqualTo(0.75);
    }

    @Test
    void maskedExamplesAreIgnoredAndOneClassGivesNaN() {
        float[] p = {0.9f, 0.1f, 0.8f, 0.2f};
        float[] y = {0, 0, 1, 1};
        assertThat(Evaluation.auc(p, y, new float[] {0, 1, 1, 1})).isEqualTo(1.0);
        assertThat(Evaluation.auc(p, y, new float[] {1, 1, 0, 0})).isNaN();
        Evaluation.Metrics m = Evaluation.evaluate(p, y, new float[] {0, 1, 1, 1}, 10);
        assertThat(m.positives()).isEqualTo(2);
        assertThat(m.evaluated()).isEqualTo(3);
    }

    @Test
    void loglossAndEce() {
        float[] y = {1, 0};
        assertThat(Evaluation.logloss(new float[] {0.5f, 0.5f}, y, null)).isCloseTo(Math.log(2), within(1e-9));
        assertThat(Evaluation.logloss(new float[] {1f, 0f}, y, null)).isLessThan(1e-6); // clipped, finite
        // perfectly calibrated bins: 4 at 0.25 with one positive
        float[] p = {0.25f, 0.25f, 0.25f, 0.25f};
        assertThat(Evaluation.ece(p, new float[] {1, 0, 0, 0}, null, 10)).isCloseTo(0, within(1e-7));
        // everything predicted 0.9, nothing happens: ECE 0.9
        assertThat(Evaluation.ece(new float[] {0.9f, 0.9f}, new float[] {0, 0}, null, 10))
                .isCloseTo(0.9, within(1e-6));
        assertThat(Evaluation.calibration(p, new float[] {1, 0, 0, 0}, null, 10)
                        .get(2)
                        .count())
                .isEqualTo(4);
    }

    @Test
    void figuresArePublishedInOneShapeWithUndefinedValuesAsNull() {
        float[] p = {0.9f, 0.1f, 0.8f, 0.2f};
        float[] y = {0, 0, 1, 1};
        Evaluation.Metrics oneClass = Evaluation.evaluate(p, y, new float[] {1, 1, 0, 0}, 10);
        assertThat(oneClass.figures())
                .containsOnlyKeys("auc", "logloss", "ece", "positives", "evaluated")
                .containsEntry("auc", null)
                .containsEntry("positives", 0L)
                .containsEntry("evaluated", 2L);
        assertThat((Double) oneClass.figures().get("logloss")).isCloseTo(oneClass.logloss(), within(0.0));
        assertThat(Evaluation.evaluate(p, y, new float[4], 10).figures())
                .containsEntry("logloss", null)
                .containsEntry("ece", null);
    }
}
