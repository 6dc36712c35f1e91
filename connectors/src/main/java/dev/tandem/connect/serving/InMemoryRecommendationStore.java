package dev.tandem.connect.serving;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link RecommendationStore} in this JVM's memory, applying the same {@link Freshness} rule as the real stores:
 * {@code mem:NAME} URLs, for tests and for trying the recommendations API without Redis or a database. Stores are
 * shared by name within the JVM, so a test fills {@code named("x")} and a server opened on {@code mem:x} reads it;
 * {@link #close()} leaves the contents alone for the same reason.
 */
public final class InMemoryRecommendationStore implements RecommendationStore {
    public static final String SCHEME = "mem";
    private static final Map<String, InMemoryRecommendationStore> NAMED = new ConcurrentHashMap<>();

    private final String name;
    private final Map<String, Recommendation> byUser = new ConcurrentHashMap<>();
    private volatile boolean ready = true;
    private volatile RuntimeException failure;

    private InMemoryRecommendationStore(String name) {
        this.name = name;
    }

    /** The JVM-wide store called {@code name} (created empty on first use). */
    public static InMemoryRecommendationStore named(String name) {
        return NAMED.computeIfAbsent(name, InMemoryRecommendationStore::new);
    }

    /** Stores {@code r} unless the user's stored recommendation is as new or newer; returns whether it did. */
    public boolean put(Recommendation r) {
        boolean[] written = {false};
        byUser.compute(r.userId(), (user, stored) -> {
            if (!r.replaces(stored)) return stored;
            written[0] = true;
            return r;
        });
        return written[0];
    }

    public void clear() {
        byUser.clear();
    }

    /** What {@link #ready()} answers: a test's stand-in for a store that is down. */
    public void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Makes every {@link #latest} throw {@code failure} (null: answer again), as a failing store would. */
    public void failReads(RuntimeException failure) {
        this.failure = failure;
    }

    @Override
    public Optional<Recommendation> latest(String userId) {
        RuntimeException f = failure;
        if (f != null) throw f;
        return Optional.ofNullable(byUser.get(userId));
    }

    @Override
    public boolean ready() {
        return ready;
    }

    @Override
    public String describe() {
        return SCHEME + ":" + name;
    }

    @Override
    public void close() {}

    /** {@code mem:NAME} ({@code mem:} alone is {@code mem:default}). */
    public static final class Provider implements RecommendationStoreProvider {
        @Override
        public Set<String> schemes() {
            return Set.of(SCHEME);
        }

        @Override
        public RecommendationStore open(String url) {
            String name = url.substring(url.indexOf(':') + 1);
            if (name.startsWith("//")) name = name.substring(2);
            return named(name.isEmpty() ? "default" : name);
        }
    }
}
