package dev.tandem.schemas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.registry.SslContexts;
import dev.tandem.schemas.testing.SelfSignedCert;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared HTTPS and bearer-token piece: settings, the filter's answers, and TLS with a generated certificate. */
class HttpSecurityTest {
    private static final Map<String, String> DEFAULTS = defaults();
    private HttpServer server;

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("http.port", "8080");
        d.putAll(HttpSecurity.DEFAULTS);
        return d;
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void offByDefault() {
        HttpSecurity s = HttpSecurity.from(Settings.of(DEFAULTS, Set.of(), Map.of()));
        assertThat(s).isEqualTo(HttpSecurity.NONE);
        assertThat(s.tls()).isFalse();
        assertThat(s.bearerToken()).isNull();
        assertThat(s.serverContext()).isNull();
        assertThat(s.asMap()).isEqualTo(HttpSecurity.DEFAULTS);
    }

    @Test
    void readFromTheEnvironmentAndMaskedWhenPrinted(@TempDir Path dir) throws IOException {
        Path tokenFile = Files.writeString(dir.resolve("token"), "from-file\n");
        Settings v = Settings.load(
                DEFAULTS,
                Set.of(),
                null,
                Map.of(
                        "TANDEM_HTTP_TLS_KEYSTORE_PATH", "/etc/tls/api.p12",
                        "TANDEM_HTTP_TLS_KEYSTORE_PASSWORD", "ks-secret",
                        "TANDEM_HTTP_AUTH_TOKEN_FILE", tokenFile.toString()));
        HttpSecurity s = HttpSecurity.from(v);
        assertThat(s.keystore()).isEqualTo(Path.of("/etc/tls/api.p12"));
        assertThat(s.keystoreType()).isEqualTo("PKCS12");
        assertThat(s.scheme()).isEqualTo("https");
        assertThat(s.bearerToken()).isEqualTo("from-file");
        String printed = Settings.describe("t", s.asMap());
        assertThat(printed)
                .doesNotContain("ks-secret")
                .contains("http.tls.keystore.password = ****")
                .contains("http.auth.token.file = " + tokenFile);

        HttpSecurity inline =
                HttpSecurity.from(Settings.load(DEFAULTS, Set.of(), null, Map.of("TANDEM_HTTP_AUTH_TOKEN", "t0ken")));
        assertThat(inline.bearerToken()).isEqualTo("t0ken");
        assertThat(inline.toString()).doesNotContain("t0ken");
        assertThat(Settings.describe("t", inline.asMap()))
                .doesNotContain("t0ken")
                .contains("http.auth.token = ****");
    }

    @Test
    void aTokenAndATokenFileTogetherAreRefused() {
        assertThatThrownBy(() -> HttpSecurity.from(
                        Settings.of(DEFAULTS, Set.of(), Map.of("http.auth.token", "a", "http.auth.token.file", "/x"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.auth.token.file")
                .hasMessageNotContaining("= 'a'");
    }

    @Test
    void anEmptyOrMissingTokenFileIsAnErrorNotAnOpenApi(@TempDir Path dir) throws IOException {
        Path empty = Files.writeString(dir.resolve("empty"), " \n");
        assertThatThrownBy(() -> new HttpSecurity(null, null, null, null, empty).bearerToken())
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> new HttpSecurity(null, null, null, null, dir.resolve("absent")).bearerToken())
                .hasMessageContaining("cannot be read");
    }

    @Test
    void theFilterWantsTheTokenEverywhereButTheProbes() throws Exception {
        server = JdkHttpServers.create(new InetSocketAddress("127.0.0.1", 0), 0, HttpSecurity.NONE);
        JdkHttpServers.context(server, "/", HttpSecurityTest::ok, "right");
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        HttpClient client = HttpClient.newHttpClient();

        HttpResponse<String> none = get(client, base + "/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(h -> assertThat(h).startsWith("Bearer"));
        assertThat(none.body()).isEqualTo("{\"error\":\"bearer token required\"}\n");

        HttpResponse<String> wrong = get(client, base + "/metrics", "Bearer wrong");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(h -> assertThat(h).contains("invalid_token"));
        assertThat(get(client, base + "/metrics", "Basic cmlnaHQ=").statusCode())
                .isEqualTo(401);
        assertThat(get(client, base + "/metrics", "Bearer righ").statusCode()).isEqualTo(401);

        assertThat(get(client, base + "/metrics", "Bearer right").statusCode()).isEqualTo(200);
        assertThat(get(client, base + "/metrics", "bearer right").statusCode()).isEqualTo(200);
        assertThat(get(client, base + "/health", null).statusCode()).isEqualTo(200);
        assertThat(get(client, base + "/ready", null).statusCode()).isEqualTo(200);
        assertThat(get(client, base + "/health/x", null).statusCode()).isEqualTo(401);
    }

    @Test
    void withAKeystoreTheServerSpeaksHttpsOnly(@TempDir Path dir) throws Exception {
        SelfSignedCert cert = SelfSignedCert.generate(dir);
        HttpSecurity tls = new HttpSecurity(cert.keystore(), cert.password(), null, null, null);
        server = JdkHttpServers.create(new InetSocketAddress("127.0.0.1", 0), 0, tls);
        assertThat(server).isInstanceOf(HttpsServer.class);
        JdkHttpServers.context(server, "/", HttpSecurityTest::ok, tls.bearerToken());
        server.start();
        int port = server.getAddress().getPort();

        HttpClient trusting = HttpClient.newBuilder()
                .sslContext(SslContexts.trusting(cert.truststore(), cert.password(), "PKCS12"))
                .build();
        assertThat(get(trusting, "https://127.0.0.1:" + port + "/metrics", null).body())
                .isEqualTo("ok");
        // instances sharing the keystore trust one another with it alone
        HttpClient peer = HttpClient.newBuilder().sslContext(tls.peerContext()).build();
        assertThat(get(peer, "https://127.0.0.1:" + port + "/metrics", null).statusCode())
                .isEqualTo(200);

        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/metrics", null))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "https://127.0.0.1:" + port + "/metrics", null))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aBadKeystoreFailsBeforeAnythingIsBound(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.p12"), "not a keystore");
        HttpSecurity tls = new HttpSecurity(junk, "x", "PKCS12", null, null);
        assertThatThrownBy(() -> JdkHttpServers.create(new InetSocketAddress("127.0.0.1", 0), 0, tls))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("junk.p12");
    }

    private static void ok(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        byte[] b = "ok".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    static HttpResponse<String> get(HttpClient client, String url, String authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
