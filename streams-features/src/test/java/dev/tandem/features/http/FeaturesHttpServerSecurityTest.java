package dev.tandem.features.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.registry.SslContexts;
import dev.tandem.testkit.KafkaSecurity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features API with a bearer token and with TLS: refused without the token, probes open, forwarding kept. */
class FeaturesHttpServerSecurityTest {
    private static final String TOKEN = "features-token";

    @TempDir
    static Path dir;

    private static KafkaSecurity certs;
    private static UserFeatures alice;
    private FeaturesHttpServer a;
    private FeaturesHttpServer b;

    @BeforeAll
    static void certificate() throws IOException {
        certs = KafkaSecurity.inDirectory(dir.resolve("security"), List.of());
        alice = new BehaviourSequence(SequencePolicy.defaults()).toUserFeatures("alice");
    }

    @AfterEach
    void stop() {
        if (a != null) a.close();
        if (b != null) b.close();
    }

    /** Two instances: {@code a} owns "local" and forwards every other user to {@code b}, which owns "alice". */
    private void start(HttpSecurity security) {
        a = new FeaturesHttpServer("127.0.0.1", 0, 16, () -> true, () -> true, () -> "x 1\n", security);
        b = new FeaturesHttpServer("127.0.0.1", 0, 16, () -> true, () -> true, () -> "", security);
        a.setLookup(id ->
                id.equals("local") ? new FeatureLookup.Found(alice) : new FeatureLookup.Remote("127.0.0.1", b.port()));
        b.setLookup(id -> id.equals("alice") ? new FeatureLookup.Found(alice) : new FeatureLookup.NotFound());
        a.start();
        b.start();
    }

    private static int status(HttpClient client, String url, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) r.header("Authorization", "Bearer " + token);
        return client.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void withATokenOnlyTheProbesAreOpen() throws Exception {
        start(new HttpSecurity(null, null, null, TOKEN, null));
        HttpClient c = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + a.port();
        assertThat(status(c, base + "/v1/users/local/features", null)).isEqualTo(401);
        assertThat(status(c, base + "/v1/users/local/features", "wrong")).isEqualTo(401);
        assertThat(status(c, base + "/metrics", null)).isEqualTo(401);
        assertThat(status(c, base + "/v1/users/local/features", TOKEN)).isEqualTo(200);
        assertThat(status(c, base + "/metrics", TOKEN)).isEqualTo(200);
        assertThat(status(c, base + "/health", null)).isEqualTo(200);
        assertThat(status(c, base + "/ready", null)).isEqualTo(200);
        // the owner wants the token too: the forwarding instance passes its own on
        assertThat(status(c, "http://127.0.0.1:" + b.port() + "/v1/users/alice/features", null))
                .isEqualTo(401);
        assertThat(status(c, base + "/v1/users/alice/features", TOKEN)).isEqualTo(200);
    }

    @Test
    void withAKeystoreTheApiAndForwardingSpeakHttps() throws Exception {
        start(new HttpSecurity(certs.keyStore(), certs.trustStorePassword(), "PKCS12", TOKEN, null));
        HttpClient trusting = HttpClient.newBuilder()
                .sslContext(SslContexts.trusting(certs.trustStore(), certs.trustStorePassword(), "PKCS12"))
                .build();
        String base = "https://127.0.0.1:" + a.port();
        assertThat(status(trusting, base + "/v1/users/local/features", TOKEN)).isEqualTo(200);
        assertThat(status(trusting, base + "/v1/users/alice/features", TOKEN)).isEqualTo(200);
        assertThat(status(trusting, base + "/v1/users/local/features", null)).isEqualTo(401);
        assertThat(status(trusting, base + "/health", null)).isEqualTo(200);
        assertThatThrownBy(() -> status(
                        HttpClient.newHttpClient(), "http://127.0.0.1:" + a.port() + "/v1/users/local/features", TOKEN))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aTokenFileIsReadAtStart(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        start(new HttpSecurity(null, null, null, null, file));
        HttpClient c = HttpClient.newHttpClient();
        assertThat(status(c, "http://127.0.0.1:" + a.port() + "/metrics", TOKEN))
                .isEqualTo(200);
        assertThat(status(c, "http://127.0.0.1:" + a.port() + "/metrics", null)).isEqualTo(401);
    }
}
