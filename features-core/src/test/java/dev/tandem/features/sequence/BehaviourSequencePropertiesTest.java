package dev.tandem.features.sequence;

import static dev.tandem.features.sequence.Gen.SMALL;
import static dev.tandem.features.sequence.Gen.replay;
import static dev.tandem.features.sequence.Gen.sortedByTime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.Action;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class BehaviourSequencePropertiesTest {

    @Provide
    Arbitrary<List<BehaviourEvent>> fewCategories() {
        return Gen.uniqueEvents(Gen.FEW_CATEGORIES, 60);
    }

    /** Anything: many categories (evictions), repeated ids (duplicates), any arrival order (late events). */
    @Provide
    Arbitrary<List<BehaviourEvent>> messy() {
        Arbitrary<BehaviourEvent> e = Combinators.combine(
                        Arbitraries.integers().between(0, 40).map(i -> "id-" + i),
                        Gen.specs(Gen.MANY_CATEGORIES, 400),
                        Arbitraries.longs().between(-3_400_000_000_000L, 0))
                .as((id, s, shift) ->
                        new BehaviourEvent(id, s.item(), s.category(), s.action(), s.time() + shift / 1000 * 1000));
        return e.list().ofMaxSize(80);
    }

    @Property
    void sizeIsBoundedAndEventsAreInTimeOrder(@ForAll("messy") List<BehaviourEvent> events) {
        BehaviourSequence seq = new BehaviourSequence(SMALL);
        int accepted = 0;
        int late = 0;
        int duplicate = 0;
        for (BehaviourEvent e : events) {
            switch (SequenceUpdater.apply(seq, e)) {
                case ACCEPTED -> accepted++;
                case LATE -> late++;
                case DUPLICATE -> duplicate++;
            }
            assertThat(seq.size()).isLessThanOrEqualTo(SMALL.maxEvents());
            int withinGrace = 0;
            for (int i = 0; i < seq.size(); i++) {
                boolean within = seq.latestEventTimeMs() - seq.eventTimeMs(i) <= SMALL.graceMs();
                assertThat(seq.eventIdHash(i) != 0)
                        .as("event %d keeps its hash exactly while within the grace", i)
                        .isEqualTo(within);
                withinGrace += within ? 1 : 0;
            }
            assertThat(seq.rememberedIds())
                    .isLessThanOrEqualTo(SMALL.dedupCapacity())
                    .isGreaterThanOrEqualTo(withinGrace);
            assertThat(seq.categoryCount()).isLessThanOrEqualTo(SMALL.categoryCapacity());
        }
        assertThat(seq.encode().length).isLessThanOrEqualTo(BehaviourSequence.maxEncodedSize(SMALL));
        assertThat(seq.sequenceVersion()).isEqualTo(accepted);
        assertThat(seq.lateEvents()).isEqualTo(late);
        assertThat(seq.duplicateEvents()).isEqualTo(duplicate);
        for (int i = 1; i < seq.size(); i++) {
            long t0 = seq.eventTimeMs(i - 1);
            long t1 = seq.eventTimeMs(i);
            // behind the grace the hashes are forgotten (0): nothing can be inserted among those events any more
            boolean forgotten = seq.eventIdHash(i - 1) == 0 && seq.eventIdHash(i) == 0;
            assertThat(t0 < t1 || (t0 == t1 && (forgotten || seq.eventIdHash(i - 1) < seq.eventIdHash(i))))
                    .as("event %d before event %d by (time, id hash)", i - 1, i)
                    .isTrue();
        }
        if (seq.hasEvents()) {
            assertThat(seq.eventTimeMs(seq.size() - 1)).isEqualTo(seq.latestEventTimeMs());
        }
    }

    @Property
    void arrivalOrderWithinGraceDoesNotMatter(
            @ForAll("fewCategories") List<BehaviourEvent> events, @ForAll Random random) {
        List<BehaviourEvent> shuffled = Gen.shuffleWithinGrace(events, SMALL.graceMs(), random);
        BehaviourSequence seq = new BehaviourSequence(SMALL);
        for (BehaviourEvent e : shuffled) {
            assertThat(SequenceUpdater.apply(seq, e)).isEqualTo(UpdateOutcome.ACCEPTED);
        }
        BehaviourSequence sorted = replay(SMALL, sortedByTime(events));
        assertThat(seq).isEqualTo(sorted);
        assertThat(seq.encode()).isEqualTo(sorted.encode());
        assertThat(seq.toUserFeatures("u")).isEqualTo(sorted.toUserFeatures("u"));
    }

    /** A copy of an event is a DUPLICATE while the event is within the grace of the latest time, LATE after. */
    @Property
    void replayingAnySubsetTwiceChangesNothingButTheRejectionCounts(
            @ForAll("fewCategories") List<BehaviourEvent> generated, @ForAll Random random) {
        // within the dedup capacity: at most dedupCapacity distinct events
        List<BehaviourEvent> events =
                sortedByTime(generated.subList(0, Math.min(generated.size(), SMALL.dedupCapacity())));
        BehaviourSequence once = replay(SMALL, events);

        List<BehaviourEvent> twice = new ArrayList<>(events);
        int replayed = 0;
        for (BehaviourEvent e : events) {
            if (random.nextBoolean()) {
                int original = twice.indexOf(e);
                twice.add(original + 1 + random.nextInt(twice.size() - original), e); // anywhere after the original
                replayed++;
            }
        }
        BehaviourSequence seq = new BehaviourSequence(SMALL);
        java.util.Set<BehaviourEvent> seen = new java.util.HashSet<>();
        long latest = Long.MIN_VALUE;
        int duplicates = 0;
        int late = 0;
        for (BehaviourEvent e : twice) {
            UpdateOutcome expected = !seen.add(e)
                    ? (latest - e.eventTimeMs() <= SMALL.graceMs() ? UpdateOutcome.DUPLICATE : UpdateOutcome.LATE)
                    : UpdateOutcome.ACCEPTED;
            assertThat(SequenceUpdater.apply(seq, e)).isEqualTo(expected);
            duplicates += expected == UpdateOutcome.DUPLICATE ? 1 : 0;
            late += expected == UpdateOutcome.LATE ? 1 : 0;
            latest = Math.max(latest, e.eventTimeMs());
        }
        assertThat(duplicates + late).isEqualTo(replayed);
        assertThat(seq.duplicateEvents()).isEqualTo(duplicates);
        assertThat(seq.lateEvents()).isEqualTo(late);
        BehaviourSequence normalised = seq.withRejections(once.lateEvents(), once.duplicateEvents());
        assertThat(normalised).isEqualTo(once);
        assertThat(normalised.encode()).isEqualTo(once.encode());
    }

    @Property
    void lateEventsAreCountedAndExcluded(
            @ForAll("fewCategories") List<BehaviourEvent> generated, @ForAll Random random) {
        List<BehaviourEvent> arrival = new ArrayList<>(generated);
        Collections.shuffle(arrival, random); // any order: some events fall behind the grace
        BehaviourSequence seq = new BehaviourSequence(SMALL);
        List<BehaviourEvent> accepted = new ArrayList<>();
        long max = Long.MIN_VALUE;
        int late = 0;
        for (BehaviourEvent e : arrival) {
            boolean expectLate = max != Long.MIN_VALUE && e.eventTimeMs() < max - SMALL.graceMs();
            UpdateOutcome outcome = SequenceUpdater.apply(seq, e);
            assertThat(outcome).isEqualTo(expectLate ? UpdateOutcome.LATE : UpdateOutcome.ACCEPTED);
            if (expectLate) {
                late++;
            } else {
                accepted.add(e);
                max = Math.max(max, e.eventTimeMs());
            }
        }
        assertThat(seq.lateEvents()).isEqualTo(late);
        BehaviourSequence expected = replay(SMALL, sortedByTime(accepted));
        assertThat(seq.withRejections(0, 0)).isEqualTo(expected);
    }

    @Property
    void stateMatchesAReferenceModel(@ForAll("fewCategories") List<BehaviourEvent> generated, @ForAll Random random) {
        List<BehaviourEvent> events = Gen.shuffleWithinGrace(generated, SMALL.graceMs(), random);
        BehaviourSequence seq = replay(SMALL, events);

        Comparator<BehaviourEvent> key = Comparator.comparingLong(BehaviourEvent::eventTimeMs)
                .thenComparingLong(e -> Codec.eventIdHash(e.eventId()));
        List<BehaviourEvent> sorted = new ArrayList<>(events);
        sorted.sort(key);
        List<BehaviourEvent> lastN = sorted.subList(Math.max(0, sorted.size() - SMALL.maxEvents()), sorted.size());
        assertThat(seq.size()).isEqualTo(lastN.size());
        for (int i = 0; i < lastN.size(); i++) {
            BehaviourEvent e = lastN.get(i);
            assertThat(seq.eventTimeMs(i)).isEqualTo(e.eventTimeMs());
            assertThat(seq.itemId(i)).isEqualTo(e.itemId());
            assertThat(seq.categoryId(i)).isEqualTo(e.categoryId());
            assertThat(seq.action(i)).isEqualTo(e.action());
        }
        if (events.isEmpty()) {
            assertThat(seq.hasEvents()).isFalse();
            return;
        }
        long latest = sorted.get(sorted.size() - 1).eventTimeMs();
        assertThat(seq.latestEventTimeMs()).isEqualTo(latest);
        for (int w = 0; w < SMALL.windows().size(); w++) {
            SequencePolicy.CounterWindow win = SMALL.windows().get(w);
            long head = Math.floorDiv(latest, win.bucketMs());
            for (Action a : Action.values()) {
                long expected = events.stream()
                        .filter(e -> e.action() == a)
                        .filter(e -> Math.floorDiv(e.eventTimeMs(), win.bucketMs()) > head - win.buckets())
                        .count();
                assertThat(seq.windowCount(w, a))
                        .as("window %s action %s", win.window(), a)
                        .isEqualTo(expected);
            }
        }
        // UserFeatures counts every action of a window in one pass: the same numbers
        var counts = seq.toUserFeatures("u").getActionCounts();
        assertThat(counts).hasSize(SMALL.windows().size() * Action.values().length);
        for (int k = 0; k < counts.size(); k++) {
            int w = k / Action.values().length;
            assertThat(counts.get(k).getWindowMs())
                    .isEqualTo(SMALL.windows().get(w).windowMs());
            assertThat(counts.get(k).getCount())
                    .isEqualTo(seq.windowCount(w, counts.get(k).getAction()));
        }
        Map<String, Long> byCategory = new HashMap<>();
        events.forEach(e -> byCategory.merge(e.categoryId(), 1L, Long::sum));
        List<BehaviourSequence.CategoryTally> expectedTop = byCategory.entrySet().stream()
                .map(en -> new BehaviourSequence.CategoryTally(en.getKey(), en.getValue()))
                .sorted(Comparator.comparingLong(BehaviourSequence.CategoryTally::count)
                        .reversed()
                        .thenComparing(
                                BehaviourSequence.CategoryTally::categoryId,
                                BehaviourSequencePropertiesTest::compareIds))
                .limit(SMALL.topCategories())
                .toList();
        assertThat(seq.topCategories(SMALL.topCategories())).isEqualTo(expectedTop);
    }

    private static int compareIds(String a, String b) {
        long na = Codec.numericId(a);
        long nb = Codec.numericId(b);
        return Codec.compareIds(na, na < 0 ? a : null, nb, nb < 0 ? b : null);
    }

    @Property
    void encodingRoundTripsExactly(
            @ForAll("messy") List<BehaviourEvent> events, @ForAll("messy") List<BehaviourEvent> more) {
        BehaviourSequence seq = replay(SMALL, events);
        byte[] bytes = seq.encode();
        BehaviourSequence decoded = BehaviourSequence.decode(bytes, SMALL);
        assertThat(decoded).isEqualTo(seq);
        assertThat(decoded.encode()).isEqualTo(bytes);
        assertThat(decoded.toUserFeatures("u")).isEqualTo(seq.toUserFeatures("u"));
        // and the decoded state goes on exactly like the original (what the Streams processor does per event)
        for (BehaviourEvent e : more) {
            UpdateOutcome a = SequenceUpdater.apply(seq, e);
            BehaviourSequence d = BehaviourSequence.decode(decoded.encode(), SMALL);
            assertThat(SequenceUpdater.apply(d, e)).isEqualTo(a);
            decoded = d;
        }
        assertThat(decoded.encode()).isEqualTo(seq.encode());
    }

    @Property
    void everyTruncationIsACleanError(@ForAll("messy") List<BehaviourEvent> events) {
        byte[] bytes = replay(SMALL, events).encode();
        for (int len = 0; len < bytes.length; len++) {
            byte[] prefix = Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> BehaviourSequence.decode(prefix, SMALL))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageMatching("(truncated|empty) BehaviourSequence.*");
        }
    }

    @Property
    void corruptBytesFailOnlyWithIllegalArgument(@ForAll("messy") List<BehaviourEvent> events, @ForAll Random random) {
        byte[] bytes = replay(SMALL, events).encode();
        byte[] corrupt = bytes.clone();
        int at = 1 + random.nextInt(Math.max(1, corrupt.length - 1));
        if (at < corrupt.length) {
            corrupt[at] = (byte) random.nextInt(256);
        }
        try {
            BehaviourSequence.decode(corrupt, SMALL).encode();
        } catch (IllegalArgumentException expected) {
            // a clean error is fine; anything else fails the property
        }
    }

    @Property
    void decodingUnderASmallerPolicyKeepsTheNewest(@ForAll("fewCategories") List<BehaviourEvent> events) {
        BehaviourSequence seq = replay(SMALL, sortedByTime(events));
        SequencePolicy smaller = SMALL.withMaxEvents(3).withDedupCapacity(5);
        BehaviourSequence shrunk = BehaviourSequence.decode(seq.encode(), smaller);
        assertThat(shrunk.size()).isEqualTo(Math.min(3, seq.size()));
        for (int i = 0; i < shrunk.size(); i++) {
            int j = seq.size() - shrunk.size() + i;
            assertThat(shrunk.eventTimeMs(i)).isEqualTo(seq.eventTimeMs(j));
            assertThat(shrunk.itemId(i)).isEqualTo(seq.itemId(j));
        }
        assertThat(shrunk.rememberedIds()).isEqualTo(Math.min(5, seq.rememberedIds()));
        assertThat(BehaviourSequence.decode(shrunk.encode(), smaller)).isEqualTo(shrunk);
    }
}
