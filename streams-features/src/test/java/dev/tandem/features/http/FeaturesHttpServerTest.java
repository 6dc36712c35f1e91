package dev.tandem.features.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.UserFeatures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API against fake lookups: two servers, each owning the users the map assigns to it. */
class FeaturesHttpServerTest {
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicBoolean ready = new AtomicBoolean(false);
    private final List<String> lookedUpOnB = new CopyOnWriteArrayList<>();
    private FeaturesHttpServer a;
    private FeaturesHttpServer b;
    private UserFeatures alice;

    @BeforeEach
    void start() {
        BehaviourSequence seq = new BehaviourSequence(SequencePolicy.defaults());
        SequenceUpdater.apply(seq, new BehaviourEvent("e1", "42", "7", Action.VIEW, 1_700_000_000_000L));
        alice = seq.toUserFeatures("alice");
        a = new FeaturesHttpServer("127.0.0.1", 0, 16, () -> true, ready::get, () -> "# HELP x\nx 1\n");
        b = new FeaturesHttpServer("127.0.0.1", 0, 16, () -> true, () -> true, () -> "");
        Map<String, UserFeatures> onB = Map.of("alice", alice, "a b+é", alice);
        a.setLookup(id -> id.equals("rebalancing")
                ? new FeatureLookup.Unavailable("rebalancing")
                : id.equals("local")
                        ? new FeatureLookup.Found(alice)
                        : new FeatureLookup.Remote("127.0.0.1", b.port()));
        b.setLookup(id -> {
            lookedUpOnB.add(id);
            if (id.equals("loop")) return new FeatureLookup.Remote("127.0.0.1", a.port());
            UserFeatures f = onB.get(id);
            return f == null ? new FeatureLookup.NotFound() : new FeatureLookup.Found(f);
        });
        a.start();
        b.start();
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
    }

    private HttpResponse<String> get(FeaturesHttpServer s, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void localUserIsServedAsJson() throws Exception {
        HttpResponse<String> r = get(a, "/v1/users/local/features");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body())
                .isEqualTo(new String(UserFeaturesJson.toBytes(alice), StandardCharsets.UTF_8))
                .contains("\"user_id\":\"alice\"", "\"item_id\":\"42\"", "\"action\":\"VIEW\"");
    }

    @Test
    void aUserOwnedElsewhereIsForwardedOnceToItsOwner() throws Exception {
        HttpResponse<String> r = get(a, "/v1/users/alice/features");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"user_id\":\"alice\"");
        assertThat(lookedUpOnB).containsExactly("alice");

        HttpResponse<String> encoded = get(a, "/v1/users/a%20b+%C3%A9/features");
        assertThat(encoded.statusCode())
                .as("ids are percent-decoded and re-encoded on the hop")
                .isEqualTo(200);
        assertThat(lookedUpOnB).endsWith("a b+é");

        assertThat(get(a, "/v1/users/nobody/features").statusCode())
                .as("the owner's 404 is relayed")
                .isEqualTo(404);
        HttpResponse<String> loop = get(a, "/v1/users/loop/features");
        assertThat(loop.statusCode())
                .as("a forwarded request is never forwarded again")
                .isEqualTo(503);
    }

    @Test
    void malformedIdsAre400WithAMessage() throws Exception {
        for (String path : List.of(
                "/v1/users//features",
                "/v1/users/" + "x".repeat(17) + "/features",
                "/v1/users/a%2Fb/features",
                "/v1/users/a%00b/features",
                "/v1/users/%C3/features",
                "/v1/users/a/b/features",
                "/v1/users/%20/features",
                "/v1/users/%20%20%E2%80%83/features",
                "/v1/users/" + "%C3%A9".repeat(17) + "/features")) {
            HttpResponse<String> r = get(a, path);
            assertThat(r.statusCode()).as(path).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            assertThat(r.body()).as(path).startsWith("{\"error\":\"").hasSizeGreaterThan(15);
        }
        assertThat(get(a, "/v1/users/%20/features").body()).isEqualTo("{\"error\":\"user id is blank\"}");
        assertThat(get(a, "/v1/users/" + "%C3%A9".repeat(17) + "/features").body())
                .isEqualTo("{\"error\":\"user id is 17 chars long, at most 16 allowed\"}");
        assertThat(lookedUpOnB).as("no malformed id reaches a lookup").isEmpty();
    }

    @Test
    void percentDecodingIsStrict() {
        assertThat(FeaturesHttpServer.percentDecode("a%20b+%C3%A9")).isEqualTo("a b+é");
        for (String bad : List.of("a%2", "%zz", "%", "%C3", "%FF")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> FeaturesHttpServer.percentDecode(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void unavailableIs503WithRetryAfter() throws Exception {
        HttpResponse<String> r = get(a, "/v1/users/rebalancing/features");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    }

    @Test
    void anOwnerThatDoesNotAnswerIs503WithRetryAfter() throws Exception {
        // an instance leaving the group closes its API before the group moves its partitions away
        FeaturesHttpServer gone = new FeaturesHttpServer("127.0.0.1", 0, 16, () -> true, () -> true, () -> "");
        int port = gone.port();
        gone.close();
        a.setLookup(id -> new FeatureLookup.Remote("127.0.0.1", port));
        HttpResponse<String> r = get(a, "/v1/users/alice/features");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.body()).contains("did not answer");
    }

    @Test
    void healthReadyAndMetrics() throws Exception {
        assertThat(get(a, "/health").statusCode()).isEqualTo(200);
        assertThat(get(a, "/ready").statusCode()).isEqualTo(503);
        ready.set(true);
        assertThat(get(a, "/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> m = get(a, "/metrics");
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.headers().firstValue("Content-Type")).hasValue(FeaturesHttpServer.PROMETHEUS_CONTENT_TYPE);
        assertThat(m.body()).contains("x 1");
        assertThat(get(a, "/nope").statusCode()).isEqualTo(404);
        assertThat(FeatureNames.HTTP_FORWARDED_HEADER).isNotBlank();
    }
}
