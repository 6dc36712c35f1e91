package dev.tandem.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.schemas.registry.server.SchemaRegistryServer;
import dev.tandem.schemas.testing.SelfSignedCert;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which failures the client retries (5xx, 429, connection) and which it never does (4xx); and TLS. */
class RetryAndTlsTest {
    private HttpServer stub;
    private final AtomicInteger calls = new AtomicInteger();

    @AfterEach
    void stop() {
        if (stub != null) stub.stop(0);
    }

    /** Answers {@code failures} times with {@code failStatus}, then with 200 and {@code okBody}. */
    private String stub(int failures, int failStatus, String okBody) throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", ex -> {
            int n = calls.incrementAndGet();
            boolean fail = n <= failures;
            byte[] body = (fail
                            ? "{\"error_code\":" + (failStatus == 404 ? 40401 : failStatus) + ",\"message\":\"nope\"}"
                            : okBody)
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(fail ? failStatus : 200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        stub.start();
        return "http://127.0.0.1:" + stub.getAddress().getPort();
    }

    private static RestSchemaRegistryClient client(String url, int retries) {
        return RestSchemaRegistryClient.create(
                url, Map.of("max.retries", retries, "retries.wait.ms", 1, "retries.max.wait.ms", 5));
    }

    @Test
    void retries5xxThenSucceeds() throws IOException {
        String url = stub(2, 503, "[\"events-value\"]");
        assertThat(client(url, 3).listSubjects()).containsExactly("events-value");
        assertThat(calls).hasValue(3);
    }

    @Test
    void retries429() throws IOException {
        String url = stub(1, 429, "[]");
        assertThat(client(url, 3).listSubjects()).isEmpty();
        assertThat(calls).hasValue(2);
    }

    @Test
    void givesUpAfterMaxRetriesWithTheLastStatus() throws IOException {
        String url = stub(100, 500, "[]");
        assertThatThrownBy(() -> client(url, 2).listSubjects())
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.status()).isEqualTo(500));
        assertThat(calls).hasValue(3);
    }

    @Test
    void neverRetries4xx() throws IOException {
        String url = stub(1, 404, "[]");
        assertThatThrownBy(() -> client(url, 3).getLatestVersion("events-value"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40401);
                });
        assertThat(calls).hasValue(1);
    }

    @Test
    void connectionRefusedIsRetriedThenReportedAsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> client("http://127.0.0.1:" + closedPort, 2).listSubjects())
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.UNREACHABLE);
                    assertThat(e.getMessage()).contains("3 attempt(s)");
                });
    }

    @Test
    void failsOverToTheNextUrlOfTheList() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = stub(0, 500, "[\"a\"]");
        assertThat(client("http://127.0.0.1:" + closedPort + "," + url, 1).listSubjects())
                .containsExactly("a");
    }

    @Test
    void tlsWithATruststoreFromConfluentKeys(@TempDir Path dir) throws Exception {
        SelfSignedCert cert = SelfSignedCert.generate(dir);
        try (SchemaRegistryServer server = SchemaRegistryServer.builder()
                .port(0)
                .tls(SslContexts.forServer(cert.keystore(), cert.password(), "PKCS12"))
                .start()) {
            assertThat(server.url()).startsWith("https://127.0.0.1:");
            var trusting = RestSchemaRegistryClient.create(
                    server.url(),
                    Map.of(
                            "schema.registry.ssl.truststore.location",
                                    cert.truststore().toString(),
                            "schema.registry.ssl.truststore.password", cert.password(),
                            "schema.registry.ssl.truststore.type", "PKCS12"));
            assertThat(trusting.register("s", dev.tandem.schemas.UserEvent.getClassSchema()))
                    .isEqualTo(1);

            var untrusting = RestSchemaRegistryClient.create(server.url(), Map.of("max.retries", 0));
            assertThatThrownBy(untrusting::listSubjects)
                    .isInstanceOfSatisfying(
                            SchemaRegistryException.class,
                            e -> assertThat(e.getCause()).isInstanceOf(javax.net.ssl.SSLException.class));
        }
    }

    @Test
    void configParsingRejectsNonsenseAndMasksSecrets() {
        assertThatThrownBy(() -> RegistryClientConfig.from("ftp://x", Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RegistryClientConfig.from(null, Map.of())).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() ->
                        RegistryClientConfig.from("http://x", Map.of("basic.auth.credentials.source", "SASL_INHERIT")))
                .hasMessageContaining("SASL_INHERIT");
        RegistryClientConfig c = RegistryClientConfig.from(
                "http://a:1, http://b:2/prefix/",
                Map.of(
                        "basic.auth.credentials.source",
                        "USER_INFO",
                        "basic.auth.user.info",
                        "me:hunter2",
                        "http.connect.timeout.ms",
                        "1500",
                        "max.retries",
                        7));
        assertThat(c.urls()).extracting(Object::toString).containsExactly("http://a:1", "http://b:2/prefix");
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.maxRetries()).isEqualTo(7);
        assertThat(c.toString()).contains("me:****").doesNotContain("hunter2");
    }
}
