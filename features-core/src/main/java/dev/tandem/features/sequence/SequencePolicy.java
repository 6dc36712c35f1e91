package dev.tandem.features.sequence;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The rules and bounds of a user's {@link BehaviourSequence} (and of {@link ItemStats}).
 *
 * <p>Every bound here is a memory bound: a sequence never holds more than {@code maxEvents} events,
 * {@code dedupCapacity} remembered event ids, {@code categoryCapacity} categories, and one bucket ring
 * per counter window, whatever the input.
 *
 * @param maxEvents        N, the number of most recent events kept (by event time, ties by event id)
 * @param grace            out-of-order tolerance, measured against the user's own latest event time:
 *                         an event older than {@code latest − grace} is LATE and ignored
 * @param dedupCapacity    how many recent event ids (64-bit hashes) are remembered to drop duplicates, at most
 *                         (only ids of events within the grace of the latest event time are kept);
 *                         at least {@code maxEvents}, so every kept event within the grace is also remembered
 * @param windows          sliding counter windows, each with its bucket size, ascending by window
 * @param topCategories    K, how many categories {@code UserFeatures.top_categories} carries
 * @param categoryCapacity the size of the per-user category table (≥ K)
 * @param maxIdLength      the longest item or category id (in chars) accepted, so id strings are bounded too
 * @param itemSmoothing    the prior of {@link ItemStats}' smoothed conversion rates
 */
