package dev.tandem.datasets.generator;

import java.time.Instant;

/**
 * What to generate. The catalog and the user population depend only on {@code seed},
 * {@code users}, {@code items} and {@code categories}, so two runs that differ only in
 * {@code events} share the same world and the shorter stream is a prefix of the longer one.
 *
 * @param users      size of the user population
 * @param items      size of the catalog
 * @param categories leaf categories (capped at {@code items}: every category holds an item)
 * @param events     events to emit; the stream ends after exactly this many
 * @param seed       everything random derives from it
 * @param start      event time of the first session
 */
public record GeneratorConfig(int users, int items, int categories, long events, long seed, Instant start) {

    /** 2017-11-25T00:00Z, the first day of the Taobao UserBehavior dump, so both look alike. */
    public static final Instant DEFAULT_START = Instant.parse("2017-11-25T00:00:00Z");

    public GeneratorConfig {
        if (users < 1) throw new IllegalArgumentException("users must be >= 1, got " + users);
        if (items < 1) throw new IllegalArgumentException("items must be >= 1, got " + items);
        if (categories < 1) throw new IllegalArgumentException("categories must be >= 1, got " + categories);
        if (events < 0) throw new IllegalArgumentException("events must be >= 0, got " + events);
        if (start == null) throw new IllegalArgumentException("start must not be null");
        categories = Math.min(categories, items);
    }

    /** A world sized like a small shop: categories grow with the catalog (about 100 items each). */
    public static GeneratorConfig of(int users, int items, long events, long seed) {
        return new GeneratorConfig(users, items, defaultCategories(items), events, seed, DEFAULT_START);
    }

    public static int defaultCategories(int items) {
        return Math.max(1, Math.min(500, items / 100 + 5));
    }

    public GeneratorConfig withEvents(long n) {
        return new GeneratorConfig(users, items, categories, n, seed, start);
    }

    public GeneratorConfig withStart(Instant s) {
        return new GeneratorConfig(users, items, categories, events, seed, s);
    }
}
