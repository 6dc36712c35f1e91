package dev.tandem.testkit.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The few calls of Kafka Connect's REST API the platform makes, on any worker (ours in-process or a child JVM). */
public final class ConnectRest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(250);

    private final URI base;
    private final HttpClient client;
    private final Duration requestTimeout;

    /** @param base the worker's REST URL, e.g. {@code http://127.0.0.1:8083/} */
    public ConnectRest(URI base, Duration requestTimeout) {
        this(base, requestTimeout, null);
    }

    /** @param tls what an {@code https} worker's certificate is checked against; null for the JVM's default trust */
    public ConnectRest(URI base, Duration requestTimeout, javax.net.ssl.SSLContext tls) {
        this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
        this.requestTimeout = requestTimeout;
        HttpClient.Builder b =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1);
        if (tls != null) b.sslContext(tls);
        this.client = b.build();
    }

    public URI base() {
        return base;
    }

    /** An HTTP answer: status and body (parsed JSON when it is some, else null). */
    public record Response(int status, String body) {
        public JsonNode json() {
            try {
                return body == null || body.isBlank() ? null : MAPPER.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }

        /** Connect's {@code {"error_code":…, "message":…}}, or the body itself. */
        public String errorMessage() {
            JsonNode j = json();
            if (j != null && j.hasNonNull("message")) return j.get("message").asText();
            return body == null || body.isBlank() ? "HTTP " + status : body.strip();
        }
    }

    public Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    public Response put(String path, Object json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(json))));
    }

    public Response delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
    }

    private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(
                request.timeout(requestTimeout)
                        .header("Accept", "application/json")
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(r.statusCode(), r.body());
    }

    /**
     * Waits until {@code GET /health} answers 200: the worker has joined its group and read its config topic.
     *
     * @param failure the worker's own failure, checked between polls (null when it runs elsewhere)
     * @throws IllegalStateException when the worker fails or is not healthy within {@code timeout}
     */
    public void awaitHealthy(Duration timeout, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (true) {
            String failed = failure == null ? null : failure.get();
            if (failed != null) throw new IllegalStateException(failed);
            try {
                Response r = get("health");
                if (r.status() == 200) return;
                last = "HTTP " + r.status() + ": " + r.errorMessage();
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the Connect worker at " + base + " was not healthy within "
                        + timeout.toSeconds() + " s (" + last + ")");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** {@code GET /connector-plugins?connectorsOnly=false}: the class of every plugin the worker found. */
    public List<String> pluginClasses() throws IOException, InterruptedException {
        Response r = get("connector-plugins?connectorsOnly=false");
        if (r.status() != 200) throw new IOException("GET /connector-plugins: " + r.errorMessage());
        List<String> classes = new ArrayList<>();
        for (JsonNode p : r.json()) classes.add(p.path("class").asText());
        return classes;
    }

    static String connectorPath(String name, String suffix) {
        return "connectors/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20") + suffix;
    }

    /** {@code PUT /connectors/NAME/config}: 201 created, 200 updated. */
    public Response putConfig(String name, Map<String, String> config) throws IOException, InterruptedException {
        return put(connectorPath(name, "/config"), config);
    }

    /** {@code GET /connectors/NAME/status}. */
    public Response status(String name) throws IOException, InterruptedException {
        return get(connectorPath(name, "/status"));
    }

    /** {@code DELETE /connectors/NAME}: 204 when the worker stopped and removed it, 404 when there was none. */
    public Response deleteConnector(String name) throws IOException, InterruptedException {
        return delete(connectorPath(name, ""));
    }
}
