package dev.tandem.monitoring.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.registry.SslContexts;
import dev.tandem.testkit.KafkaSecurity;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} and the probes, open by default, behind a bearer token and over TLS when configured. */
class MonitoringHttpServerTest {
    private static final String TOKEN = "scrape-token";
    private MonitoringHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private MonitoringHttpServer start(HttpSecurity security) {
        server = new MonitoringHttpServer("127.0.0.1", 0, () -> true, () -> true, () -> "x 1\n", security);
        server.start();
        return server;
    }

    private static HttpResponse<String> get(HttpClient client, String url, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) r.header("Authorization", "Bearer " + token);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void openByDefault() throws Exception {
        String base = "http://127.0.0.1:" + start(HttpSecurity.NONE).port();
        HttpResponse<String> m = get(HttpClient.newHttpClient(), base + "/metrics", null);
        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.body()).isEqualTo("x 1\n");
    }

    @Test
    void withATokenMetricsWantItAndTheProbesDoNot() throws Exception {
        MonitoringConfig c = MonitoringConfig.load(null, Map.of("TANDEM_HTTP_AUTH_TOKEN", TOKEN));
        String base = "http://127.0.0.1:" + start(c.httpSecurity()).port();
        HttpClient client = HttpClient.newHttpClient();
        HttpResponse<String> none = get(client, base + "/metrics", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(get(client, base + "/metrics", "wrong").statusCode()).isEqualTo(401);
        assertThat(get(client, base + "/metrics", TOKEN).body()).isEqualTo("x 1\n");
        assertThat(get(client, base + "/health", null).statusCode()).isEqualTo(200);
        assertThat(get(client, base + "/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void withAKeystoreItSpeaksHttpsOnly(@TempDir Path dir) throws Exception {
        KafkaSecurity certs = KafkaSecurity.inDirectory(dir, List.of());
        MonitoringConfig c = MonitoringConfig.fromMap(Map.of(
                MonitoringConfig.HTTP_TLS_KEYSTORE_PATH, certs.keyStore().toString(),
                MonitoringConfig.HTTP_TLS_KEYSTORE_PASSWORD, certs.trustStorePassword()));
        int port = start(c.httpSecurity()).port();
        HttpClient trusting = HttpClient.newBuilder()
                .sslContext(SslContexts.trusting(certs.trustStore(), certs.trustStorePassword(), "PKCS12"))
                .build();
        assertThat(get(trusting, "https://127.0.0.1:" + port + "/metrics", null).statusCode())
                .isEqualTo(200);
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/metrics", null))
                .isInstanceOf(IOException.class);
    }
}
