package dev.tandem.connect.jdbc;

import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.RecommendationStoreProvider;
import java.util.Map;
import java.util.Set;

/**
 * {@code jdbc:postgresql://…} and {@code jdbc:sqlite:FILE} for {@code tandem serve}: the JDBC sink's default table
 * ({@code predictions_latest}); credentials go in the URL ({@code ?user=…&password=…}).
 */
public final class JdbcStoreProvider implements RecommendationStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("jdbc:postgresql", "jdbc:sqlite");
    }

    @Override
    public RecommendationStore open(String url) {
        return JdbcRecommendationStore.open(Map.of(JdbcSinkConfig.CONNECTION_URL, url));
    }
}
