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

    static final int EARLY = 30;

    /**
     * {@value #EARLY} exposures of another user, two days apart, long before T0: they fill the training period,
     * so every exposure from T0 on validates (kept whole, never purged) and can be looked at as it was labelled.
     */
    void earlyTrainingPeriod() {
        for (int i = 0; i < EARLY; i++) {
            ev("early", "old" + i, Action.VIEW, T0 - 2000 * H + i * 48 * H);
        }
    }

    static long rowsOf(ExampleSet s, String user) {
        return Arrays.stream(s.userIds()).filter(user::equals).count();
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
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "a", Action.CART, T0 + H);
        ev("u1", "a", Action.PURCHASE, T0 + 2 * H);
        ev("u1", "b", Action.VIEW, T0 + 3 * H);
        ev("u1", "b", Action.CART, T0 + 28 * H); // past the 24 h horizon
        ev("u1", "c", Action.VIEW, T0 + 4 * H);
        ev("u1", "c", Action.PURCHASE, T0 + 5 * H); // bought without a cart: reaching PURCHASE implies CART
        ev("u1", "d", Action.VIEW, T0 + 6 * H);
        ev("u1", "e", Action.CART, T0 + 6 * H + 1); // another item: no label for d
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(rowsOf(s, "u1")).isEqualTo(4);
        assertThat(row(s, "u1", "a", T0)).isGreaterThanOrEqualTo(s.trainCount());
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
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u2", "x", Action.VIEW, T0 + 1); // another user's event is not u1's next one
        ev("u1", "b", Action.FAVORITE, T0 + 2 * H); // any action counts, however much later
        ev("u1", "b", Action.VIEW, T0 + 3 * H);
        ev("u1", "b", Action.CART, T0 + 3 * H); // same instant: the view comes first, the cart is next
        ev("u1", "c", Action.VIEW, T0 + 4 * H); // u1's last event
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.nextCategory()).hasSize(s.size());
        assertThat(s.nextCategory()[row(s, "u1", "a", T0)])
                .isEqualTo(enc.categoryId("c-b"))
                .isPositive();
        assertThat(s.nextCategory()[row(s, "u1", "b", T0 + 3 * H)]).isEqualTo(enc.categoryId("c-b"));
        assertThat(s.nextCategory()[row(s, "u1", "c", T0 + 4 * H)])
                .as("no next event: masked")
                .isZero();
        assertThat(s.nextCategory()[row(s, "u2", "x", T0 + 1)]).isZero();
        ExampleSet kept = s.withoutTrainingRows(i -> i == 0);
        assertThat(kept.nextCategory()[kept.size() - 1]).isEqualTo(s.nextCategory()[s.size() - 1]);
    }

    @Test
    void featuresAreTheStateJustBeforeTheExposure() {
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "b", Action.VIEW, T0 + 1000);
        ev("u1", "b", Action.CART, T0 + 1000); // same time: the view comes first
        farEnd();
        ExampleSet s = builder.build(log);
        int first = row(s, "u1", "a", T0);
        int second = row(s, "u1", "b", T0 + 1000);
        int l = spec.sequenceLength();
        assertThat(Arrays.copyOfRange(s.features().seqItem, first * l, first * l + l))
                .containsOnly(0);
        assertThat(Arrays.copyOfRange(s.features().seqItem, second * l, second * l + l))
                .containsExactly(0, 0, 0, enc.itemId("a"));
        assertThat(s.features().candItem[second]).isEqualTo(enc.itemId("b"));
        assertThat(s.features().candCategory[second]).isEqualTo(enc.categoryId("c-b"));
        assertThat(labels(s, second)).containsExactly(1f, 0f);
    }

    @Test
    void exposuresWhoseHorizonRunsPastTheEndAreCensoredPerStage() {
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "b", Action.VIEW, T0 + 30 * H);
        ev("u1", "b", Action.CART, T0 + 31 * H);
        ev("u1", "c", Action.VIEW, T0 + 32 * H);
        ev("u1", "x", Action.FAVORITE, T0 + 40 * H); // data end: b and c are within 24 h of it
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

    /** VIEW → CART → PURCHASE within 1 h, 70 % train, the default selection slice. */
    final ExampleBuilder hourly = new ExampleBuilder(
            enc,
            SequencePolicy.defaults(),
            new FunnelConfig(FunnelConfig.defaults().stages(), java.time.Duration.ofHours(1), 0.7));

    @Test
    void splitsByTheTimeOrderOfExposuresAcrossUsersPurgesWhatReachesTheSplitAndKeepsTheEndOfTrainingForSelection() {
        for (int i = 0; i < 10; i++) {
            ev(i % 2 == 0 ? "even" : "odd", "i" + i, Action.VIEW, T0 + i * H);
        }
        farEnd();
        ExampleSet s = hourly.build(log);
        // the first 7 exposures are the training period; the one at 6 h has its 1 h horizon reach the split at 7 h
        assertThat(s.stats().purgedExposures()).isEqualTo(1);
        assertThat(s.stats().exposures()).isEqualTo(10);
        assertThat(s.size()).isEqualTo(9);
        assertThat(s.trainCount()).isEqualTo(6);
        assertThat(s.selectionCount()).as("15 % of 6, rounded").isEqualTo(1);
        assertThat(s.fitCount()).isEqualTo(5);
        assertThat(s.validationCount()).isEqualTo(3);
        assertThat(s.exposureTimeMs()).doesNotContain(T0 + 6 * H);
        for (int i = 1; i < s.size(); i++) {
            assertThat(s.exposureTimeMs()[i]).isGreaterThan(s.exposureTimeMs()[i - 1]);
        }
        assertThat(s.stats().splitTimeMs()).isEqualTo(T0 + 7 * H);
        assertThat(s.stats().selectionStartMs()).isEqualTo(T0 + 5 * H);
        assertThat(s.stats().fitExamples() + s.stats().selectionExamples())
                .isEqualTo(s.stats().trainExamples());
        assertThat(s.stats().users()).isEqualTo(3);
        for (int i = 0; i < s.trainCount(); i++) {
            assertThat(s.exposureTimeMs()[i] + H)
                    .as("no kept training label reaches the validation period")
                    .isLessThan(s.stats().splitTimeMs());
        }
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
        ExampleSet s = hourly.build(log);
        // carts at i = 0, 3 (fit), 6 (purged) and 9 (validation); i = 5 is the selection slice
        assertThat(s.stats().trainPositives()).containsExactly(2L, 0L);
        assertThat(s.stats().selectionPositives()).containsExactly(0L, 0L);
        assertThat(s.stats().validationPositives()).containsExactly(1L, 0L);
        assertThat(s.stats().validationEvaluated()).containsExactly(3L, 3L);
    }

    @Test
    void brandAndPriceAreWhatTheLogKnewBeforeTheExposure() {
        earlyTrainingPeriod();
        // u1 sees "a" before anything says its brand or price; u2 buys it at 99 from acme; u3 sees it after
        log.add(new LoggedEvent("u1", new BehaviourEvent("v1", "a", "c-a", Action.VIEW, T0), null, null));
        log.add(new LoggedEvent("u2", new BehaviourEvent("p2", "a", "c-a", Action.PURCHASE, T0 + H), "acme", 99.0));
        log.add(new LoggedEvent("u3", new BehaviourEvent("v3", "a", "c-a", Action.VIEW, T0 + 2 * H), null, null));
        log.add(new LoggedEvent(
                "u4", new BehaviourEvent("v4", "a", "c-a", Action.VIEW, T0 + 3 * H), null, 5.0)); // its own price wins
        log.add(new LoggedEvent("u5", new BehaviourEvent("v5", "a", "c-a", Action.VIEW, T0 + 4 * H), null, null));
        farEnd();
        ExampleSet s = builder.build(log);
        int u1 = row(s, "u1", "a", T0);
        assertThat(s.features().candBrand[u1]).as("no brand known yet").isZero();
        assertThat(s.features().candPrice[u1]).as("no price known yet").isZero();
        int u3 = row(s, "u3", "a", T0 + 2 * H);
        assertThat(s.features().candBrand[u3]).isEqualTo(enc.brandId("acme"));
        assertThat(s.features().candPrice[u3]).isEqualTo(enc.priceId(99.0));
        assertThat(s.features().candPrice[row(s, "u4", "a", T0 + 3 * H)]).isEqualTo(enc.priceId(5.0));
        assertThat(s.features().candPrice[row(s, "u5", "a", T0 + 4 * H)])
                .as("the newest earlier price")
                .isEqualTo(enc.priceId(5.0));
        // the raw numbers the drift reference bins: the same price, NaN where the bucket says unknown
        assertThat(s.candidatePrices()[u1]).isNaN();
        assertThat(s.candidatePrices()[u3]).isEqualTo(99.0);
        assertThat(s.candidatePrices()[row(s, "u5", "a", T0 + 4 * H)]).isEqualTo(5.0);
    }

    @Test
    void theRecencyBehindTheDenseInputIsKeptRawForTheDriftReference() {
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "b", Action.VIEW, T0 + 3 * H);
        farEnd();
        ExampleSet s = builder.build(log);
        assertThat(s.userRecencyHours()[row(s, "u1", "a", T0)])
                .as("no history yet")
                .isNaN();
        int second = row(s, "u1", "b", T0 + 3 * H);
        assertThat(s.userRecencyHours()[second]).isEqualTo(3.0);
        // the encoder's recency slot is log1p(hours) / log1p(scale) of that same number
        float slot = s.features().userDense[(second + 1) * spec.denseWidth() - 2];
        assertThat((double) slot)
                .isCloseTo(
                        Math.log1p(3.0) / Math.log1p(spec.recencyScaleHours()),
                        org.assertj.core.api.Assertions.within(1e-6));
        ExampleSet fewer = s.withoutTrainingRows(i -> true);
        assertThat(fewer.userRecencyHours()[fewer.size() - 1]).isEqualTo(s.userRecencyHours()[s.size() - 1]);
    }

    @Test
    void candidateInteractionsAreTheUsersHistoryJustBeforeTheExposure() {
        earlyTrainingPeriod();
        ev("u1", "a", Action.VIEW, T0);
        ev("u1", "a", Action.CART, T0 + H);
        ev("u1", "b", Action.VIEW, T0 + H + 1);
        ev("u1", "a", Action.VIEW, T0 + 3 * H);
        ev("u1", "a", Action.PURCHASE, T0 + 3 * H); // same instant, after the view: not in its history
        farEnd();
        ExampleSet s = builder.build(log);
        var layout = s.interactionLayout();
        int w = layout.width();
        int first = row(s, "u1", "a", T0);
        int second = row(s, "u1", "a", T0 + 3 * H);
        float[] x = s.interactions();
        assertThat(x).hasSize(s.size() * w);
        assertThat(x[first * w + layout.historyEventsIndex()]).isZero();
        var item = dev.tandem.features.interaction.CandidateInteractions.Scope.ITEM;
        assertThat(x[second * w + layout.countIndex(item, 0)]).isEqualTo(1f);
        assertThat(x[second * w + layout.hoursSinceIndex(item, 0)]).isEqualTo(3f);
        assertThat(x[second * w + layout.countIndex(item, 1)]).isEqualTo(1f);
        assertThat(x[second * w + layout.hoursSinceIndex(item, 1)]).isEqualTo(2f);
        assertThat(x[second * w + layout.countIndex(item, 2)]).isZero();
        assertThat(x[second * w + layout.viewShareIndex()]).isEqualTo(0.5f);
        assertThat(x[second * w + layout.historyEventsIndex()]).isEqualTo(3f);
        ExampleSet kept = s.withoutTrainingRows(i -> i < 3);
        assertThat(Arrays.copyOfRange(kept.interactions(), (kept.size() - 1) * w, kept.size() * w))
                .containsExactly(Arrays.copyOfRange(x, (s.size() - 1) * w, s.size() * w));
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
        assertThatThrownBy(() -> builder.build(log))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no examples");
        assertThatThrownBy(() -> builder.build(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no examples");
    }

    @Test
    void invalidAvroEventsAreCountedNotTrained() {
        UserEvent good =
                new UserEvent("g1", "u1", "a", "c", Action.VIEW, Instant.ofEpochMilli(T0), null, null, null, Map.of());
        UserEvent bad = new UserEvent(
                "b1", "u1", "a", "c", Action.UNKNOWN, Instant.ofEpochMilli(T0), null, null, null, Map.of());
        UserEvent far = new UserEvent(
                "g2",
                "u2",
                "z",
                "c",
                Action.FAVORITE,
                Instant.ofEpochMilli(T0 + 1000 * H),
                9.5,
                "acme",
                null,
                Map.of());
        ExampleSet s = builder.buildFromUserEvents(List.of(good, bad, far));
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.stats().invalidEvents()).isEqualTo(1);
        assertThat(s.stats().events()).isEqualTo(3);
    }

    @Test
    void otherFunnelsAreConfiguration() {
        FunnelConfig f = new FunnelConfig(
                List.of(Action.IMPRESSION, Action.CLICK, Action.CART, Action.PURCHASE),
                java.time.Duration.ofHours(1),
                0.5);
        ExampleBuilder b = new ExampleBuilder(enc, SequencePolicy.defaults(), f);
        ev("u1", "a", Action.IMPRESSION, T0);
        ev("u1", "a", Action.CLICK, T0 + 10);
        ev("u1", "a", Action.VIEW, T0 + 20);
        ev("u1", "a", Action.CART, T0 + 2 * H); // past the 1 h horizon
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
