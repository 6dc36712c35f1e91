package dev.tandem.monitoring.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
