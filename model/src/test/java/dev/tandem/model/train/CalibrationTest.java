package dev.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * A two-stage funnel whose model reports σ(z1)·σ(z2) while the truth is σ(0.5·z1)·σ(1.5·z2): over-confident at the
     * first stage, under-confident at the second. The fit recovers both scales, and calibrating lowers each stage's
     * log loss.
     */
    @Test
    void recoversEachStagesTemperatureAlongTheChain() {
        int rows = 60_000;
        int k = 2;
        Random rnd = new Random(11);
        float[] reach = new float[rows * k];
        float[] y = new float[rows * k];
        float[] m = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            double z1 = rnd.nextGaussian() * 2 - 1;
            double z2 = rnd.nextGaussian() * 1.5 - 0.5;
            reach[i * k] = (float) sigmoid(z1);
            reach[i * k + 1] = (float) (sigmoid(z1) * sigmoid(z2));
            boolean first = rnd.nextDouble() < sigmoid(0.5 * z1);
            boolean second = first && rnd.nextDouble() < sigmoid(1.5 * z2);
            y[i * k] = first ? 1 : 0;
            y[i * k + 1] = second ? 1 : 0;
            m[i * k] = 1;
            m[i * k + 1] = 1;
        }

        double[] s = Calibration.inverseTemperatures(reach, y, m, k);

        assertThat(s[0]).isCloseTo(0.5, within(0.05));
        assertThat(s[1]).isCloseTo(1.5, within(0.15));
        double[] ones = {1, 1};
        double[] before = new double[rows];
        java.util.Arrays.fill(before, 1.0);
        double[] z = new double[rows];
        for (int i = 0; i < rows; i++) z[i] = Math.log(reach[i * k] / (1 - reach[i * k]));
        assertThat(Calibration.loss(s[0], z, before, y, m, 0, k))
                .isLessThan(Calibration.loss(ones[0], z, before, y, m, 0, k));
    }

    @Test
    void aCalibratedModelKeepsAScaleNearOneAndAStageWithoutBothClassesKeepsOne() {
        int rows = 40_000;
        int k = 2;
        Random rnd = new Random(3);
        float[] reach = new float[rows * k];
        float[] y = new float[rows * k];
        float[] m = new float[rows * k];
        for (int i = 0; i < rows; i++) {
            double z1 = rnd.nextGaussian() * 1.5;
            reach[i * k] = (float) sigmoid(z1);
            reach[i * k + 1] = reach[i * k] * 0.1f;
            y[i * k] = rnd.nextDouble() < sigmoid(z1) ? 1 : 0;
            y[i * k + 1] = 0; // no positive at the second stage
            m[i * k] = 1;
            m[i * k + 1] = 1;
        }

        double[] s = Calibration.inverseTemperatures(reach, y, m, k);

        assertThat(s[0]).isCloseTo(1.0, within(0.05));
        assertThat(s[1]).isEqualTo(1.0);
    }
}
