package dev.tandem.platform.serve;

import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.RecommendationStoreProvider;
import java.util.Optional;
import java.util.Set;

/** {@code down:X}: a store that never answers, registered in the test resources as another module's store would be. */
public final class DownStoreProvider implements RecommendationStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("down");
    }

    @Override
    public RecommendationStore open(String url) {
        return new RecommendationStore() {
            @Override
            public Optional<Recommendation> latest(String userId) {
                throw new IllegalStateException("down");
            }

            @Override
            public boolean ready() {
                return false;
            }

            @Override
            public String describe() {
                return url;
            }

            @Override
            public void close() {}
        };
    }
}
