package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsCoreTest {
    @Test
    void keysSplitBackWhateverTheNamesHold() {
        MetricKey total = new MetricKey("fun/nel%", "v/1", "CART", MetricKey.TOTAL);
        assertThat(MetricKey.decode(total.encode())).isEqualTo(total);
        assertThat(total.encode()).isEqualTo("fun%2Fnel%25/v%2F1/CART/total");
        MetricKey w = new MetricKey("m", "v", "PURCHASE", -3_600_000L);
        assertThat(MetricKey.decode(w.encode())).isEqualTo(w);
        assertThat(MetricKey.windowStart(-1, 3_600_000)).isEqualTo(-3_600_000L);
        assertThat(MetricKey.windowStart(7_199_999, 3_600_000)).isEqualTo(3_600_000L);
        assertThatThrownBy(() -> MetricKey.decode("a/b/c")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTallyGradesKnownLabelsAndCountsTheCensoredRest() {
        StageTally t = new StageTally();
        t.add(0.9f, true, false);
        t.add(0.2f, false, false);
        t.add(0.7f, true, true); // censored, but the positive already happened
        t.add(0.4f, false, true); // censored and not reached: unknown
        assertThat(t.histogram().positives()).isEqualTo(2);
        assertThat(t.histogram().negatives()).isEqualTo(1);
        assertThat(t.censored()).isEqualTo(1);
        assertThat(t.outcomes()).isEqualTo(4);
        StageTally back = StageTally.decode(t.encode());
        assertThat(back.censored()).isEqualTo(1);
        assertThat(back.histogram()).isEqualTo(t.histogram());
        assertThat(back.merge(t).outcomes()).isEqualTo(8);
    }

    @Test
    void gradedPredictionsBatchPerPredictionAndSplitBack() {
        PendingPrediction a = new PendingPrediction(
                "a",
                1_000L,
                "m/1",
                "v",
                List.of("CART", "PURCHASE"),
                List.of(
                        new PendingPrediction.Candidate("i", new float[] {0.2f, 0.05f}),
                        new PendingPrediction.Candidate("j", new float[] {0.6f, 0.3f})));
        PendingPrediction b = new PendingPrediction(
                "b", 2_000L, "m/1", "w", List.of("CART"), List.of(new PendingPrediction.Candidate("k", new float[] {0.9f
                })));
        List<GradedBatch> batches = GradedBatch.of(List.of(
                new Outcome(a, 0, new boolean[] {true, false}, false, 5L),
                new Outcome(a, 1, new boolean[] {false, false}, true, 5L),
                new Outcome(b, 0, new boolean[] {true}, false, 5L)));
        assertThat(batches).hasSize(2);
        GradedBatch first = GradedBatch.decode(batches.get(0).encode());
        assertThat(first.model()).isEqualTo("m/1");
        assertThat(first.version()).isEqualTo("v");
        assertThat(first.requestTimeMs()).isEqualTo(1_000L);
        assertThat(first.stages()).containsExactly("CART", "PURCHASE");
        assertThat(first.entries()).hasSize(2);
        assertThat(first.entries().get(0).probabilities()).containsExactly(0.2f, 0.05f);
        assertThat(first.entries().get(0).reached()).containsExactly(true, false);
        assertThat(first.entries().get(0).censored()).isFalse();
        assertThat(first.entries().get(1).probabilities()).containsExactly(0.6f, 0.3f);
        assertThat(first.entries().get(1).censored()).isTrue();
        GradedBatch second = GradedBatch.decode(batches.get(1).encode());
        assertThat(second.version()).isEqualTo("w");
        assertThat(second.stages()).containsExactly("CART");
        assertThat(second.entries().get(0).reached()).containsExactly(true);
        assertThat(GradedBatch.of(List.of())).isEmpty();
        assertThatThrownBy(() -> GradedBatch.decode(new byte[] {9})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gradedBatchKeepsAnyTextAndRefusesTruncatedBytes() {
        // modified UTF-8 as DataOutputStream writes it: non-ASCII, a NUL and a character outside the BMP
        String model = "modèle\u0000\uD83D\uDE80";
        PendingPrediction p = new PendingPrediction(
                "r",
                -5L,
                model,
                "v✓",
                List.of("CART", "ÉTAPE"),
                List.of(new PendingPrediction.Candidate("i", new float[] {Float.NaN, 0.5f})));
        byte[] bytes = GradedBatch.of(List.of(new Outcome(p, 0, new boolean[] {false, true}, false, 1L)))
                .get(0)
                .encode();
        GradedBatch back = GradedBatch.decode(bytes);
        assertThat(back.model()).isEqualTo(model);
        assertThat(back.version()).isEqualTo("v✓");
        assertThat(back.requestTimeMs()).isEqualTo(-5L);
        assertThat(back.stages()).containsExactly("CART", "ÉTAPE");
        assertThat(back.entries().get(0).probabilities()[0]).isNaN();
        assertThat(back.entries().get(0).reached()).containsExactly(false, true);
        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> GradedBatch.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