public record SequencePolicy(
        int maxEvents,
        Duration grace,
        int dedupCapacity,
        List<CounterWindow> windows,
        int topCategories,
        int categoryCapacity,
        int maxIdLength,
        Smoothing itemSmoothing) {

    /** Upper limits that keep a single user's state small whatever the configuration says. */
    public static final int MAX_EVENTS_LIMIT = 10_000;

    public static final int MAX_DEDUP_LIMIT = 100_000;
    public static final int MAX_CATEGORY_LIMIT = 10_000;
    public static final int MAX_BUCKETS_PER_WINDOW = 10_000;
    public static final int MAX_WINDOWS = 16;

    public SequencePolicy {
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(windows, "windows");
        Objects.requireNonNull(itemSmoothing, "itemSmoothing");
        require(
                maxEvents >= 1 && maxEvents <= MAX_EVENTS_LIMIT,
                "maxEvents must be in [1, " + MAX_EVENTS_LIMIT + "], was " + maxEvents);
        require(!grace.isNegative(), "grace must not be negative, was " + grace);
        require(
                dedupCapacity >= maxEvents && dedupCapacity <= MAX_DEDUP_LIMIT,
                "dedupCapacity must be in [maxEvents=" + maxEvents + ", " + MAX_DEDUP_LIMIT + "], was "
                        + dedupCapacity);
        require(
                !windows.isEmpty() && windows.size() <= MAX_WINDOWS,
                "between 1 and " + MAX_WINDOWS + " counter windows, was " + windows.size());
        windows = List.copyOf(windows);
        Set<Long> seen = new HashSet<>();
        long previous = 0;
        for (CounterWindow w : windows) {
            require(seen.add(w.windowMs()), "duplicate counter window " + w.window());
            require(
                    w.windowMs() > previous,
                    "counter windows must be ascending, " + w.window() + " after " + Duration.ofMillis(previous));
            previous = w.windowMs();
        }
        require(
                topCategories >= 1 && topCategories <= categoryCapacity,
                "topCategories must be in [1, categoryCapacity=" + categoryCapacity + "], was " + topCategories);
        require(
                categoryCapacity <= MAX_CATEGORY_LIMIT,
                "categoryCapacity must be ≤ " + MAX_CATEGORY_LIMIT + ", was " + categoryCapacity);
        require(maxIdLength >= 1 && maxIdLength <= 65_535, "maxIdLength must be in [1, 65535], was " + maxIdLength);
    }

    /** N=50, grace 1 h, 256 remembered ids, windows 1 h (5 min buckets) and 24 h (1 h buckets), top 5 of 64 categories. */
    public static SequencePolicy defaults() {
        return new SequencePolicy(
                50,
                Duration.ofHours(1),
                256,
                List.of(
                        new CounterWindow(Duration.ofHours(1), Duration.ofMinutes(5)),
                        new CounterWindow(Duration.ofHours(24), Duration.ofHours(1))),
                5,
                64,
                256,
                Smoothing.defaults());
    }

    public long graceMs() {
        return grace.toMillis();
    }

    public SequencePolicy withMaxEvents(int n) {
        return new SequencePolicy(
                n,
                grace,
                Math.max(n, dedupCapacity),
                windows,
                topCategories,
                categoryCapacity,
                maxIdLength,
                itemSmoothing);
    }

    public SequencePolicy withGrace(Duration g) {
        return new SequencePolicy(
                maxEvents, g, dedupCapacity, windows, topCategories, categoryCapacity, maxIdLength, itemSmoothing);
    }

    public SequencePolicy withDedupCapacity(int c) {
        return new SequencePolicy(
                maxEvents, grace, c, windows, topCategories, categoryCapacity, maxIdLength, itemSmoothing);
    }

    public SequencePolicy withWindows(List<CounterWindow> w) {
        return new SequencePolicy(
                maxEvents, grace, dedupCapacity, w, topCategories, categoryCapacity, maxIdLength, itemSmoothing);
    }

    public SequencePolicy withCategories(int topK, int capacity) {
        return new SequencePolicy(maxEvents, grace, dedupCapacity, windows, topK, capacity, maxIdLength, itemSmoothing);
    }

    public SequencePolicy withItemSmoothing(Smoothing s) {
        return new SequencePolicy(
                maxEvents, grace, dedupCapacity, windows, topCategories, categoryCapacity, maxIdLength, s);
    }

    static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * A bucketed sliding window. As of time t, the count covers the bucket holding t and the
     * {@code window/bucket − 1} buckets before it, so an event is counted for at least
     * {@code window − bucket} and at most {@code window} after its event time: exact at bucket
     * granularity, approximate within a bucket.
     */
    public record CounterWindow(Duration window, Duration bucket) {
        public CounterWindow {
            Objects.requireNonNull(window, "window");
            Objects.requireNonNull(bucket, "bucket");
            require(bucket.toMillis() >= 1, "bucket must be at least 1 ms, was " + bucket);
            require(window.toMillis() >= bucket.toMillis(), "window " + window + " shorter than its bucket " + bucket);
            require(
                    window.toMillis() % bucket.toMillis() == 0,
                    "window " + window + " must be a whole number of buckets of " + bucket);
            require(
                    window.toMillis() / bucket.toMillis() <= MAX_BUCKETS_PER_WINDOW,
                    "window " + window + " has more than " + MAX_BUCKETS_PER_WINDOW + " buckets of " + bucket);
        }

        public long windowMs() {
            return window.toMillis();
        }

        public long bucketMs() {
            return bucket.toMillis();
        }

        public int buckets() {
            return (int) (windowMs() / bucketMs());
        }
    }

    /**
     * Smoothing of item conversion rates: {@code (x + strength·prior) / (views + strength)}.
     *
     * @param strength          α, the weight of the prior in pseudo-views (> 0)
     * @param cartRatePrior     prior of carts per view
     * @param purchaseRatePrior prior of purchases per view
     */
    public record Smoothing(double strength, double cartRatePrior, double purchaseRatePrior) {
        public Smoothing {
            require(strength > 0 && Double.isFinite(strength), "smoothing strength must be > 0, was " + strength);
            require(cartRatePrior >= 0 && cartRatePrior <= 1, "cartRatePrior must be in [0, 1], was " + cartRatePrior);
            require(
                    purchaseRatePrior >= 0 && purchaseRatePrior <= 1,
                    "purchaseRatePrior must be in [0, 1], was " + purchaseRatePrior);
        }

        /** α = 20 pseudo-views, 5 % carts and 1 % purchases per view: placeholders until fitted on data. */
        public static Smoothing defaults() {
            return new Smoothing(20, 0.05, 0.01);
        }

        public double smooth(long x, long views, double prior) {
            return (x + strength * prior) / (views + strength);
        }
    }
}
