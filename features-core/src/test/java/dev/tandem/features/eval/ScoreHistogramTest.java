package dev.tandem.features.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreHistogramTest {
    /** n predictions whose log-odds are normal around {@code centre}, positives shifted by {@code signal}. */
    static float[][] data(long seed, int n, double centre, double signal, double baseRate) {
        Random rnd = new Random(seed);
        float[] p = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            boolean positive = rnd.nextDouble() < baseRate;
            double z = centre + rnd.nextGaussian() * 1.5 + (positive ? signal : 0);
            p[i] = (float) (1 / (1 + Math.exp(-z)));
            y[i] = positive ? 1 : 0;
        }
        return new float[][] {p, y};
    }

    static ScoreHistogram of(float[] p, float[] y, int from, int to) {
        ScoreHistogram h = new ScoreHistogram();
        for (int i = from; i < to; i++) h.add(p[i], y[i] > 0.5f);
        return h;
    }

    @Test
    void aucIsWithinOneThousandthOfTheExactAucOnRandomData() {
        // common stages (centre 0), rare ones (centre −6: p ≈ 0.25 %), weak and strong signal
        double[][] cases = {{0, 1, 0.3}, {-2, 0.5, 0.1}, {-6, 1.5, 0.01}, {-9, 2, 0.002}, {3, 0.2, 0.9}};
        for (int c = 0; c < cases.length; c++) {
            float[][] d = data(100 + c, 50_000, cases[c][0], cases[c][1], cases[c][2]);
            ScoreHistogram h = of(d[0], d[1], 0, d[0].length);
            double exact = Evaluation.auc(d[0], d[1], null);
            assertThat(h.auc()).as("case %s", Arrays.toString(cases[c])).isCloseTo(exact, within(0.001));
            assertThat(Math.abs(h.auc() - exact)).as("the bound holds").isLessThanOrEqualTo(h.aucTieBound() + 1e-12);
            assertThat(h.aucTieBound()).as("and is small").isLessThan(0.01);
        }
    }

    @Test
    void everyOtherFigureIsEvaluationsOnTheSamePredictions() {
        float[][] d = data(7, 20_000, -3, 1, 0.05);
        ScoreHistogram h = of(d[0], d[1], 0, d[0].length);
        Evaluation.Metrics exact = Evaluation.evaluate(d[0], d[1], null, ScoreHistogram.RELIABILITY_BINS);
        Evaluation.Metrics m = h.metrics();
        assertThat(m.positives()).isEqualTo(exact.positives());
        assertThat(m.evaluated()).isEqualTo(exact.evaluated());
        assertThat(m.logloss()).isCloseTo(exact.logloss(), within(1e-9));
        assertThat(m.ece()).isCloseTo(exact.ece(), within(1e-9));
        for (int b = 0; b < ScoreHistogram.RELIABILITY_BINS; b++) {
            Evaluation.CalibrationBin x = exact.calibration().get(b);
            Evaluation.CalibrationBin o = m.calibration().get(b);
            assertThat(o.count()).isEqualTo(x.count());
            assertThat(o.lower()).isEqualTo(x.lower());
            if (x.count() > 0) {
                assertThat(o.meanPredicted()).isCloseTo(x.meanPredicted(), within(1e-9));
                assertThat(o.observedRate()).isCloseTo(x.observedRate(), within(1e-12));
            }
        }
        double mean = 0;
        for (float p : d[0]) mean += p;
        assertThat(h.meanPrediction()).isCloseTo(mean / d[0].length, within(1e-9));
        assertThat(h.baseRate()).isEqualTo((double) exact.positives() / exact.evaluated());
        assertThat(h.negatives()).isEqualTo(exact.evaluated() - exact.positives());
    }

    @Test
    void mergeIsAssociativeAndCommutativeAndEqualsOneHistogramOfEverything() {
        float[][] d = data(3, 9_000, -1, 1, 0.2);
        ScoreHistogram a = of(d[0], d[1], 0, 2_000);
        ScoreHistogram b = of(d[0], d[1], 2_000, 6_500);
        ScoreHistogram c = of(d[0], d[1], 6_500, 9_000);
        ScoreHistogram left = a.copy().merge(b).merge(c);
        ScoreHistogram right = a.copy().merge(b.copy().merge(c));
        ScoreHistogram swapped = c.copy().merge(a).merge(b);
        ScoreHistogram whole = of(d[0], d[1], 0, 9_000);
        for (ScoreHistogram h : List.of(right, swapped, whole)) {
            assertThat(h.bucketCounts(true)).isEqualTo(left.bucketCounts(true));
            assertThat(h.bucketCounts(false)).isEqualTo(left.bucketCounts(false));
            assertThat(h.auc()).isEqualTo(left.auc()); // counts only: exactly equal
            assertThat(h.positives()).isEqualTo(left.positives());
            assertThat(h.logloss()).isCloseTo(left.logloss(), within(1e-12));
            assertThat(h.ece()).isCloseTo(left.ece(), within(1e-12));
        }
        assertThat(a.count())
                .as("merging into a copy leaves the original alone")
                .isEqualTo(2_000);
    }

    @Test
    void smallProbabilitiesKeepTheirResolution() {
        // a rare stage: 1e-4 and 1.2e-4 must not share a bucket, nor 0.5 and 0.52
        assertThat(ScoreHistogram.bucket(1e-4)).isLessThan(ScoreHistogram.bucket(1.2e-4));
        assertThat(ScoreHistogram.bucket(0.5)).isLessThan(ScoreHistogram.bucket(0.52));
        assertThat(ScoreHistogram.bucket(0)).isZero();
        assertThat(ScoreHistogram.bucket(1)).isEqualTo(ScoreHistogram.BUCKETS - 1);
        for (int b = 0; b < ScoreHistogram.BUCKETS; b += 37) {
            double mid = (ScoreHistogram.lowerEdge(b) + ScoreHistogram.lowerEdge(b + 1)) / 2;
            assertThat(ScoreHistogram.bucket(mid)).isEqualTo(b);
        }
    }

    @Test
    void undefinedFiguresAreNaN() {
        ScoreHistogram h = new ScoreHistogram();
        assertThat(h.auc()).isNaN();
        assertThat(h.logloss()).isNaN();
        assertThat(h.ece()).isNaN();
        assertThat(h.baseRate()).isNaN();
        h.add(0.3f, false);
        assertThat(h.auc()).as("one class").isNaN();
        assertThat(h.metrics().figures()).containsEntry("auc", null).containsEntry("evaluated", 1L);
        assertThatThrownBy(() -> h.add(Float.NaN, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bytesRoundTripAndBadBytesAreRefused() {
        float[][] d = data(5, 3_000, -4, 1, 0.05);
        ScoreHistogram h = of(d[0], d[1], 0, 3_000);
        byte[] bytes = h.encode();
        assertThat(ScoreHistogram.decode(bytes)).isEqualTo(h);
        assertThat(ScoreHistogram.decode(new ScoreHistogram().encode())).isEqualTo(new ScoreHistogram());
        assertThat(bytes.length)
                .as("sparse: far below 1,000 buckets × 2 counts")
                .isLessThan(2_000);
        assertThatThrownBy(() -> ScoreHistogram.decode(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> ScoreHistogram.decode(trailing)).hasMessageContaining("trailing");
        byte[] version = bytes.clone();
        version[0] = 9;
        assertThatThrownBy(() -> ScoreHistogram.decode(version)).hasMessageContaining("version");
    }

    /** n predictions with log-odds normal around {@code centre}; each labelled positive with probability {@code q(p)}. */
    static ScoreHistogram labelledBy(long seed, int n, double centre, java.util.function.DoubleUnaryOperator q) {
        Random rnd = new Random(seed);
        ScoreHistogram h = new ScoreHistogram();
        for (int i = 0; i < n; i++) {
            float p = (float) (1 / (1 + Math.exp(-(centre + rnd.nextGaussian() * 1.5))));
            h.add(p, rnd.nextDouble() < q.applyAsDouble(p));
        }
        return h;
    }

    @Test
    void expectedAucMatchesTheRealizedAucOfACalibratedModelAndIgnoresTheLabels() {
        for (double centre : new double[] {0, -3, -6}) {
            ScoreHistogram calibrated = labelledBy(7, 200_000, centre, p -> p);
            assertThat(calibrated.expectedAuc()).as("centre %s", centre).isCloseTo(calibrated.auc(), within(0.01));
            // the same scores, labelled at random: the estimate is the same (it never reads a label) and wrong,
            // which is what a realized AUC beside it shows
            ScoreHistogram noise = labelledBy(7, 200_000, centre, p -> calibrated.baseRate());
            assertThat(noise.expectedAuc()).isCloseTo(calibrated.expectedAuc(), within(0.005));
            assertThat(noise.auc()).isCloseTo(0.5, within(0.03));
        }
    }

    @Test
    void expectedAucIsNaNWhenEmptyAndAHalfWhenEveryScoreIsTheSame() {
        assertThat(new ScoreHistogram().expectedAuc()).isNaN();
        ScoreHistogram same = new ScoreHistogram();
        for (int i = 0; i < 100; i++) same.add(0.2f, i % 5 == 0);
        assertThat(same.expectedAuc()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void aucStandardErrorIsHanleyMcNeilsAndMatchesTheSpreadOfTheAucOverSamples() {
        // Hanley and McNeil (1982): A = 0.8, 50 and 50 cases: Q1 = 2/3, Q2 = 0.7111, SE = 0.0445
        assertThat(ScoreHistogram.aucStandardError(0.8, 50, 50)).isCloseTo(0.0445, within(0.0001));
        assertThat(ScoreHistogram.aucStandardError(Double.NaN, 50, 50)).isNaN();
        assertThat(ScoreHistogram.aucStandardError(0.8, 0, 50)).isNaN();
        assertThat(new ScoreHistogram().aucStandardError()).isNaN();

        // 300 independent samples of one calibrated model: the AUC's standard deviation over them against the
        // error each sample states for itself
        int samples = 300;
        double[] auc = new double[samples];
        double stated = 0;
        for (int k = 0; k < samples; k++) {
            ScoreHistogram h = labelledBy(100 + k, 2_000, -1, p -> p);
            auc[k] = h.auc();
            stated += h.aucStandardError() / samples;
        }
        double mean = Arrays.stream(auc).average().orElseThrow();
        double sd =
                Math.sqrt(Arrays.stream(auc).map(a -> (a - mean) * (a - mean)).sum() / (samples - 1));
        assertThat(stated).isCloseTo(sd, withinPercentage(20));
    }
}
