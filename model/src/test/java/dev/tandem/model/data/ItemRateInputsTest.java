package dev.tandem.model.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.testdata.TinyModels;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ItemRateInputsTest {
    private static final ExampleSet S = TinyModels.examples();
    private static final int K = S.taskCount();
    private static final int W = ItemRateInputs.PER_TARGET * K;

    private static float[] row(ItemRateInputs r, int i) {
        return Arrays.copyOfRange(r.rows(), i * W, (i + 1) * W);
    }

    private static float[] tableRow(ItemRateInputs r, int bucket) {
        return Arrays.copyOfRange(r.table(), bucket * W, (bucket + 1) * W);
    }

    /** The same examples with other labels. */
    private static ExampleSet withLabels(float[] labels) {
        return new ExampleSet(
                S.funnel(),
                S.features(),
                labels,
                S.mask(),
                S.exposureTimeMs(),
                S.userIds(),
                S.itemIds(),
                S.exposureEventIds(),
                S.fitCount(),
                S.trainCount(),
                S.stats(),
                S.nextCategory(),
                S.interactions(),
                S.candidatePrices(),
                S.userRecencyHours());
    }

    @Test
    void aFitRowsNumbersNeverCarryItsOwnUsersLabels() {
        String user = S.userIds()[0];
        float[] flipped = S.labels().clone();
        for (int i = 0; i < S.fitCount(); i++) {
            if (S.userIds()[i].equals(user)) {
                for (int t = 0; t < K; t++) flipped[i * K + t] = 1 - flipped[i * K + t];
            }
        }
        ItemRateInputs before = ItemRateInputs.of(S);
        ItemRateInputs after = ItemRateInputs.of(withLabels(flipped));
        boolean othersMoved = false;
        for (int i = 0; i < S.fitCount(); i++) {
            if (S.userIds()[i].equals(user)) {
                assertThat(row(after, i)).as("row %d of the flipped user", i).containsExactly(row(before, i));
            } else {
                othersMoved |= !Arrays.equals(row(after, i), row(before, i));
            }
        }
        assertThat(othersMoved)
                .as("the flipped labels do count for other users' rows")
                .isTrue();
    }

    @Test
    void theExportedTableGivesEveryRowNotFittedOnExactlyItsTrainingNumbers() {
        ItemRateInputs r = ItemRateInputs.of(S);
        int vocabulary = S.features().spec().feature(FeatureSpec.CAND_ITEM).vocabulary();
        assertThat(r.table()).hasSize(vocabulary * W);
        for (int i = S.fitCount(); i < S.size(); i++) {
            assertThat(tableRow(r, S.features().candItem[i])).as("row %d", i).containsExactly(row(r, i));
        }
    }

    @Test
    void aBucketNoFitRowExposedGetsTheGlobalRatesWithNoEvidence() {
        ItemRateInputs r = ItemRateInputs.of(S);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < S.fitCount(); i++) seen.add(S.features().candItem[i]);
        int unseen = 1;
        while (seen.contains(unseen)) unseen++;
        float[] row = tableRow(r, unseen);
        for (int t = 0; t < K; t++) {
            double positives = 0;
            double known = 0;
            for (int i = 0; i < S.fitCount(); i++) {
                if (S.known(i, t)) {
                    known++;
                    positives += S.label(i, t);
                }
            }
            assertThat((double) row[ItemRateInputs.PER_TARGET * t])
                    .isCloseTo(positives / known, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(row[ItemRateInputs.PER_TARGET * t + 2]).as("no evidence").isZero();
        }
        // a frequently exposed item has evidence and its own rate
        int busiest = S.features().candItem[0];
        assertThat(tableRow(r, busiest)[2]).isPositive();
    }
}
