package dev.tandem.datasets.generator;

import java.util.Iterator;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A seeded synthetic shop: catalog, users and the event stream they produce. Building the world
 * costs O(users + items); events are produced lazily, so a run of any length holds only the
 * world and the open sessions in memory.
 *
 * <pre>{@code
 * SyntheticWorld world = SyntheticWorld.create(GeneratorConfig.of(1_000, 5_000, 1_000_000, 42));
 * world.catalog().itemMetadata().forEach(catalogSink);
 * world.events().forEachRemaining(e -> { sink.accept(e.toUserEvent()); if (e.isView()) truth.accept(e.groundTruth()); });
 * }</pre>
 */
public final class SyntheticWorld {
    private final GeneratorConfig config;
    private final Catalog catalog;
    private final Population population;

    private SyntheticWorld(GeneratorConfig config) {
        this.config = config;
        this.catalog = new Catalog(config);
        this.population = new Population(config, catalog);
    }

    public static SyntheticWorld create(GeneratorConfig config) {
        return new SyntheticWorld(config);
    }

    public GeneratorConfig config() {
        return config;
    }

    public Catalog catalog() {
        return catalog;
    }

    public Population population() {
        return population;
    }

    /** A fresh iterator over the configured number of events; every call starts from the beginning. */
    public Iterator<GeneratedEvent> events() {
        return new EventGenerator(config, catalog, population);
    }

    public Stream<GeneratedEvent> stream() {
        Spliterator<GeneratedEvent> sp = Spliterators.spliterator(
                events(), config.events(), Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE);
        return StreamSupport.stream(sp, false);
    }

    /**
     * The latent preference of a user for a category, in [0, 1]: the weight of the category among
     * the user's favourites, 0 if it isn't one. Ids are those the events carry.
     */
    public double affinity(String userId, String categoryId) {
        int user = Integer.parseInt(userId) - 1;
        int category = (int) (Long.parseLong(categoryId) - Catalog.categoryIdOf(0));
        if (user < 0 || user >= population.users()) throw new IllegalArgumentException("unknown user " + userId);
        if (category < 0 || category >= catalog.categories())
            throw new IllegalArgumentException("unknown category " + categoryId);
        return population.affinity(user, category);
    }
}
