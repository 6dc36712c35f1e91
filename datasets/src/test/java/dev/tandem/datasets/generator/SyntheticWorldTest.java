package dev.tandem.datasets.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SyntheticWorldTest {
    private static final GeneratorConfig CONFIG = GeneratorConfig.of(2_000, 5_000, 400_000, 11);
    private static SyntheticWorld world;
    private static List<GeneratedEvent> events;
    /** Each view and whether the same user then carted / bought the same item before their next view. */
    private static List<Outcome> outcomes;

    record Outcome(GeneratedEvent view, boolean carted, boolean purchased) {}

    @BeforeAll
    static void generate() {
        world = SyntheticWorld.create(CONFIG);
        events = world.stream().toList();
        outcomes = outcomes(events);
    }

    /** Reads the outcome of every view from the events alone, as a model's labelling would. */
    static List<Outcome> outcomes(List<GeneratedEvent> stream) {
        Map<String, Integer> openView = new HashMap<>();
        List<GeneratedEvent> views = new ArrayList<>();
        List<boolean[]> flags = new ArrayList<>();
        for (GeneratedEvent e : stream) {
            if (e.action() == Action.VIEW) {
                openView.put(e.userId(), views.size());
                views.add(e);
                flags.add(new boolean[2]);
                continue;
            }
            Integer v = openView.get(e.userId());
            if (v == null || !views.get(v).itemId().equals(e.itemId())) continue;
            if (e.action() == Action.CART) flags.get(v)[0] = true;
            if (e.action() == Action.PURCHASE) flags.get(v)[1] = true;
        }
        // The last view of each user may still have its outcome ahead of the end of the stream.
        Set<Integer> censored = new HashSet<>(openView.values());
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < views.size(); i++) {
            if (!censored.contains(i)) out.add(new Outcome(views.get(i), flags.get(i)[0], flags.get(i)[1]));
        }
        return out;
    }

    @Test
    void sameSeedSameEvents() {
        List<GeneratedEvent> again =
                SyntheticWorld.create(CONFIG.withEvents(50_000)).stream().toList();

        assertThat(again).isEqualTo(events.subList(0, 50_000));
    }

    @Test
    void anotherSeedOtherEvents() {
        List<GeneratedEvent> other =
                SyntheticWorld.create(new GeneratorConfig(2_000, 5_000, CONFIG.categories(), 1_000, 12, CONFIG.start()))
                        .stream()
                        .toList();

        assertThat(other).isNotEqualTo(events.subList(0, 1_000));
    }

    @Test
    void emitsExactlyTheConfiguredNumberInEventTimeOrderFromTheStart() {
        assertThat(events).hasSize(400_000);
        assertThat(events.get(0).eventTimeMillis())
                .isGreaterThanOrEqualTo(CONFIG.start().toEpochMilli());
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).eventTimeMillis())
                    .isGreaterThanOrEqualTo(events.get(i - 1).eventTimeMillis());
        }
        assertThat(events).extracting(GeneratedEvent::eventId).doesNotHaveDuplicates();
    }

    @Test
    void theFunnelIsOrderedWithinEachUser() {
        // A purchase always follows a cart of the same item by the same user, after the view.
        Map<String, Set<String>> carted = new HashMap<>();
        for (GeneratedEvent e : events) {
            if (e.action() == Action.VIEW)
                carted.computeIfAbsent(e.userId(), u -> new HashSet<>()).clear();
            if (e.action() == Action.CART)
                carted.computeIfAbsent(e.userId(), u -> new HashSet<>()).add(e.itemId());
            if (e.action() == Action.PURCHASE)
                assertThat(carted.get(e.userId())).contains(e.itemId());
        }
    }

    @Test
    void ratesLookLikeEcommerce() {
        Map<Action, Long> counts =
                events.stream().collect(Collectors.groupingBy(GeneratedEvent::action, Collectors.counting()));
        double views = counts.get(Action.VIEW);

        assertThat(views / events.size()).isBetween(0.6, 0.95);
        assertThat(counts.get(Action.CART) / views).isBetween(0.03, 0.15);
        assertThat(counts.get(Action.PURCHASE)).isLessThan(counts.get(Action.CART));
        assertThat(counts.get(Action.FAVORITE)).isPositive();
    }

    @Test
    void cartRateGrowsWithUserCategoryAffinity() {
        long[] high = new long[2];
        long[] none = new long[2];
        for (Outcome o : outcomes) {
            double a = world.affinity(o.view.userId(), o.view.categoryId());
            long[] bucket = a >= 0.5 ? high : a == 0.0 ? none : null;
            if (bucket == null) continue;
            bucket[0]++;
            if (o.carted) bucket[1]++;
        }
        double highRate = high[1] / (double) high[0];
        double noneRate = none[1] / (double) none[0];

        assertThat(high[0]).isGreaterThan(5_000);
        assertThat(none[0]).isGreaterThan(5_000);
        assertThat(highRate).isGreaterThan(2 * noneRate);
    }

    @Test
    void cartRateFallsWithRelativePrice() {
        // Cheap vs dear items within the same affinity level: price sensitivity is part of the truth.
        Map<String, Double> price = new HashMap<>();
        Map<String, List<Double>> byCategory = new HashMap<>();
        for (ItemMetadata m : world.catalog().itemMetadata()) {
            price.put(m.getItemId(), m.getPrice());
            byCategory
                    .computeIfAbsent(m.getCategoryPath().get(1), c -> new ArrayList<>())
                    .add(m.getPrice());
        }
        Map<String, Double> median = new HashMap<>();
        byCategory.forEach(
                (c, ps) -> median.put(c, ps.stream().sorted().toList().get(ps.size() / 2)));
        long[] cheap = new long[2];
        long[] dear = new long[2];
        for (Outcome o : outcomes) {
            if (world.affinity(o.view.userId(), o.view.categoryId()) != 0.0) continue;
            double rel = price.get(o.view.itemId()) / median.get(o.view.categoryId());
            long[] b = rel < 0.7 ? cheap : rel > 1.4 ? dear : null;
            if (b == null) continue;
            b[0]++;
            if (o.carted) b[1]++;
        }
        assertThat(cheap[0]).isGreaterThan(1_000);
        assertThat(dear[0]).isGreaterThan(1_000);
        assertThat(cheap[1] / (double) cheap[0]).isGreaterThan(1.3 * dear[1] / (double) dear[0]);
    }

    @Test
    void reportedProbabilitiesMatchObservedRates() {
        int buckets = 40;
        long[] n = new long[buckets];
        double[] sumPCart = new double[buckets];
        double[] sumPBuy = new double[buckets];
        long[] carts = new long[buckets];
        long[] buys = new long[buckets];
        for (Outcome o : outcomes) {
            int b = Math.min(buckets - 1, (int) (o.view.pCart() * buckets));
            n[b]++;
            sumPCart[b] += o.view.pCart();
            sumPBuy[b] += o.view.pPurchase();
            if (o.carted) carts[b]++;
            if (o.purchased) buys[b]++;
        }
        int checked = 0;
        for (int b = 0; b < buckets; b++) {
            if (n[b] < 2_000) continue;
            checked++;
            double p = sumPCart[b] / n[b];
            double q = sumPBuy[b] / n[b];
            // Five standard errors: a real mismatch in any bucket fails, sampling noise does not.
            assertThat(carts[b] / (double) n[b])
                    .as("cart rate for p in [%.3f, %.3f)", b / (double) buckets, (b + 1) / (double) buckets)
                    .isCloseTo(p, within(5 * Math.sqrt(p * (1 - p) / n[b])));
            assertThat(buys[b] / (double) n[b])
                    .as("purchase rate for p(cart) in [%.3f, %.3f)", b / (double) buckets, (b + 1) / (double) buckets)
                    .isCloseTo(q, within(5 * Math.sqrt(q * (1 - q) / n[b]) + 1e-4));
        }
        assertThat(checked).isGreaterThanOrEqualTo(5);
    }

    @Test
    void groundTruthOnlyForViews() {
        GeneratedEvent view =
                events.stream().filter(GeneratedEvent::isView).findFirst().orElseThrow();
        GroundTruth t = view.groundTruth();

        assertThat(t.eventId()).isEqualTo(view.eventId());
        assertThat(t.pPurchase()).isLessThanOrEqualTo(t.pCart());
        assertThat(events.stream().filter(e -> !e.isView()).allMatch(e -> Double.isNaN(e.pCart())))
                .isTrue();
    }

    @Test
    void catalogDescribesTheItemsTheEventsUse() {
        List<ItemMetadata> catalog = world.catalog().itemMetadata();
        Map<String, ItemMetadata> byId = catalog.stream().collect(Collectors.toMap(ItemMetadata::getItemId, m -> m));

        assertThat(catalog).hasSize(CONFIG.items());
        for (GeneratedEvent e : events.subList(0, 10_000)) {
            ItemMetadata m = byId.get(e.itemId());
            assertThat(m).isNotNull();
            assertThat(m.getCategoryPath()).last().isEqualTo(e.categoryId());
            assertThat(m.getPrice()).isEqualTo(e.price()).isPositive();
            assertThat(m.getBrand()).isEqualTo(e.brand());
        }
    }

    @Test
    void popularityIsLongTailed() {
        Map<String, Long> views = events.stream()
                .filter(GeneratedEvent::isView)
                .collect(Collectors.groupingBy(GeneratedEvent::itemId, Collectors.counting()));
        List<Long> sorted =
                views.values().stream().sorted((a, b) -> Long.compare(b, a)).toList();
        long total = sorted.stream().mapToLong(Long::longValue).sum();
        long top1Percent = sorted.subList(0, CONFIG.items() / 100).stream()
                .mapToLong(Long::longValue)
                .sum();

        assertThat(top1Percent / (double) total).isGreaterThan(0.10);
    }

    @Test
    void convertsToUserEvents() {
        GeneratedEvent e = events.get(3);
        UserEvent u = e.toUserEvent();

        assertThat(u.getEventId()).isEqualTo("gen-11-3");
        assertThat(u.getUserId()).isEqualTo(e.userId());
        assertThat(u.getEventTime().toEpochMilli()).isEqualTo(e.eventTimeMillis());
        assertThat(u.getSessionId()).isEqualTo(e.sessionId());
    }

    @Test
    void iteratorIsLazyAndRestartable() {
        Iterator<GeneratedEvent> a = world.events();
        Iterator<GeneratedEvent> b = world.events();

        assertThat(a.next()).isEqualTo(b.next()).isEqualTo(events.get(0));
    }
}
