package dev.tandem.features.sequence;

import dev.tandem.schemas.Action;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Small policies (so every bound is hit) and event generators shared by the property tests. */
final class Gen {
    private Gen() {}

    /** N=6, grace 10 s, 12 ids, windows 20 s / 5 s and 60 s / 20 s, top 3 of 4 categories. */
    static final SequencePolicy SMALL = new SequencePolicy(
            6,
            Duration.ofSeconds(10),
            12,
            List.of(
                    new SequencePolicy.CounterWindow(Duration.ofSeconds(20), Duration.ofSeconds(5)),
                    new SequencePolicy.CounterWindow(Duration.ofSeconds(60), Duration.ofSeconds(20))),
            3,
            4,
            32,
            SequencePolicy.Smoothing.defaults());

    record Spec(long time, String item, String category, Action action) {}

    static final List<String> ITEMS =
            List.of("0", "1", "17", "007", "-3", "i-9", "ü€", "", "4611686018427387903", "4611686018427387904");
    /** At most SMALL.categoryCapacity() distinct categories: the table stays exact. */
    static final List<String> FEW_CATEGORIES = List.of("1", "2", "c", "ç");

    static final List<String> MANY_CATEGORIES = List.of("1", "2", "3", "10", "c", "ç", "z9", "09", "a", "b");

    static Arbitrary<Spec> specs(List<String> categories, long maxHalfSeconds) {
        return Combinators.combine(
                        Arbitraries.longs().between(0, maxHalfSeconds).map(x -> x * 500 + 1_700_000_000_000L),
                        Arbitraries.of(ITEMS),
                        Arbitraries.of(categories),
                        Arbitraries.of(Action.class))
                .as(Spec::new);
    }

    /** Events with unique ids, in generation order. */
    static Arbitrary<List<BehaviourEvent>> uniqueEvents(List<String> categories, int maxSize) {
        return specs(categories, 400).list().ofMaxSize(maxSize).map(Gen::withIds);
    }

    static List<BehaviourEvent> withIds(List<Spec> specs) {
        List<BehaviourEvent> out = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            out.add(new BehaviourEvent("ev-" + i, s.item(), s.category(), s.action(), s.time()));
        }
        return out;
    }

    static List<BehaviourEvent> sortedByTime(List<BehaviourEvent> events) {
        List<BehaviourEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(BehaviourEvent::eventTimeMs));
        return sorted;
    }

    /**
     * A random arrival order in which every event arrives no later than {@code graceMs} after the
     * maximum time seen before it: repeatedly pick any remaining event whose time is at most the
     * minimum remaining time plus the grace.
     */
    static List<BehaviourEvent> shuffleWithinGrace(List<BehaviourEvent> events, long graceMs, Random random) {
        List<BehaviourEvent> remaining = new ArrayList<>(sortedByTime(events));
        List<BehaviourEvent> out = new ArrayList<>(events.size());
        while (!remaining.isEmpty()) {
            long limit = remaining.get(0).eventTimeMs() + graceMs;
            int eligible = 0;
            while (eligible < remaining.size() && remaining.get(eligible).eventTimeMs() <= limit) {
                eligible++;
            }
            out.add(remaining.remove(random.nextInt(eligible)));
        }
        return out;
    }

    static BehaviourSequence replay(SequencePolicy policy, List<BehaviourEvent> events) {
        BehaviourSequence seq = new BehaviourSequence(policy);
        for (BehaviourEvent e : events) {
            SequenceUpdater.apply(seq, e);
        }
        return seq;
    }
}
