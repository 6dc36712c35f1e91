package dev.tandem.features.interaction;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The brand and price of each item as the log knew them before a given time: an exposure is encoded with
 * what a scorer could have known then, never with a value that only a later event (a later price, or the
 * brand a purchase carried) revealed. Built once from the whole log; each item's known values are kept in
 * time order and looked up by binary search. Training builds its examples with it, and a replay that scores
 * exposures online gives the scorer the same facts, so both encode a candidate alike.
 */
public final class ItemFactsAsOf {
    /** What one event of the log says about its item; brand and price may be null. */
    public record Fact(String itemId, long timeMs, String brand, Double price) {}

    private final Map<String, Timeline<String>> brands = new HashMap<>();
    private final Map<String, Timeline<Double>> prices = new HashMap<>();

    /** @param facts one per event of the log, in log order (the last of one millisecond stands for it) */
    public ItemFactsAsOf(List<Fact> facts) {
        List<Fact> byTime = new ArrayList<>(facts);
        byTime.sort(Comparator.comparingLong(Fact::timeMs)); // stable: log order within a millisecond
        for (Fact f : byTime) {
            if (f.brand() != null) {
                brands.computeIfAbsent(f.itemId(), x -> new Timeline<>()).add(f.timeMs(), f.brand());
            }
            if (f.price() != null) {
                prices.computeIfAbsent(f.itemId(), x -> new Timeline<>()).add(f.timeMs(), f.price());
            }
        }
    }

    /** The newest brand an event strictly before {@code timeMs} carried for the item; null if none. */
    public String brand(String item, long timeMs) {
        Timeline<String> t = brands.get(item);
        return t == null ? null : t.before(timeMs);
    }

    /** The newest price an event strictly before {@code timeMs} carried for the item; null if none. */
    public Double price(String item, long timeMs) {
        Timeline<Double> t = prices.get(item);
        return t == null ? null : t.before(timeMs);
    }

    private static final class Timeline<V> {
        private long[] times = new long[2];
        private final List<V> values = new ArrayList<>(2);

        void add(long timeMs, V value) {
            int n = values.size();
            if (n > 0 && times[n - 1] == timeMs) {
                values.set(n - 1, value); // the last of one millisecond stands for it
                return;
            }
            if (n == times.length) {
                times = Arrays.copyOf(times, 2 * n);
            }
            times[n] = timeMs;
            values.add(value);
        }

        V before(long timeMs) {
            int i = Arrays.binarySearch(times, 0, values.size(), timeMs);
            int newer = i >= 0 ? i : -i - 1; // the first entry at or after timeMs
            return newer == 0 ? null : values.get(newer - 1);
        }
    }
}
