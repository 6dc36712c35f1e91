package dev.tandem.connect.redis;

import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.RecommendationStoreProvider;
import java.util.Set;

/** {@code redis://HOST:PORT[/DB]} and {@code rediss://…} for {@code tandem serve}: the Redis sink's default layout. */
public final class RedisStoreProvider implements RecommendationStoreProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss");
    }

    @Override
    public RecommendationStore open(String url) {
        return RedisRecommendationStore.of(url);
    }
}
