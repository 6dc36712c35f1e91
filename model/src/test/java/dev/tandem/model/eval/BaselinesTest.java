package dev.tandem.model.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.datasets.generator.GeneratorConfig;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.data.ExampleBuilder;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.FunnelConfig;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.GeneratedLog;
import dev.tandem.model.train.Reports;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BaselinesTest {
    static final int BITS = 20;
    static final FeatureSpec SPEC =
            FeatureSpec.defaults().withSequenceLength(10).withBuckets(4096, 256, 64);
    static final FunnelConfig FUNNEL = new FunnelConfig(FunnelConfig.defaults().stages(), Duration.ofHours(1), 0.7);

    static ExampleSet examples(GeneratedLog log) {
        return new ExampleBuilder(new FeatureEncoder(SPEC), SequencePolicy.defaults(), FUNNEL).build(log.events);
    }

    static double auc(ExampleSet s, float[] validation, int t) {
        int k = s.taskCount();
        int n = s.validationCount();
        float[] p = new float[n];
        float[] y = new float[n];
        float[] m = new float[n];
        for (int i = 0; i < n; i++) {
            p[i] = validation[i * k + t];
            y[i] = s.label(s.trainCount() + i, t);
            m[i] = s.known(s.trainCount() + i, t) ? 1 : 0;
        }
        return Evaluation.auc(p, y, m);
    }

    @Test
    void neitherBaselineLooksAtTheValidationLabels() {
        ExampleSet s = examples(new GeneratedLog(GeneratorConfig.of(120, 600, 6_000, 5)));
        float[] flipped = s.labels().clone();
        for (int i = s.trainCount() * s.taskCount(); i < flipped.length; i++) {
            flipped[i] = 1 - flipped[i];
        }
        ExampleSet other = new ExampleSet(
                s.funnel(),
                s.features(),
                flipped,
                s.mask(),
                s.exposureTimeMs(),
                s.userIds(),
                s.itemIds(),
                s.exposureEventIds(),
                s.fitCount(),
                s.trainCount(),
                s.stats(),
                s.nextCategory(),
                s.interactions(),
                s.candidatePrices(),
                s.userRecencyHours());
        assertThat(Baselines.logisticRegression(other, 3).validation())
                .containsExactly(Baselines.logisticRegression(s, 3).validation());
        assertThat(Baselines.popularity(other).validation())
                .containsExactly(Baselines.popularity(s).validation());
        assertThat(Baselines.logisticRegression(other, 3).choices())
                .isEqualTo(Baselines.logisticRegression(s, 3).choices());
    }

    @Test
    void theLogisticRegressionComesCloseToTheCeilingOnGeneratedData() {
        // the model tests' data: the generator's true probabilities are the ceiling
        GeneratedLog log = new GeneratedLog(GeneratorConfig.of(300, 2_000, 20_000, 11));
        ExampleSet s = examples(log);
        double[] ceiling = Reports.ceiling(s, log.truthFor(s.stageNames()));
        Baselines.Fit lr = Baselines.logisticRegression(s, 7);
        Baselines.Fit pop = Baselines.popularity(s);
        for (int t = 0; t < s.taskCount(); t++) {
            double a = auc(s, lr.validation(), t);
            System.out.printf(
                    java.util.Locale.ROOT,
                    "%s: logistic regression %.4f (%s), popularity %.4f (%s), ceiling %.4f%n",
                    s.stageNames().get(t),
                    a,
                    lr.choices().get(t).settings(),
                    auc(s, pop.validation(), t),
                    pop.choices().get(t).settings(),
                    ceiling[t]);
            assertThat(a)
                    .as(s.stageNames().get(t) + ": logistic regression / ceiling")
                    .isGreaterThan(0.95 * ceiling[t]);
            assertThat(a).isGreaterThan(auc(s, pop.validation(), t) + 0.1);
            assertThat(lr.choices().get(t).settings()).containsOnlyKeys("learning_rate", "l2", "epochs");
            assertThat((Map<String, Number>) pop.choices().get(t).settings()).containsOnlyKeys("alpha");
        }
    }

    /** The number of distinct slots n uniformly hashed keys are expected to fill in a table of m. */
    static double uniformDistinct(int n, double m) {
        return m * (1 - Math.pow(1 - 1 / m, n));
    }

    @Test
    void hashedFeaturesSpreadOverTheWholeTableNotAFewThousandSlots() {
        Random rng = new Random(7);
        Set<Integer> ids = new HashSet<>();
        while (ids.size() < 100_000) {
            ids.add(rng.nextInt());
        }
        Set<Integer> slots = new HashSet<>();
        for (int id : ids) {
            int s = Baselines.slot(1, id, BITS);
            assertThat(s).isBetween(Baselines.FIXED_SLOTS, (1 << BITS) - 1);
            slots.add(s);
        }
        double expected = uniformDistinct(ids.size(), (1 << BITS) - Baselines.FIXED_SLOTS); // about 95,400
        assertThat(slots.size())
                .as("distinct slots of 100,000 random ids")
                .isGreaterThan(90_000)
                .isGreaterThan((int) (0.99 * expected));
    }

    @Test
    void smallConsecutiveIdsOfSeveralFieldsDoNotShareSlots() {
        // hashed buckets are small consecutive ints: 8 fields × 4,096 ids in 2^20 slots
        Set<Integer> slots = new HashSet<>();
        int n = 0;
        for (int field = 1; field <= 8; field++) {
            for (int id = 0; id < 4_096; id++) {
                slots.add(Baselines.slot(field, id, BITS));
                n++;
            }
        }
        assertThat(slots.size()).isGreaterThan((int) (0.99 * uniformDistinct(n, (1 << BITS) - Baselines.FIXED_SLOTS)));
    }
}
