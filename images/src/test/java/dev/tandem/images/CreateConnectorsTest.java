package dev.tandem.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's connector Job against a stand-in for Connect's REST API: what it sends, and its exit code for a
 * connector that runs, one that fails, and a worker that never answers.
 */
class CreateConnectorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer server;
    private final Map<String, JsonNode> puts = new ConcurrentHashMap<>();
    private volatile String connectorState = "RUNNING";
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void worker() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/connectors/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String name = path.split("/")[2];
            byte[] body;
            int status;
            if (exchange.getRequestMethod().equals("PUT") && path.endsWith("/config")) {
                status = puts.containsKey(name) ? 200 : 201;
                puts.put(name, JSON.readTree(exchange.getRequestBody()));
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else if (path.endsWith("/status")) {
                status = 200;
                body = JSON.writeValueAsBytes(Map.of(
                        "name", name,
                        "connector", Map.of("state", connectorState, "trace", "java.lang.IllegalStateException: no"),
                        "tasks", List.of(Map.of("id", 0, "state", "RUNNING"))));
            } else {
                status = 404;
                body = "{\"message\":\"no such path\"}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private int run(String... args) throws InterruptedException {
        return CreateConnectors.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** A ConfigMap as the kubelet mounts it: the files under ..data, a link per key at the top. */
    private Path configMap() throws IOException {
        Path data = Files.createDirectories(dir.resolve("..data"));
        Files.writeString(
                data.resolve("sink.json"),
                "{\"name\": \"tandem-connect-redis\", \"config\": {\"connector.class\": "
                        + "\"dev.tandem.connect.redis.RedisSinkConnector\", \"tasks.max\": 2}}");
        Files.createSymbolicLink(dir.resolve("sink.json"), data.resolve("sink.json"));
        return dir;
    }

    @Test
    void putsEachConnectorsConfigAndSucceedsOnceItRuns() throws Exception {
        Path files = configMap();

        assertThat(run(url(), "30", files.toString())).isZero();
        assertThat(run(url(), "30", files.toString())).isZero();

        assertThat(puts).containsOnlyKeys("tandem-connect-redis");
        assertThat(puts.get("tandem-connect-redis").path("tasks.max").asText()).isEqualTo("2");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("connector tandem-connect-redis: RUNNING, 1/1 task RUNNING (created)")
                .contains("(updated)");
    }

    @Test
    void aFailedConnectorFailsTheJobWithConnectsTrace() throws Exception {
        connectorState = "FAILED";

        assertThat(run(url(), "30", configMap().toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("connector tandem-connect-redis failed: java.lang.IllegalStateException: no");
    }

    @Test
    void aWorkerThatDoesNotAnswerFailsTheJobAtTheDeadline() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }

        assertThat(run("http://127.0.0.1:" + closed, "0", configMap().toString()))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("was not accepted within 0 s");
    }

    @Test
    void noConnectorFilesIsAUsageError() throws Exception {
        assertThat(run(url(), "30", dir.toString())).isEqualTo(2);
        assertThat(run(url())).isEqualTo(2);
    }
}
