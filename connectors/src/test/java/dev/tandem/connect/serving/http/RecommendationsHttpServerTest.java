package dev.tandem.connect.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.connect.serving.InMemoryRecommendationStore;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecommendationsHttpServerTest {
    static final long NOW = 1_800_000_000_000L;
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final InMemoryRecommendationStore STORE = InMemoryRecommendationStore.named("http-server-test");
    static final HttpClient CLIENT = HttpClient.newHttpClient();
    static ServeMetrics metrics;
    static RecommendationsHttpServer server;

    @BeforeAll
    static void start() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metrics = new ServeMetrics(registry, registry::scrape, STORE::ready);
        server = new RecommendationsHttpServer("127.0.0.1", 0, 4, STORE, metrics, () -> NOW);
        server.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void fill() {
        STORE.clear();
        STORE.setReady(true);
        STORE.failReads(null);
        List<RankedItem> items = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            items.add(new RankedItem(
                    "item-" + i, 0.9 - i * 0.05, new float[] {0.5f, 0.25f - i * 0.01f}, i % 2 == 0 ? 10.0 + i : null));
        }
        items.set(14, new RankedItem("broken", Double.NaN, new float[] {Float.NaN, 0.1f}, null));
        STORE.put(new Recommendation(
                "u-1",
                "req-7",
                NOW - 2_000,
                "funnel",
                "v3",
                NOW - 5_000,
                NOW - 1_500,
                List.of("CART", "PURCHASE"),
                "probability:PURCHASE",
                items));
        STORE.put(new Recommendation(
                "user one", "req-8", NOW, "funnel", "v3", null, NOW, List.of("CART"), "probability:CART", List.of()));
    }

    static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        return MAPPER.readTree(r.body());
    }

    @Test
    void aKnownUserGetsTheFirstTenItemsWithEveryField() throws Exception {
        HttpResponse<String> r = get("/v1/users/u-1/recommendations");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.get("user_id").asText()).isEqualTo("u-1");
        assertThat(j.get("request_id").asText()).isEqualTo("req-7");
        assertThat(j.get("model_name").asText()).isEqualTo("funnel");
        assertThat(j.get("model_version").asText()).isEqualTo("v3");
        assertThat(j.get("objective").asText()).isEqualTo("probability:PURCHASE");
        assertThat(j.get("features_as_of").asLong()).isEqualTo(NOW - 5_000);
        assertThat(j.get("scored_at").asLong()).isEqualTo(NOW - 1_500);
        assertThat(j.get("age_ms").asLong()).isEqualTo(1_500);
        assertThat(j.get("items")).hasSize(10);
        JsonNode first = j.get("items").get(0);
        assertThat(first.get("item_id").asText()).isEqualTo("item-0");
        assertThat(first.get("score").asDouble()).isEqualTo(0.9);
        assertThat(first.get("probabilities").get("CART").asText()).isEqualTo("0.5");
        assertThat(first.get("probabilities").get("PURCHASE").asText()).isEqualTo("0.25");
        assertThat(first.get("price").asDouble()).isEqualTo(10.0);
        assertThat(j.get("items").get(1).has("price"))
                .as("unknown price left out")
                .isFalse();
        List<String> ids = new ArrayList<>();
        j.get("items").forEach(i -> ids.add(i.get("item_id").asText()));
        assertThat(ids)
                .containsExactly(
                        "item-0", "item-1", "item-2", "item-3", "item-4", "item-5", "item-6", "item-7", "item-8",
                        "item-9");
    }

    @Test
    void kCutsTheListAndNonFiniteValuesAreNull() throws Exception {
        assertThat(json(get("/v1/users/u-1/recommendations?k=3")).get("items")).hasSize(3);
        assertThat(json(get("/v1/users/u-1/recommendations?x=1&k=1")).get("items"))
                .hasSize(1);
        JsonNode all = json(get("/v1/users/u-1/recommendations?k=1000"));
        assertThat(all.get("items")).hasSize(15);
        JsonNode broken = all.get("items").get(14);
        assertThat(broken.get("score").isNull()).isTrue();
        assertThat(broken.get("probabilities").get("CART").isNull()).isTrue();
    }

    @Test
    void idsArePercentDecodedAndAUserWithoutFeaturesHasANullAsOf() throws Exception {
        HttpResponse<String> r = get("/v1/users/user%20one/recommendations");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode j = json(r);
        assertThat(j.get("user_id").asText()).isEqualTo("user one");
        assertThat(j.get("features_as_of").isNull()).isTrue();
        assertThat(j.get("items")).isEmpty();
    }

    @Test
    void anUnknownUserIs404WithTheId() throws Exception {
        HttpResponse<String> r = get("/v1/users/nobody/recommendations");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("error").asText()).isEqualTo("no recommendations for user nobody");
        assertThat(get("/v1/users/" + "x".repeat(256) + "/recommendations").statusCode())
                .as("256 chars is a valid id")
                .isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/users/%20/recommendations",
                "/v1/users//recommendations",
                "/v1/users/a%0Ab/recommendations",
                "/v1/users/a%2Fb/recommendations",
                "/v1/users/a/b/recommendations",
                "/v1/users/%C3%28/recommendations",
                "/v1/users/u-1/recommendations?k=0",
                "/v1/users/u-1/recommendations?k=1001",
                "/v1/users/u-1/recommendations?k=abc",
                "/v1/users/u-1/recommendations?k=",
                "/v1/users/u-1/recommendations?k=-1",
                "/v1/users/u-1/recommendations?k=2&k=3",
                "/v1/users/u-1/recommendations?k=99999999999"
            })
    void malformedIdsAndKAre400(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isNotBlank();
    }

    @Test
    void anOverLongIdIs400() throws Exception {
        HttpResponse<String> r = get("/v1/users/" + "x".repeat(257) + "/recommendations");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo("user id is 257 chars long, at most 256 allowed");
    }

    @Test
    void aFailingStoreIs503AndCounted() throws Exception {
        STORE.failReads(new IllegalStateException("connection reset"));
        HttpResponse<String> r = get("/v1/users/u-1/recommendations");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).contains("1");
        assertThat(json(r).get("error").asText()).isEqualTo("store unavailable: connection reset");
        assertThat(metrics.registry().get(ServeMetrics.STORE_ERRORS).counter().count())
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void healthIsAlways200AndReadyFollowsTheStore() throws Exception {
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        STORE.setReady(false);
        assertThat(get("/ready").statusCode()).isEqualTo(503);
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertThat(get("/v1/users/u-1").statusCode()).isEqualTo(404);
        assertThat(get("/").statusCode()).isEqualTo(404);
        HttpResponse<String> post = CLIENT.send(
                HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v1/users/u-1/recommendations"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET");
    }

    @Test
    void metricsCountRequestsByStatusWithLatencyHistograms() throws Exception {
        get("/v1/users/u-1/recommendations");
        get("/v1/users/nobody/recommendations");
        get("/v1/users/u-1/recommendations?k=0");
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        String text = r.body();
        assertThat(text)
                .containsPattern("tandem_serve_requests_total\\{endpoint=\"recommendations\",status=\"200\"} [1-9]")
                .containsPattern("tandem_serve_requests_total\\{endpoint=\"recommendations\",status=\"404\"} [1-9]")
                .containsPattern("tandem_serve_requests_total\\{endpoint=\"recommendations\",status=\"400\"} [1-9]")
                .contains("tandem_serve_request_duration_seconds_bucket{endpoint=\"recommendations\",le=\"0.001\"}")
                .contains("tandem_serve_request_duration_seconds_count{endpoint=\"recommendations\"}")
                .contains("tandem_serve_store_read_duration_seconds_count")
                .contains("tandem_serve_store_errors_total")
                .contains("tandem_serve_store_ready 1.0");
    }

    /** Escapes the JDK's HTTP client refuses to send. */
    @Test
    void malformedEscapesAreRefused() {
        assertThatThrownBy(() -> RecommendationsHttpServer.percentDecode("%zz"))
                .hasMessage("bad percent-escape at index 0");
        assertThatThrownBy(() -> RecommendationsHttpServer.percentDecode("ab%2"))
                .hasMessage("truncated percent-escape at index 2");
        assertThat(RecommendationsHttpServer.percentDecode("a+b%C3%A9")).isEqualTo("a+bé");
    }

    @Test
    void kDefaultsAndBounds() {
        assertThat(RecommendationsHttpServer.k(null)).isEqualTo(10);
        assertThat(RecommendationsHttpServer.k("")).isEqualTo(10);
        assertThat(RecommendationsHttpServer.k("kk=5")).isEqualTo(10);
        assertThat(RecommendationsHttpServer.k("k=1000")).isEqualTo(1000);
    }
}
