package dev.tandem.connect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecommendationStoresTest {
    static Recommendation rec(String user, long time, String requestId, String... items) {
        List<RankedItem> ranked = new java.util.ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            ranked.add(new RankedItem(items[i], 1.0 - i * 0.1, new float[] {0.5f, 0.2f}, null));
        }
        return new Recommendation(
                user,
                requestId,
                time,
                "m",
                "v1",
                null,
                time + 5,
                List.of("CART", "PURCHASE"),
                "probability:CART",
                ranked);
    }

    @Test
    void schemesAreLowerCaseAndJdbcUrlsKeepTheirSubProtocol() {
        assertThat(RecommendationStores.scheme("redis://127.0.0.1:6379")).isEqualTo("redis");
        assertThat(RecommendationStores.scheme("REDISS://h:1")).isEqualTo("rediss");
        assertThat(RecommendationStores.scheme("mem:x")).isEqualTo("mem");
        assertThat(RecommendationStores.scheme("jdbc:postgresql://h/test")).isEqualTo("jdbc:postgresql");
        assertThat(RecommendationStores.scheme("jdbc:sqlite:/tmp/x.db")).isEqualTo("jdbc:sqlite");
        assertThatThrownBy(() -> RecommendationStores.scheme("localhost"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no scheme");
        assertThatThrownBy(() -> RecommendationStores.scheme("jdbc:"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sub-protocol");
    }

    @Test
    void memUrlsOpenTheSharedNamedStore() throws Exception {
        InMemoryRecommendationStore named = InMemoryRecommendationStore.named("stores-test");
        named.clear();
        named.put(rec("u1", 10, "r1", "a"));
        try (RecommendationStore store = RecommendationStores.open("mem:stores-test")) {
            assertThat(store).isSameAs(named);
            assertThat(store.describe()).isEqualTo("mem:stores-test");
            assertThat(store.ready()).isTrue();
            assertThat(store.latest("u1")).map(Recommendation::requestId).contains("r1");
            assertThat(store.latest("nobody")).isEmpty();
        }
        assertThat(RecommendationStores.open("mem:").describe()).isEqualTo("mem:default");
        assertThat(RecommendationStores.open("mem://other").describe()).isEqualTo("mem:other");
    }

    @Test
    void theMemoryStoreKeepsTheNewestPredictionPerUser() throws Exception {
        InMemoryRecommendationStore s = InMemoryRecommendationStore.named("freshness-test");
        s.clear();
        assertThat(s.put(rec("u", 10, "r-1", "a"))).isTrue();
        assertThat(s.put(rec("u", 10, "r-1", "b")))
                .as("the same prediction again")
                .isFalse();
        assertThat(s.put(rec("u", 9, "r-9", "c"))).as("older").isFalse();
        assertThat(s.put(rec("u", 10, "r-2", "d"))).as("same time, larger id").isTrue();
        assertThat(s.latest("u")).map(r -> r.items().get(0).itemId()).contains("d");
        s.failReads(new IllegalStateException("down"));
        assertThatThrownBy(() -> s.latest("u")).hasMessage("down");
        s.failReads(null);
        assertThat(s.latest("u")).isPresent();
    }

    @Test
    void anUnknownSchemeNamesTheKnownOnesAndTheProvidersThatFailedToLoad() {
        assertThat(RecommendationStores.knownSchemes()).contains("mem", "jdbc", "jdbc:test");
        assertThatThrownBy(() -> RecommendationStores.open("nosuch://h:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no recommendation store for 'nosuch:' URLs (known: ")
                .hasMessageContaining("mem")
                .hasMessageContaining("NoSuchProvider");
        assertThatThrownBy(() -> RecommendationStores.open(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSinksStoresAreRegisteredUnderTheirSchemes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assertThat(RecommendationStores.knownSchemes()).contains("redis", "rediss", "jdbc:postgresql", "jdbc:sqlite");
        // opening connects lazily: no Redis needs to answer here
        try (RecommendationStore redis = RecommendationStores.open("redis://127.0.0.1:1")) {
            assertThat(redis).isInstanceOf(dev.tandem.connect.redis.RedisRecommendationStore.class);
        }
        try (RecommendationStore sqlite = RecommendationStores.open("jdbc:sqlite:" + dir.resolve("serve.db"))) {
            assertThat(sqlite).isInstanceOf(dev.tandem.connect.jdbc.JdbcRecommendationStore.class);
            assertThat(sqlite.ready()).as("no table yet").isFalse();
        }
    }

    @Test
    void theMostSpecificProviderOfAJdbcUrlWins() {
        assertThat(RecommendationStores.open("jdbc:test:x").describe()).isEqualTo("specific jdbc:test:x");
        assertThat(RecommendationStores.open("jdbc:other:x").describe()).isEqualTo("any jdbc:other:x");
    }

    @Test
    void aProviderThatCannotOpenTheStoreIsAnIllegalStateNamingTheUrlWithoutItsPassword() {
        assertThatThrownBy(() -> RecommendationStores.open("jdbc:test:fail?user=u&password=secret"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot open store jdbc:test:fail?user=u&password=****: driver missing")
                .hasMessageNotContaining("secret");
    }

    @Test
    void redactMasksUserInfoAndPasswordParameters() {
        assertThat(RecommendationStores.redact("redis://:pw@h:6379/0")).isEqualTo("redis://****@h:6379/0");
        assertThat(RecommendationStores.redact("redis://h:6379")).isEqualTo("redis://h:6379");
        assertThat(RecommendationStores.redact("jdbc:postgresql://h/db?user=a&password=b&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=a&password=****&ssl=true");
    }

    public static final class AnyJdbc implements RecommendationStoreProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("jdbc");
        }

        @Override
        public RecommendationStore open(String url) {
            return new Fixed("any " + url);
        }
    }

    public static final class SpecificJdbc implements RecommendationStoreProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("jdbc:test");
        }

        @Override
        public RecommendationStore open(String url) throws Exception {
            if (url.contains("fail")) throw new java.sql.SQLException("driver missing");
            return new Fixed("specific " + url);
        }
    }

    record Fixed(String describe) implements RecommendationStore {
        @Override
        public Optional<Recommendation> latest(String userId) {
            return Optional.empty();
        }

        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public void close() {}
    }
}
