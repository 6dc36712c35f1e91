package dev.tandem.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleBuilderTest {
    static final long H = 3_600_000L;
    static final long T0 = 1_700_000_000_000L;
    final FeatureSpec spec = FeatureSpec.defaults().withSequenceLength(4).withBuckets(1000, 100, 50);
    final FeatureEncoder enc = new FeatureEncoder(spec);
    final ExampleBuilder builder = new ExampleBuilder(enc, SequencePolicy.defaults(), FunnelConfig.defaults());

    final List<LoggedEvent> log = new ArrayList<>();
    int ids;

    void ev(String user, String item, Action a, long t) {
        log.add(new LoggedEvent(user, new BehaviourEvent("e" + (ids++), item, "c-" + item, a, t), null, null));
    }

    /** Keeps the data end far away, so nothing below is censored unless a test wants it. */
    void farEnd() {
        ev("zz", "far", Action.FAVORITE, T0 + 1000 * H);
    }

    int row(ExampleSet s, String user, String item, long t) {
        for (int i = 0; i < s.size(); i++) {
            if (s.userIds()[i].equals(user) && s.itemIds()[i].equals(item) && s.exposureTimeMs()[i] == t) {
                return i;
            }
        }
        throw new AssertionError("no example " + user + "/" + item + "@" + t);
    }

    @Test
    void labelsComeFromLaterEventsOfTheSameItemWithinTheHorizon() {
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "a", Action.CART, T0 + H);
        ev("u1", "a", Action.PURCHASE, T0 + 2 * H);
        ev("u1", "b", Action.VIEW, T0 + 3 * H);
        ev("u1", "b", Action.CART, T0 + 28 * H);        // past the 24 h horizon
        ev("u1", "c", Action.VIEW, T0 + 4 * H);
        ev("u1", "c", Action.PURCHASE, T0 + 5 * H);     // bought without a cart: reaching PURCHASE implies CART
        ev("u1", "d", Action.VIEW, T0 + 6 * H);
        ev("u1", "e", Action.CART, T0 + 6 * H + 1);     // another item: no label for d
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.size()).isEqualTo(4);
        assertThat(labels(s, row(s, "u1", "a", T0))).containsExactly(1f, 1f);
        assertThat(labels(s, row(s, "u1", "b", T0 + 3 * H))).containsExactly(0f, 0f);
        assertThat(labels(s, row(s, "u1", "c", T0 + 4 * H))).containsExactly(1f, 1f);
        assertThat(labels(s, row(s, "u1", "d", T0 + 6 * H))).containsExactly(0f, 0f);
        assertThat(s.stats().censoredExposures()).isZero();
        // the cart of b came 25 h after its view, the cart of e had no view at all
        assertThat(s.stats().unexposedConversions()).containsExactly(2L, 0L);
    }

    @Test
    void theAuxiliaryLabelIsTheCategoryBucketOfTheUsersNextEvent() {
        ev("u1", "a", Action.VIEW, T0);
        ev("u2", "x", Action.VIEW, T0 + 1);             // another user's event is not u1's next one
        ev("u1", "b", Action.FAVORITE, T0 + 2 * H);     // any action counts, however much later
        ev("u1", "b", Action.VIEW, T0 + 3 * H);
        ev("u1", "b", Action.CART, T0 + 3 * H);         // same instant: the view comes first, the cart is next
        ev("u1", "c", Action.VIEW, T0 + 4 * H);         // u1's last event
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.nextCategory()).hasSize(s.size());
        assertThat(s.nextCategory()[row(s, "u1", "a", T0)]).isEqualTo(enc.categoryId("c-b")).isPositive();
        assertThat(s.nextCategory()[row(s, "u1", "b", T0 + 3 * H)]).isEqualTo(enc.categoryId("c-b"));
        assertThat(s.nextCategory()[row(s, "u1", "c", T0 + 4 * H)]).as("no next event: masked").isZero();
        assertThat(s.nextCategory()[row(s, "u2", "x", T0 + 1)]).isZero();
        ExampleSet kept = s.withoutTrainingRows(i -> i == 0);
        assertThat(kept.nextCategory()[kept.size() - 1]).isEqualTo(s.nextCategory()[s.size() - 1]);
    }

    @Test
    void featuresAreTheStateJustBeforeTheExposure() {
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "b", Action.VIEW, T0 + 1000);
        ev("u1", "b", Action.CART, T0 + 1000);          // same time: the view comes first
        farEnd();
        ExampleSet s = builder.build(log);
        int first = row(s, "u1", "a", T0);
        int second = row(s, "u1", "b", T0 + 1000);
        int l = spec.sequenceLength();
        assertThat(Arrays.copyOfRange(s.features().seqItem, first * l, first * l + l)).containsOnly(0);
        assertThat(Arrays.copyOfRange(s.features().seqItem, second * l, second * l + l)).containsExactly(0, 0, 0, enc.itemId("a"));
        assertThat(s.features().candItem[second]).isEqualTo(enc.itemId("b"));
        assertThat(s.features().candCategory[second]).isEqualTo(enc.categoryId("c-b"));
        assertThat(labels(s, second)).containsExactly(1f, 0f);
    }

    @Test
    void exposuresWhoseHorizonRunsPastTheEndAreCensoredPerStage() {
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "b", Action.VIEW, T0 + 30 * H);
        ev("u1", "b", Action.CART, T0 + 31 * H);
        ev("u1", "c", Action.VIEW, T0 + 32 * H);
        ev("u1", "x", Action.FAVORITE, T0 + 40 * H);    // data end: b and c are within 24 h of it
        ExampleSet s = builder.build(log);
        int a = row(s, "u1", "a", T0);
        int b = row(s, "u1", "b", T0 + 30 * H);
        int c = row(s, "u1", "c", T0 + 32 * H);
        assertThat(s.known(a, 0)).isTrue();
        assertThat(s.known(a, 1)).isTrue();
        assertThat(s.known(b, 0)).as("a positive is known even when censored").isTrue();
        assertThat(s.known(b, 1)).as("a purchase could still arrive").isFalse();
        assertThat(s.known(c, 0)).isFalse();
        assertThat(s.known(c, 1)).isFalse();
        assertThat(s.stats().censoredExposures()).isEqualTo(2);
        assertThat(s.stats().censoredNegatives()).containsExactly(1L, 2L);
    }

    @Test
    void splitsByTheTimeOrderOfExposuresAcrossUsers() {
        for (int i = 0; i < 10; i++) {
            ev(i % 2 == 0 ? "even" : "odd", "i" + i, Action.VIEW, T0 + i * H);
        }
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.size()).isEqualTo(10);
        assertThat(s.trainCount()).isEqualTo(7);
        assertThat(s.validationCount()).isEqualTo(3);
        for (int i = 1; i < s.size(); i++) {
            assertThat(s.exposureTimeMs()[i]).isGreaterThan(s.exposureTimeMs()[i - 1]);
        }
        assertThat(s.stats().splitTimeMs()).isEqualTo(T0 + 7 * H);
        assertThat(s.stats().users()).isEqualTo(3);
    }

    @Test
    void positivesAreCountedPerStageAndSplit() {
        for (int i = 0; i < 10; i++) {
            ev("u", "i" + i, Action.VIEW, T0 + i * H);
            if (i % 3 == 0) {
                ev("u", "i" + i, Action.CART, T0 + i * H + 1);
            }
        }
        farEnd();
        ExampleSet s = builder.build(log);
        // carts at i = 0, 3, 6 (train) and 9 (validation)
        assertThat(s.stats().trainPositives()).containsExactly(3L, 0L);
        assertThat(s.stats().validationPositives()).containsExactly(1L, 0L);
        assertThat(s.stats().validationEvaluated()).containsExactly(3L, 3L);
    }

    @Test
    void repeatedEventIdsCountOnce() {
        ev("u1", "a", Action.VIEW, T0);
        log.add(log.get(0));
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.stats().duplicateEvents()).isEqualTo(1);
    }

    @Test
    void aLogWithoutExposuresIsRefusedClearly() {
        ev("u1", "a", Action.CART, T0);
        assertThatThrownBy(() -> builder.build(log)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no examples");
        assertThatThrownBy(() -> builder.build(List.of())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no examples");
    }

    @Test
    void invalidAvroEventsAreCountedNotTrained() {
        UserEvent good = new UserEvent("g1", "u1", "a", "c", Action.VIEW, Instant.ofEpochMilli(T0), null, null, null, Map.of());
        UserEvent bad = new UserEvent("b1", "u1", "a", "c", Action.UNKNOWN, Instant.ofEpochMilli(T0), null, null, null, Map.of());
        UserEvent far = new UserEvent("g2", "u2", "z", "c", Action.FAVORITE, Instant.ofEpochMilli(T0 + 1000 * H), 9.5, "acme", null, Map.of());
        ExampleSet s = builder.buildFromUserEvents(List.of(good, bad, far));
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.stats().invalidEvents()).isEqualTo(1);
        assertThat(s.stats().events()).isEqualTo(3);
    }

    @Test
    void otherFunnelsAreConfiguration() {
        FunnelConfig f = new FunnelConfig(List.of(Action.IMPRESSION, Action.CLICK, Action.CART, Action.PURCHASE), java.time.Duration.ofHours(1), 0.5);
        ExampleBuilder b = new ExampleBuilder(enc, SequencePolicy.defaults(), f);
        ev("u1", "a", Action.IMPRESSION, T0);
        ev("u1", "a", Action.CLICK, T0 + 10);
        ev("u1", "a", Action.VIEW, T0 + 20);
        ev("u1", "a", Action.CART, T0 + 2 * H);     // past the 1 h horizon
        ev("u1", "b", Action.IMPRESSION, T0 + 3 * H);
        farEnd();
        ExampleSet s = b.build(log);
        assertThat(s.taskCount()).isEqualTo(3);
        assertThat(s.stageNames()).containsExactly("CLICK", "CART", "PURCHASE");
        assertThat(labels(s, row(s, "u1", "a", T0))).containsExactly(1f, 0f, 0f);
        assertThat(s.trainCount()).isEqualTo(1);
    }

    static float[] labels(ExampleSet s, int i) {
        return Arrays.copyOfRange(s.labels(), i * s.taskCount(), (i + 1) * s.taskCount());
    }
}
