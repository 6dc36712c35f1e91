package dev.tandem.bench.features;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator's HTTP client against the JDK's server, as the benches' APIs run on it. */
class KeepAliveHttpTest {
    private HttpServer server;
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final Set<Object> connections = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getRawPath();
            paths.add(path);
            connections.add(ex.getRemoteAddress());
            if (path.contains("close")) ex.getResponseHeaders().set("Connection", "close");
            int status = path.contains("missing") ? 404 : path.contains("empty") ? 204 : 200;
            byte[] body = ("{\"path\":\"" + path + "\",\"pad\":\"" + "x".repeat(100_000) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, status == 204 ? -1 : body.length);
            try (OutputStream out = ex.getResponseBody()) {
                if (status != 204) out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private KeepAliveHttp.Requests requests(List<String> ids) {
        return KeepAliveHttp.Requests.of(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/users/{id}/recommendations?k=5", ids);
    }

    @Test
    void readsEachResponseToItsEndOnOneConnection() {
        try (KeepAliveHttp.Connection c =
                new KeepAliveHttp.Connection(requests(List.of("u 1", "missing", "empty", "ü")))) {
            assertThat(List.of(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4)))
                    .containsExactly(200, 404, 204, 200, 200);
        }
        assertThat(paths)
                .containsExactly(
                        "/v1/users/u+1/recommendations",
                        "/v1/users/missing/recommendations",
                        "/v1/users/empty/recommendations",
                        "/v1/users/%C3%BC/recommendations",
                        "/v1/users/u+1/recommendations");
        assertThat(connections).hasSize(1);
    }

    @Test
    void reconnectsAfterTheServerClosesOrGoesAway() {
        try (KeepAliveHttp.Connection c = new KeepAliveHttp.Connection(requests(List.of("close", "u")))) {
            assertThat(c.get(0)).isEqualTo(200);
            assertThat(c.get(1)).isEqualTo(200);
            assertThat(connections).hasSize(2);

            int port = server.getAddress().getPort();
            server.stop(0);
            assertThat(c.get(1)).isEqualTo(-1);
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
            } catch (IOException e) {
                return; // the port was taken meanwhile: the failure half is what this part checks
            }
            server.createContext("/", ex -> {
                ex.sendResponseHeaders(200, 2);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write("ok".getBytes(StandardCharsets.US_ASCII));
                }
            });
            server.start();
            assertThat(c.get(1)).isEqualTo(200);
        }
    }
}
