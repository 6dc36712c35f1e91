package dev.tandem.features.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.CategoryCount;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.WindowCount;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequenceExamplesTest {
    private static final long T0 =
            1_700_000_400_000L - Math.floorMod(1_700_000_400_000L, 3_600_000L); // on an hour boundary
    private static final long MIN = 60_000;
    private static final long HOUR = 3_600_000;
    private static final SequencePolicy P = SequencePolicy.defaults();

    private int next;

    private UpdateOutcome apply(BehaviourSequence seq, Action action, String category, long time) {
        return SequenceUpdater.apply(seq, new BehaviourEvent("e" + next++, "1", category, action, time));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertThat(P.maxEvents()).isEqualTo(50);
        assertThat(P.grace()).isEqualTo(Duration.ofHours(1));
        assertThat(P.dedupCapacity()).isEqualTo(256);
        assertThat(P.windows())
                .extracting(SequencePolicy.CounterWindow::window)
                .containsExactly(Duration.ofHours(1), Duration.ofHours(24));
        assertThat(P.windows())
                .extracting(SequencePolicy.CounterWindow::bucket)
                .containsExactly(Duration.ofMinutes(5), Duration.ofHours(1));
        assertThat(P.topCategories()).isEqualTo(5);
        assertThat(P.categoryCapacity()).isEqualTo(64);
    }

    @Test
    void windowCountersAtBucketEdges() {
        BehaviourSequence seq = new BehaviourSequence(P);
        apply(seq, Action.VIEW, "c", T0); // first ms of bucket 0 (5-min buckets)
        apply(seq, Action.CART, "c", T0 + 5 * MIN - 1); // last ms of bucket 0
        apply(seq, Action.CLICK, "c", T0 + HOUR - 1); // as of the last ms of bucket 11: both still in the 1 h window
        assertThat(seq.windowCount(0, Action.VIEW)).isEqualTo(1);
        assertThat(seq.windowCount(0, Action.CART)).isEqualTo(1);

        apply(seq, Action.CLICK, "c", T0 + HOUR); // bucket 12: bucket 0 leaves the 1 h window
        assertThat(seq.windowCount(0, Action.VIEW)).isZero();
        assertThat(seq.windowCount(0, Action.CART))
                .as("counted for 55 min + 1 ms only: bucket granularity")
                .isZero();
        assertThat(seq.windowCount(0, Action.CLICK)).isEqualTo(2);
        assertThat(seq.windowCount(1, Action.VIEW)).isEqualTo(1);
        assertThat(seq.windowCount(1, Action.CART)).isEqualTo(1);

        apply(seq, Action.CLICK, "c", T0 + 24 * HOUR - 1); // last ms of hour-bucket 23: all still in the 24 h window
        assertThat(seq.windowCount(1, Action.VIEW)).isEqualTo(1);
        assertThat(seq.windowCount(1, Action.CLICK)).isEqualTo(3);
        assertThat(seq.windowCount(0, Action.CLICK)).isEqualTo(1);
        apply(seq, Action.CLICK, "c", T0 + 24 * HOUR); // hour-bucket 24: hour 0 leaves the 24 h window
        assertThat(seq.windowCount(1, Action.VIEW)).isZero();
        assertThat(seq.windowCount(1, Action.CART)).isZero();
        assertThat(seq.windowCount(1, Action.CLICK))
                .as("the clicks at 1 h and 24 h − 1 ms remain")
                .isEqualTo(3);
    }

    @Test
    void anOutOfOrderEventInAnExpiredBucketIsNotCountedButIsKept() {
        BehaviourSequence seq = new BehaviourSequence(P);
        apply(seq, Action.VIEW, "c", T0 + HOUR);
        assertThat(apply(seq, Action.CART, "c", T0 + 4 * MIN))
                .isEqualTo(UpdateOutcome.ACCEPTED); // within grace, bucket 0
        assertThat(seq.windowCount(0, Action.CART)).isZero();
        assertThat(seq.windowCount(1, Action.CART)).isEqualTo(1);
        assertThat(seq.size()).isEqualTo(2);
        assertThat(seq.action(0)).isEqualTo(Action.CART);
    }

    @Test
    void graceBoundaryIsInclusiveAndPerUser() {
        BehaviourSequence a = new BehaviourSequence(P);
        apply(a, Action.VIEW, "c", T0 + 10 * HOUR);
        assertThat(apply(a, Action.VIEW, "c", T0 + 9 * HOUR)).isEqualTo(UpdateOutcome.ACCEPTED);
        assertThat(apply(a, Action.VIEW, "c", T0 + 9 * HOUR - 1)).isEqualTo(UpdateOutcome.LATE);
        assertThat(a.lateEvents()).isEqualTo(1);
        assertThat(a.sequenceVersion()).isEqualTo(2);
        assertThat(a.windowCount(1, Action.VIEW)).isEqualTo(2);
        // another user's older events are judged against that user's own latest time (logs sorted by user)
        BehaviourSequence b = new BehaviourSequence(P);
        assertThat(apply(b, Action.VIEW, "c", T0)).isEqualTo(UpdateOutcome.ACCEPTED);
    }

    @Test
    void duplicatesAreRecognisedByIdEvenWithAnotherTime() {
        BehaviourSequence seq = new BehaviourSequence(P);
        BehaviourEvent e = new BehaviourEvent("x", "1", "c", Action.VIEW, T0);
        assertThat(SequenceUpdater.apply(seq, e)).isEqualTo(UpdateOutcome.ACCEPTED);
        assertThat(SequenceUpdater.apply(seq, new BehaviourEvent("x", "2", "d", Action.CART, T0 + MIN)))
                .isEqualTo(UpdateOutcome.DUPLICATE);
        assertThat(seq.duplicateEvents()).isEqualTo(1);
        assertThat(seq.sequenceVersion()).isEqualTo(1);
        assertThat(seq.latestEventTimeMs()).isEqualTo(T0);
    }

    @Test
    void idsAreRememberedOnlyWhileACopyCouldStillBeAccepted() {
        BehaviourSequence seq = new BehaviourSequence(P);
        BehaviourEvent first = new BehaviourEvent("first", "1", "c", Action.VIEW, T0);
        SequenceUpdater.apply(seq, first);
        SequenceUpdater.apply(seq, new BehaviourEvent("second", "2", "c", Action.VIEW, T0 + HOUR));
        assertThat(seq.rememberedIds()).isEqualTo(2);
        assertThat(SequenceUpdater.apply(seq, first))
                .as("at the grace boundary")
                .isEqualTo(UpdateOutcome.DUPLICATE);
        SequenceUpdater.apply(seq, new BehaviourEvent("third", "3", "c", Action.VIEW, T0 + HOUR + 1));
        assertThat(seq.rememberedIds())
                .as("first is behind the grace: forgotten")
                .isEqualTo(2);
        assertThat(seq.eventIdHash(0)).isZero();
        assertThat(seq.eventIdHash(1)).isNotZero();
        assertThat(SequenceUpdater.apply(seq, first))
                .as("a copy behind the grace is late, never accepted")
                .isEqualTo(UpdateOutcome.LATE);
        assertThat(seq.sequenceVersion()).isEqualTo(3);
        assertThat(seq.duplicateEvents()).isEqualTo(1);
        assertThat(seq.lateEvents()).isEqualTo(1);
        assertThat(seq.itemId(0)).as("the event itself stays in the sequence").isEqualTo("1");
        assertThat(BehaviourSequence.decode(seq.encode(), P)).isEqualTo(seq);
    }

    @Test
    void dedupForgetsTheOldestBeyondItsCapacity() {
        SequencePolicy p = P.withMaxEvents(2).withDedupCapacity(3);
        BehaviourSequence seq = new BehaviourSequence(p);
        for (int i = 0; i < 4; i++) {
            SequenceUpdater.apply(seq, new BehaviourEvent("id" + i, "1", "c", Action.VIEW, T0 + i));
        }
        assertThat(seq.rememberedIds()).isEqualTo(3);
        assertThat(SequenceUpdater.apply(seq, new BehaviourEvent("id1", "1", "c", Action.VIEW, T0 + 1)))
                .isEqualTo(UpdateOutcome.DUPLICATE);
        assertThat(SequenceUpdater.apply(seq, new BehaviourEvent("id0", "1", "c", Action.VIEW, T0)))
                .as("forgotten: accepted again (the documented limit of de-duplication)")
                .isEqualTo(UpdateOutcome.ACCEPTED);
    }

    @Test
    void categoryTableEvictsTheLowestCountThenTheHighestId() {
        SequencePolicy p = P.withCategories(2, 3);
        BehaviourSequence seq = new BehaviourSequence(p);
        long t = T0;
        for (String c : List.of("a", "a", "a", "b", "b", "10", "9")) {
            apply(seq, Action.VIEW, c, t++);
        }
        // a:3, b:2, 10:1; then "9" finds the table full and evicts "10" (lowest count)
        assertThat(seq.topCategories(3))
                .containsExactly(
                        new BehaviourSequence.CategoryTally("a", 3),
                        new BehaviourSequence.CategoryTally("b", 2),
                        new BehaviourSequence.CategoryTally("9", 1));
        apply(seq, Action.VIEW, "c", t++); // full: evicts "9" (lowest count, last by id), "c" enters with 1
        assertThat(seq.topCategories(3))
                .containsExactly(
                        new BehaviourSequence.CategoryTally("a", 3),
                        new BehaviourSequence.CategoryTally("b", 2),
                        new BehaviourSequence.CategoryTally("c", 1));
        apply(seq, Action.VIEW, "9", t++); // evicts "c"; "9" comes back with count 1 (its history is lost)
        assertThat(seq.topCategories(3))
                .extracting(BehaviourSequence.CategoryTally::categoryId)
                .containsExactly("a", "b", "9");
        assertThat(seq.toUserFeatures("u").getTopCategories())
                .containsExactly(new CategoryCount("a", 3L), new CategoryCount("b", 2L));
    }

    @Test
    void amongEqualCountsTheHighestIdIsEvicted() {
        BehaviourSequence seq = new BehaviourSequence(P.withCategories(2, 4));
        long t = T0;
        for (String c : List.of("b", "b", "10", "9", "a")) { // 9 < 10 (numeric by value) < a (numeric ids first)
            apply(seq, Action.VIEW, c, t++);
        }
        assertThat(seq.topCategories(4))
                .extracting(BehaviourSequence.CategoryTally::categoryId)
                .containsExactly("b", "9", "10", "a");
        apply(seq, Action.VIEW, "8", t++); // evicts "a"
        assertThat(seq.topCategories(4))
                .extracting(BehaviourSequence.CategoryTally::categoryId)
                .containsExactly("b", "8", "9", "10");
        apply(seq, Action.VIEW, "z", t++); // evicts "10", then "z" ranks last
        assertThat(seq.topCategories(4))
                .extracting(BehaviourSequence.CategoryTally::categoryId)
                .containsExactly("b", "8", "9", "z");
    }

    @Test
    void theOldestEventLeavesBeyondNAndOlderOnesNeverEnter() {
        BehaviourSequence seq = new BehaviourSequence(P.withMaxEvents(3));
        for (int i = 0; i < 5; i++) {
            apply(seq, Action.VIEW, "c", T0 + i * MIN);
        }
        assertThat(seq.size()).isEqualTo(3);
        assertThat(seq.eventTimeMs(0)).isEqualTo(T0 + 2 * MIN);
        assertThat(apply(seq, Action.CART, "c", T0 + MIN))
                .isEqualTo(UpdateOutcome.ACCEPTED); // within grace, but older than the 3 kept
        assertThat(seq.eventTimeMs(0)).isEqualTo(T0 + 2 * MIN);
        assertThat(seq.sequenceVersion()).isEqualTo(6);
        assertThat(seq.windowCount(0, Action.CART)).isEqualTo(1);
        apply(seq, Action.CART, "c", T0 + 2 * MIN + 30_000); // in between: inserted, the oldest leaves
        assertThat(seq.eventTimeMs(0)).isEqualTo(T0 + 2 * MIN + 30_000);
        assertThat(seq.action(0)).isEqualTo(Action.CART);
    }

    @Test
    void userFeaturesHaveAFixedShapeAndDeterministicOrder() {
        BehaviourSequence seq = new BehaviourSequence(P);
        UserEvent e = UserEvent.newBuilder()
                .setEventId("a")
                .setUserId("u")
                .setItemId("42")
                .setCategoryId("7")
                .setAction(Action.CART)
                .setEventTime(Instant.ofEpochMilli(T0))
                .setAttributes(Map.of())
                .build();
        SequenceUpdater.apply(seq, e);
        apply(seq, Action.VIEW, "x", T0 - MIN);
        UserFeatures f = seq.toUserFeatures("u");
        assertThat(f.getUserId()).isEqualTo("u");
        assertThat(f.getAsOf()).isEqualTo(Instant.ofEpochMilli(T0));
        assertThat(f.getSequenceVersion()).isEqualTo(2);
        assertThat(f.getEvents())
                .extracting(s -> s.getItemId() + "/" + s.getCategoryId() + "/" + s.getAction())
                .containsExactly("1/x/VIEW", "42/7/CART");
        assertThat(f.getActionCounts()).hasSize(2 * Action.values().length);
        assertThat(f.getActionCounts().subList(0, Action.values().length))
                .extracting(WindowCount::getWindowMs)
                .containsOnly(HOUR);
        assertThat(f.getActionCounts())
                .extracting(WindowCount::getAction)
                .startsWith(Action.values())
                .endsWith(Action.values());
        assertThat(f.getActionCounts())
                .filteredOn(c -> c.getCount() > 0)
                .extracting(c -> c.getWindowMs() + ":" + c.getAction() + "=" + c.getCount())
                .containsExactly(HOUR + ":VIEW=1", HOUR + ":CART=1", 24 * HOUR + ":VIEW=1", 24 * HOUR + ":CART=1");
        assertThat(f.getTopCategories()).containsExactly(new CategoryCount("7", 1L), new CategoryCount("x", 1L));
        assertThat(new BehaviourSequence(P).toUserFeatures("n").getAsOf()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void idsRoundTripExactlyWhetherNumericOrNot() {
        BehaviourSequence seq = new BehaviourSequence(P);
        List<String> ids =
                List.of("0", "123", "0123", "-5", "+5", "4611686018427387904", "99999999999999999999", "ü", "");
        long t = T0;
        for (String id : ids) {
            SequenceUpdater.apply(seq, new BehaviourEvent("e" + id, id, id, Action.VIEW, t++));
        }
        BehaviourSequence decoded = BehaviourSequence.decode(seq.encode(), P);
        for (int i = 0; i < ids.size(); i++) {
            assertThat(decoded.itemId(i)).isEqualTo(ids.get(i));
            assertThat(decoded.categoryId(i)).isEqualTo(ids.get(i));
        }
    }

    @Test
    void fiftyEventsWithNumericIdsEncodeCompactly() {
        BehaviourSequence seq = new BehaviourSequence(P);
        for (int i = 0; i < 300; i++) {
            SequenceUpdater.apply(
                    seq,
                    new BehaviourEvent(
                            "ev-" + i,
                            Integer.toString(100_000 + i * 7),
                            Integer.toString(i % 12),
                            Action.values()[i % 7],
                            T0 + i * 20_000L));
        }
        byte[] bytes = seq.encode();
        // 50 events × ~16 B + 206 older ids × ~10 B + 12 categories + counters
        assertThat(bytes.length).isBetween(2_000, 3_500);
        assertThat(BehaviourSequence.decode(bytes, P)).isEqualTo(seq);
    }

    @Test
    void decodeErrorsAreClear() {
        assertThatThrownBy(() -> BehaviourSequence.decode(new byte[0], P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> BehaviourSequence.decode(new byte[] {3, 0, 0, 0}, P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown BehaviourSequence format version 3 (this code reads 1 and 2)");
        assertThatThrownBy(() -> BehaviourSequence.decode(new byte[] {(byte) 0xFF}, P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format version 255");
        BehaviourSequence seq = new BehaviourSequence(P);
        apply(seq, Action.VIEW, "c", T0);
        byte[] ok = seq.encode();
        assertThatThrownBy(() -> BehaviourSequence.decode(java.util.Arrays.copyOf(ok, ok.length - 1), P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("truncated BehaviourSequence");
        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> BehaviourSequence.decode(trailing, P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 trailing bytes");
        assertThat(BehaviourSequence.decode(new byte[] {1, 0, 0, 0}, P)).isEqualTo(new BehaviourSequence(P));
        assertThat(BehaviourSequence.decode(new byte[] {2, 0, 0, 0}, P)).isEqualTo(new BehaviourSequence(P));
        assertThat(new BehaviourSequence(P).encode()).containsExactly(2, 0, 0, 0);
    }

    @Test
    void overLongIdsAndAbsurdTimesAreRejected() {
        BehaviourSequence seq = new BehaviourSequence(P);
        String longId = "x".repeat(P.maxIdLength() + 1);
        assertThatThrownBy(() -> SequenceUpdater.apply(seq, new BehaviourEvent("e", longId, "c", Action.VIEW, T0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> new BehaviourEvent("e", "1", "c", Action.VIEW, Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(seq.sequenceVersion()).isZero();
    }

    @Test
    void policyIsValidated() {
        assertThatThrownBy(() -> new SequencePolicy.CounterWindow(Duration.ofMinutes(60), Duration.ofMinutes(7)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number of buckets");
        assertThatThrownBy(() -> P.withDedupCapacity(10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dedupCapacity");
        assertThatThrownBy(() -> P.withCategories(10, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topCategories");
        assertThatThrownBy(() -> P.withGrace(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() ->
                        P.withWindows(List.of(P.windows().get(1), P.windows().get(0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> new SequencePolicy.Smoothing(0, 0.1, 0.1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ ItemStats

    @Test
    void itemStatsSmoothedRates() {
        ItemStats stats = new ItemStats(P.withItemSmoothing(new SequencePolicy.Smoothing(10, 0.05, 0.01)));
        for (int i = 0; i < 10; i++) {
            stats.record(Action.VIEW, T0 + i * MIN);
        }
        stats.record(Action.CART, T0 + 11 * MIN);
        stats.record(Action.CART, T0 + 12 * MIN);
        stats.record(Action.PURCHASE, T0 + 13 * MIN);
        assertThat(stats.record(Action.CLICK, T0 + 14 * MIN)).as("not tracked").isFalse();
        ItemStats.WindowStats h1 = stats.window(0, T0 + 20 * MIN);
        assertThat(h1.views()).isEqualTo(10);
        assertThat(h1.carts()).isEqualTo(2);
        assertThat(h1.purchases()).isEqualTo(1);
        assertThat(h1.cartRate()).isCloseTo((2 + 10 * 0.05) / (10 + 10), within(1e-12));
        assertThat(h1.purchaseRate()).isCloseTo((1 + 10 * 0.01) / (10 + 10), within(1e-12));

        // two hours later: gone from 1 h (rates fall back to the prior), still in 24 h
        ItemStats.WindowStats later = stats.window(0, T0 + 2 * HOUR);
        assertThat(later.views()).isZero();
        assertThat(later.cartRate()).isCloseTo(0.05, within(1e-12));
        assertThat(later.purchaseRate()).isCloseTo(0.01, within(1e-12));
        assertThat(stats.window(1, T0 + 2 * HOUR).views()).isEqualTo(10);
        assertThat(stats.asOf(T0 + 25 * HOUR))
                .allSatisfy(w -> assertThat(w.views()).isZero());
        // as of a time before some events: those events are excluded
        assertThat(stats.window(0, T0 + 4 * MIN).views()).isEqualTo(5);
    }

    @Test
    void itemStatsEncodingAndErrors() {
        ItemStats empty = new ItemStats(P);
        assertThat(empty.encode()).containsExactly(1, 0);
        ItemStats stats = new ItemStats(P);
        stats.record(Action.VIEW, T0);
        stats.record(Action.PURCHASE, T0 + HOUR + 1);
        byte[] bytes = stats.encode();
        assertThat(ItemStats.decode(bytes, P)).isEqualTo(stats);
        assertThat(ItemStats.decode(bytes, P).encode()).isEqualTo(bytes);
        assertThatThrownBy(() -> ItemStats.decode(new byte[] {9}, P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown ItemStats format version 9 (this code reads 1)");
        for (int len = 0; len < bytes.length; len++) {
            byte[] prefix = java.util.Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> ItemStats.decode(prefix, P))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching("(truncated|empty) ItemStats.*");
        }
    }

    @Test
    void longHashSetSurvivesChurn() {
        LongHashSet set = new LongHashSet(8);
        java.util.Set<Long> model = new java.util.HashSet<>();
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 100_000; i++) {
            long k = 1 + r.nextInt(40);
            if (model.size() < 8 && r.nextBoolean()) {
                assertThat(set.add(k)).isEqualTo(model.add(k));
            } else {
                assertThat(set.remove(k)).isEqualTo(model.remove(k));
            }
            assertThat(set.size()).isEqualTo(model.size());
        }
        for (long k = 1; k <= 40; k++) {
            assertThat(set.contains(k)).isEqualTo(model.contains(k));
        }
    }
}
