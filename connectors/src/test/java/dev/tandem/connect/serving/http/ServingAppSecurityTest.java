package dev.tandem.connect.serving.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.connect.serving.InMemoryRecommendationStore;
import dev.tandem.connect.serving.RankedItem;
import dev.tandem.connect.serving.Recommendation;
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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recommendations API configured with a bearer token and with TLS, through {@link ServingConfig}. */
class ServingAppSecurityTest {
    private static final String STORE = "mem:serving-security-test";
    private static final String TOKEN = "serve-token";

    @TempDir
    static Path dir;

    private static KafkaSecurity certs;

    @BeforeAll
    static void setUp() throws IOException {
        certs = KafkaSecurity.inDirectory(dir.resolve("security"), List.of());
        InMemoryRecommendationStore.named("serving-security-test")
                .put(new Recommendation(
                        "u-1",
                        "req-1",
                        1L,
                        "funnel",
                        "v1",
                        null,
                        1L,
                        List.of("CART"),
                        "probability:CART",
                        List.of(new RankedItem("i-1", 0.5, new float[] {0.5f}, null))));
    }

    private static int status(HttpClient client, String url, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) r.header("Authorization", "Bearer " + token);
        return client.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static ServingConfig config(Map<String, String> env) {
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("TANDEM_STORE", STORE);
        e.put("TANDEM_HTTP_PORT", "0");
        return ServingConfig.load(null, e);
    }

    @Test
    void withATokenEverythingButTheProbesWantsIt() throws Exception {
        try (ServingApp app = ServingApp.start(config(Map.of("TANDEM_HTTP_AUTH_TOKEN", TOKEN)))) {
            HttpClient c = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + app.port();
            assertThat(status(c, base + "/v1/users/u-1/recommendations", null)).isEqualTo(401);
            assertThat(status(c, base + "/v1/users/u-1/recommendations", "wrong"))
                    .isEqualTo(401);
            assertThat(status(c, base + "/metrics", null)).isEqualTo(401);
            assertThat(status(c, base + "/v1/users/u-1/recommendations", TOKEN)).isEqualTo(200);
            assertThat(status(c, base + "/metrics", TOKEN)).isEqualTo(200);
            assertThat(status(c, base + "/health", null)).isEqualTo(200);
            assertThat(status(c, base + "/ready", null)).isEqualTo(200);
        }
    }

    @Test
    void withAKeystoreItSpeaksHttpsOnly(@TempDir Path tmp) throws Exception {
        Path tokenFile = Files.writeString(tmp.resolve("token"), TOKEN);
        ServingConfig c = config(Map.of(
                "TANDEM_HTTP_TLS_KEYSTORE_PATH", certs.keyStore().toString(),
                "TANDEM_HTTP_TLS_KEYSTORE_PASSWORD", certs.trustStorePassword(),
                "TANDEM_HTTP_AUTH_TOKEN_FILE", tokenFile.toString()));
        try (ServingApp app = ServingApp.start(c)) {
            HttpClient trusting = HttpClient.newBuilder()
                    .sslContext(SslContexts.trusting(certs.trustStore(), certs.trustStorePassword(), "PKCS12"))
                    .build();
            String path = "127.0.0.1:" + app.port() + "/v1/users/u-1/recommendations";
            assertThat(status(trusting, "https://" + path, TOKEN)).isEqualTo(200);
            assertThat(status(trusting, "https://" + path, null)).isEqualTo(401);
            assertThatThrownBy(() -> status(HttpClient.newHttpClient(), "http://" + path, TOKEN))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void secretsAreMaskedWhenPrinted() {
        ServingConfig c = config(Map.of(
                "TANDEM_HTTP_TLS_KEYSTORE_PATH", "/etc/tls/serve.p12",
                "TANDEM_HTTP_TLS_KEYSTORE_PASSWORD", "ks-s3cret",
                "TANDEM_HTTP_AUTH_TOKEN", "tok-s3cret"));
        assertThat(c.httpSecurity().tls()).isTrue();
        assertThat(c.describe())
                .doesNotContain("s3cret")
                .contains(
                        "http.tls.keystore.path = /etc/tls/serve.p12",
                        "http.tls.keystore.password = ****",
                        "http.auth.token = ****",
                        "http.auth.token.file = \n");
        assertThat(config(Map.of()).httpSecurity()).isEqualTo(HttpSecurity.NONE);
    }
}
