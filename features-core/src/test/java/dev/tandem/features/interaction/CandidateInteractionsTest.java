package dev.tandem.features.interaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.features.interaction.CandidateInteractions.Scope;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.schemas.Action;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CandidateInteractionsTest {
    static final long T0 = 1_700_000_000_000L;
    static final long HOUR = 3_600_000L;
    static final CandidateInteractions CI =
            new CandidateInteractions(List.of(Action.VIEW, Action.CART, Action.PURCHASE));

    private int next;

    private void apply(BehaviourSequence seq, String item, String category, Action action, long time) {
        SequenceUpdater.apply(seq, new BehaviourEvent("e" + next++, item, category, action, time));
    }

    @Test
    void countsAndAgesPerActionOnTheItemAndItsCategory() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        apply(seq, "i1", "c1", Action.VIEW, T0);
        apply(seq, "i1", "c1", Action.VIEW, T0 + HOUR);
        apply(seq, "i1", "c1", Action.CART, T0 + 2 * HOUR);
        apply(seq, "i2", "c1", Action.VIEW, T0 + 3 * HOUR);
        apply(seq, "i3", "c2", Action.VIEW, T0 + 4 * HOUR);
        apply(seq, "i3", "c2", Action.FAVORITE, T0 + 5 * HOUR); // not an action of interest, still an event
        float[] out = new float[CI.width() + 1];
        CI.compute(seq, "i1", "c1", T0 + 6 * HOUR, out, 1);

        assertThat(out[0]).as("nothing before the offset").isZero();
        assertThat(out[1 + CI.countIndex(Scope.ITEM, 0)]).isEqualTo(2f);
        assertThat(out[1 + CI.hoursSinceIndex(Scope.ITEM, 0)]).isEqualTo(5f);
        assertThat(out[1 + CI.countIndex(Scope.ITEM, 1)]).isEqualTo(1f);
        assertThat(out[1 + CI.hoursSinceIndex(Scope.ITEM, 1)]).isEqualTo(4f);
        assertThat(out[1 + CI.countIndex(Scope.ITEM, 2)]).isZero();
        assertThat(out[1 + CI.hoursSinceIndex(Scope.ITEM, 2)]).isEqualTo(CandidateInteractions.NEVER);
        assertThat(out[1 + CI.countIndex(Scope.CATEGORY, 0)]).isEqualTo(3f);
        assertThat(out[1 + CI.hoursSinceIndex(Scope.CATEGORY, 0)]).isEqualTo(3f);
        assertThat(out[1 + CI.countIndex(Scope.CATEGORY, 1)]).isEqualTo(1f);
        assertThat(out[1 + CI.viewShareIndex()]).isCloseTo(3f / 4, within(1e-6f));
        assertThat(out[1 + CI.hoursSinceLastEventIndex()]).isEqualTo(1f);
        assertThat(out[1 + CI.historyEventsIndex()]).isEqualTo(6f);
        assertThat(CI.names()).hasSize(CI.width()).doesNotHaveDuplicates();
        assertThat(CI.names().get(CI.hoursSinceIndex(Scope.CATEGORY, 1))).isEqualTo("category_hours_since_CART");
    }

    @Test
    void anEmptyHistoryOrAnUnknownCategoryMatchesNothing() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        float[] out = new float[CI.width()];
        CI.compute(seq, "i1", "c1", T0, out, 0);
        for (Scope s : Scope.values()) {
            for (int a = 0; a < 3; a++) {
                assertThat(out[CI.countIndex(s, a)]).isZero();
                assertThat(out[CI.hoursSinceIndex(s, a)]).isEqualTo(CandidateInteractions.NEVER);
            }
        }
        assertThat(out[CI.viewShareIndex()]).isZero();
        assertThat(out[CI.hoursSinceLastEventIndex()]).isEqualTo(CandidateInteractions.NEVER);

        apply(seq, "i9", "", Action.VIEW, T0);
        CI.compute(seq, "i1", null, T0, out, 0);
        assertThat(out[CI.countIndex(Scope.CATEGORY, 0)]).isZero();
        assertThat(out[CI.viewShareIndex()]).isZero();
    }

    @Test
    void theStreamingJobsUserFeaturesGiveTheSameFiguresAsTheLiveSequence() {
        Random rng = new Random(3);
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        Action[] actions = {Action.VIEW, Action.VIEW, Action.VIEW, Action.CART, Action.PURCHASE, Action.CLICK};
        long t = T0;
        for (int i = 0; i < 80; i++) { // more than the 50 kept: both views hold the same kept events
            t += rng.nextInt(3) * 60_000L;
            apply(seq, "i" + rng.nextInt(6), "c" + rng.nextInt(3), actions[rng.nextInt(actions.length)], t);
        }
        float[] live = new float[CI.width()];
        float[] published = new float[CI.width()];
        for (int item = 0; item < 6; item++) {
            CI.compute(seq, "i" + item, "c" + item % 3, t + HOUR, live, 0);
            CI.compute(seq.toUserFeatures("u"), "i" + item, "c" + item % 3, t + HOUR, published, 0);
            assertThat(published).as("item %d", item).containsExactly(live);
        }
        assertThat(live[CI.historyEventsIndex()]).isEqualTo(50f);
    }

    @Test
    void refusesARepeatedAction() {
        assertThatThrownBy(() -> new CandidateInteractions(List.of(Action.VIEW, Action.VIEW)))
                .hasMessageContaining("twice");
    }
}
