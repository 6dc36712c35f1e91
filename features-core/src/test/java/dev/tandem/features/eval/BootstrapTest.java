package dev.tandem.features.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The user bootstrap of {@link Evaluation#aucInterval} and {@link Evaluation#aucDifferenceInterval}. */
class BootstrapTest {
    /** Rows of {@code users} users, {@code rowsPerUser} each; a user's labels share a propensity, scores are noise plus signal × label. */
    record Data(float[] p, float[] q, float[] y, int[] group) {
        static Data of(Random rng, int users, int rowsPerUser, double signal) {
            int n = users * rowsPerUser;
            float[] p = new float[n];
            float[] q = new float[n];
            float[] y = new float[n];
            int[] g = new int[n];
            for (int u = 0; u < users; u++) {
                double propensity = rng.nextDouble() < 0.5 ? 0.05 : 0.6; // labels clustered by user
                double userScore = rng.nextGaussian(); // so are scores: a user-level effect unrelated to labels
                for (int j = 0; j < rowsPerUser; j++) {
                    int i = u * rowsPerUser + j;
                    g[i] = u;
                    y[i] = rng.nextDouble() < propensity ? 1 : 0;
                    p[i] = (float) (userScore + rng.nextGaussian() + signal * y[i]);
                    q[i] = p[i] + (float) (0.05 * rng.nextGaussian());
                }
            }
            return new Data(p, q, y, g);
        }
    }

    @Test
    void theIntervalSurroundsTheAucAndIsReproducible() {
        Data d = Data.of(new Random(1), 200, 20, 1.0);
        Evaluation.Interval a = Evaluation.aucInterval(d.p, d.y, null, d.group, 500, 0.95, 7);
        Evaluation.Interval b = Evaluation.aucInterval(d.p, d.y, null, d.group, 500, 0.95, 7);
        assertThat(a).isEqualTo(b);
        assertThat(a.estimate()).isEqualTo(Evaluation.auc(d.p, d.y, null));
        assertThat(a.lower()).isLessThan(a.estimate());
        assertThat(a.upper()).isGreaterThan(a.estimate());
        assertThat(a.undefined()).isZero();
        assertThat(a.figures()).containsOnlyKeys("lower", "upper");
        assertThat(Evaluation.aucInterval(d.p, d.y, null, d.group, 500, 0.95, 8))
                .isNotEqualTo(a);
    }

    @Test
    void aPerfectRankingHasAZeroWidthInterval() {
        float[] p = {0.1f, 0.2f, 0.8f, 0.9f, 0.3f, 0.7f};
        float[] y = {0, 0, 1, 1, 0, 1};
        Evaluation.Interval i = Evaluation.aucInterval(p, y, null, new int[] {0, 1, 2, 0, 1, 2}, 200, 0.95, 1);
        assertThat(i.lower()).isEqualTo(1.0);
        assertThat(i.upper()).isEqualTo(1.0);
    }

    @Test
    void maskedRowsAndTheirUsersAreLeftOut() {
        Data d = Data.of(new Random(2), 100, 10, 1.0);
        float[] mask = new float[d.y.length];
        int[] group = d.group.clone();
        for (int i = 0; i < mask.length; i++) {
            mask[i] = d.group[i] < 50 ? 1 : 0;
        }
        // the same rows with the masked users' rows cut off entirely give the same interval
        int n = 50 * 10;
        Evaluation.Interval masked = Evaluation.aucInterval(d.p, d.y, mask, group, 300, 0.95, 3);
        Evaluation.Interval cut = Evaluation.aucInterval(
                java.util.Arrays.copyOf(d.p, n),
                java.util.Arrays.copyOf(d.y, n),
                null,
                java.util.Arrays.copyOf(group, n),
                300,
                0.95,
                3);
        assertThat(masked).isEqualTo(cut);
    }

    @Test
    void resamplingUsersCoversTheTrueAucOfClusteredNoiseAboutAsOftenAsItClaims() {
        // scores unrelated to labels (true AUC 0.5), but labels and scores clustered by user: resampling rows
        // would claim far too narrow intervals; resampling users covers 0.5 about 95 % of the time
        Random rng = new Random(11);
        int covered = 0;
        int coveredByRows = 0;
        int trials = 200;
        for (int t = 0; t < trials; t++) {
            Data d = Data.of(rng, 40, 25, 0.0);
            Evaluation.Interval byUser = Evaluation.aucInterval(d.p, d.y, null, d.group, 200, 0.95, t);
            int[] eachRowItsOwn = new int[d.y.length];
            for (int i = 0; i < eachRowItsOwn.length; i++) {
                eachRowItsOwn[i] = i;
            }
            Evaluation.Interval byRow = Evaluation.aucInterval(d.p, d.y, null, eachRowItsOwn, 200, 0.95, t);
            covered += byUser.lower() <= 0.5 && 0.5 <= byUser.upper() ? 1 : 0;
            coveredByRows += byRow.lower() <= 0.5 && 0.5 <= byRow.upper() ? 1 : 0;
        }
        assertThat(covered).as("user bootstrap coverage of %d", trials).isBetween(170, 200);
        assertThat(coveredByRows).as("row bootstrap coverage").isLessThan(covered - 30);
    }

    @Test
    void theDifferenceOfTwoCloseScoresIsPairedAndNarrow() {
        Data d = Data.of(new Random(5), 200, 20, 1.0);
        Evaluation.Interval p = Evaluation.aucInterval(d.p, d.y, null, d.group, 500, 0.95, 9);
        Evaluation.Interval diff = Evaluation.aucDifferenceInterval(d.p, d.q, d.y, null, d.group, 500, 0.95, 9);
        assertThat(diff.estimate())
                .isCloseTo(Evaluation.auc(d.p, d.y, null) - Evaluation.auc(d.q, d.y, null), within(1e-12));
        assertThat(diff.upper() - diff.lower())
                .as("paired: far narrower than either AUC's interval")
                .isLessThan((p.upper() - p.lower()) / 5);
        Evaluation.Interval self = Evaluation.aucDifferenceInterval(d.p, d.p, d.y, null, d.group, 100, 0.95, 9);
        assertThat(self.lower()).isZero();
        assertThat(self.upper()).isZero();
    }

    @Test
    void oneClassResamplesAreCountedAsUndefined() {
        // one user holds the only positive: every resample without that user has no positive
        float[] p = {0.9f, 0.1f, 0.2f, 0.3f, 0.4f};
        float[] y = {1, 0, 0, 0, 0};
        Evaluation.Interval i = Evaluation.aucInterval(p, y, null, new int[] {0, 1, 2, 3, 4}, 400, 0.95, 4);
        assertThat(i.undefined()).isBetween(100, 200); // (4/5)^5 ≈ 0.33 of the resamples
        assertThat(i.lower()).isEqualTo(1.0);
    }
}
