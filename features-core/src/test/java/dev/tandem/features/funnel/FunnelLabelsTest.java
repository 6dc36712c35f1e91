package dev.tandem.features.funnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FunnelLabelsTest {
    static final long T0 = 1_700_000_000_000L;
    static final long MIN = 60_000;
    final FunnelLabels<BehaviourEvent> rules =
            FunnelLabels.of(new Funnel(Funnel.defaults().stages(), Duration.ofMinutes(30)));

    static BehaviourEvent ev(String id, String item, Action a, long t) {
        return new BehaviourEvent(id, item, "c", a, t);
    }

    @Test
    void anExposureReachesTheFurthestStageOfItsItemWithinTheHorizon() {
        List<BehaviourEvent> user = rules.timeline(List.of(
                ev("v1", "i1", Action.VIEW, T0),
                ev("c2", "i2", Action.CART, T0 + MIN), // another item
                ev("p1", "i1", Action.PURCHASE, T0 + 10 * MIN), // a purchase reaches the cart stage too
                ev("v3", "i3", Action.VIEW, T0 + 11 * MIN),
                ev("c3", "i3", Action.CART, T0 + 41 * MIN + 1))); // 1 ms past the horizon of v3
        assertThat(rules.reachedStage(user, 0)).isEqualTo(2);
        assertThat(rules.reachedStage(user, 3)).as("past the horizon").isZero();

        float[] labels = new float[4];
        float[] mask = new float[4];
        rules.label(2, false, labels, mask, 0);
        rules.label(0, false, labels, mask, 2);
        assertThat(labels).containsExactly(1, 1, 0, 0);
        assertThat(mask).containsExactly(1, 1, 1, 1);
    }

    @Test
    void aCensoredExposureIsUnknownForTheStagesWithoutAPositive() {
        assertThat(rules.censored(T0, T0 + 30 * MIN)).isFalse();
        assertThat(rules.censored(T0, T0 + 30 * MIN - 1)).isTrue();
        float[] labels = new float[2];
        float[] mask = new float[2];
        rules.label(1, true, labels, mask, 0);
        assertThat(labels).containsExactly(1, 0);
        assertThat(mask).as("the cart happened; the purchase may still come").containsExactly(1, 0);
    }

    @Test
    void theTimelineOrdersByTimeThenStageThenIdAndCountsARepeatedIdOnce() {
        BehaviourEvent cart = ev("a", "i1", Action.CART, T0);
        BehaviourEvent view = ev("b", "i1", Action.VIEW, T0);
        BehaviourEvent click = ev("c", "i1", Action.CLICK, T0); // not a stage: before the exposure
        BehaviourEvent later = ev("d", "i1", Action.VIEW, T0 + 1);
        assertThat(rules.timeline(List.of(later, cart, view, click, cart, ev("a", "i9", Action.CART, T0))))
                .containsExactly(click, view, cart, later);
    }

    @Test
    void aConversionWithoutAnEarlierExposureOfItsItemIsUnexposed() {
        List<BehaviourEvent> user = rules.timeline(List.of(
                ev("v1", "i1", Action.VIEW, T0),
                ev("c1", "i1", Action.CART, T0 + 5 * MIN),
                ev("c2", "i2", Action.CART, T0 + 6 * MIN),
                ev("p1", "i1", Action.PURCHASE, T0 + 31 * MIN)));
        assertThat(rules.exposedBefore(user, 1)).isTrue();
        assertThat(rules.exposedBefore(user, 2)).as("another item").isFalse();
        assertThat(rules.exposedBefore(user, 3))
                .as("the exposure is past the horizon")
                .isFalse();
    }

    @Test
    void aFunnelNeedsDistinctKnownStagesAndAPositiveHorizon() {
        assertThatThrownBy(() -> new Funnel(List.of(Action.VIEW), Duration.ofHours(1)))
                .hasMessageContaining("at least one later stage");
        assertThatThrownBy(() -> new Funnel(List.of(Action.VIEW, Action.VIEW), Duration.ofHours(1)))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> new Funnel(List.of(Action.VIEW, Action.UNKNOWN), Duration.ofHours(1)))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> new Funnel(List.of(Action.VIEW, Action.CART), Duration.ZERO))
                .hasMessageContaining("horizon");
        assertThat(Funnel.defaults().targets()).containsExactly(Action.CART, Action.PURCHASE);
        assertThat(Funnel.defaults().stageOf(Action.CLICK)).isEqualTo(-1);
    }
}
