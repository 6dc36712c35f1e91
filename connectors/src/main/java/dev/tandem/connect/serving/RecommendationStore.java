package dev.tandem.connect.serving;

import java.util.Optional;

/**
 * The read side of a serving store: what the recommendations API asks. The Connect sinks write what these read (one
 * {@link RecommendationJson} document per user, newest by {@link Freshness}).
 */
public interface RecommendationStore extends AutoCloseable {
    /** The user's newest stored recommendation, empty when the store has none. */
    Optional<Recommendation> latest(String userId) throws Exception;

    /** Whether the store answers now (the API's {@code /ready}). */
    boolean ready();

    /** Which store, for logs and {@code /health}: e.g. {@code redis://127.0.0.1:6379}, {@code jdbc:sqlite:...}. */
    String describe();
}
