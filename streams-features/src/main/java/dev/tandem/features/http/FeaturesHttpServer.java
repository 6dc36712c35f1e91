package dev.tandem.features.http;

import static dev.tandem.features.FeatureNames.HTTP_FORWARDED_HEADER;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.http.JdkHttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The features API on the JDK's HTTP server.
 * <ul>
 *   <li>{@code GET /v1/users/{id}/features}: 200 JSON ({@link UserFeaturesJson}); 400 for a malformed id (empty,
 *       blank, longer than the policy's {@code maxIdLength}, not UTF-8, with '/' or control characters);
 *       404 for an unknown user; 503 while the owner is unknown or does not answer (it is leaving: the
 *       group is about to move its partitions). A user owned by another instance is fetched from it (one
 *       hop: a forwarded request is never forwarded again) and relayed as is.</li>
 *   <li>{@code GET /health}: 200 unless the app failed; {@code GET /ready}: 200 only when ready.</li>
 *   <li>{@code GET /metrics}: Prometheus text.</li>
 * </ul>
 * Errors are JSON {@code {"error": "..."}}. With {@link HttpSecurity} the server speaks HTTPS and/or wants a bearer
 * token on everything but the probes; a request forwarded to the owner carries the same token over the same scheme.
 */
public final class FeaturesHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeaturesHttpServer.class);
    private static final String USERS_PREFIX = "/v1/users/";
    private static final String FEATURES_SUFFIX = "/features";
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static {
        JdkHttpServers.enableNoDelay();
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final String scheme;
    private final String authorization;
    private final int maxIdLength;
    private volatile FeatureLookup lookup;
    private final BooleanSupplier healthy;
    private final BooleanSupplier ready;
    private final Supplier<String> metrics;

    /** Binds {@code host:port} now (port 0: any free port, see {@link #port()}); serves after {@link #start()}. */
    public FeaturesHttpServer(
            String host,
            int port,
            int maxIdLength,
            BooleanSupplier healthy,
            BooleanSupplier ready,
            Supplier<String> metrics) {
        this(host, port, maxIdLength, healthy, ready, metrics, HttpSecurity.NONE);
    }

    /**
     * As above, protected as {@code security} says. Instances of one app share the keystore: a forwarding instance
     * trusts the certificates in it, so the owner's certificate must be there and name its advertised host.
     */
    public FeaturesHttpServer(
            String host,
            int port,
            int maxIdLength,
            BooleanSupplier healthy,
            BooleanSupplier ready,
            Supplier<String> metrics,
            HttpSecurity security) {
        this.maxIdLength = maxIdLength;
        this.healthy = Objects.requireNonNull(healthy, "healthy");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        String token = security.bearerToken();
        try {
            server = JdkHttpServers.create(new InetSocketAddress(host, port), 128, security);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "features-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        HttpClient.Builder cb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (security.tls()) cb.sslContext(security.peerContext());
        client = cb.build(); // own threads: never starve the server pool
        scheme = security.scheme();
        authorization = token == null ? null : "Bearer " + token;
        JdkHttpServers.context(server, "/", this::handle, token);
    }

    /** Where user lookups go; until set, feature requests answer 503. */
    public void setLookup(FeatureLookup lookup) {
        this.lookup = lookup;
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                error(ex, 405, "only GET is supported");
                return;
            }
            String rawPath = ex.getRequestURI().getRawPath();
            switch (rawPath) {
                case "/health" ->
                    text(ex, healthy.getAsBoolean() ? 200 : 503, healthy.getAsBoolean() ? "ok\n" : "failed\n");
                case "/ready" ->
                    text(ex, ready.getAsBoolean() ? 200 : 503, ready.getAsBoolean() ? "ready\n" : "not ready\n");
                case "/metrics" ->
                    send(ex, 200, PROMETHEUS_CONTENT_TYPE, metrics.get().getBytes(StandardCharsets.UTF_8));
                default -> {
                    if (rawPath.startsWith(USERS_PREFIX)
                            && rawPath.endsWith(FEATURES_SUFFIX)
                            && rawPath.length() >= USERS_PREFIX.length() + FEATURES_SUFFIX.length()) {
                        features(
                                ex,
                                rawPath.substring(USERS_PREFIX.length(), rawPath.length() - FEATURES_SUFFIX.length()));
                    } else {
                        error(ex, 404, "no such endpoint: " + rawPath);
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("request {} failed", ex.getRequestURI(), e);
            try {
                error(ex, 500, e.toString());
            } catch (IOException | RuntimeException ignored) {
                // response already started
            }
        }
    }

    /** The id's problem, or null when it is well-formed: ids the events topic refuses (EventValidator) are refused here too. */
    String validateId(String id) {
        if (id.isEmpty()) return "user id is empty";
        if (id.isBlank()) return "user id is blank";
        if (id.length() > maxIdLength)
            return "user id is " + id.length() + " chars long, at most " + maxIdLength + " allowed";
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '/')
                return "user id contains a control character or '/' at index " + i;
            if (Character.isSurrogate(c)
                    && !(Character.isHighSurrogate(c)
                            && i + 1 < id.length()
                            && Character.isLowSurrogate(id.charAt(++i)))) {
                return "user id is not valid UTF-16 at index " + i;
            }
        }
        return null;
    }

    private void features(HttpExchange ex, String rawId) throws IOException {
        String id;
        try {
            id = percentDecode(rawId);
        } catch (IllegalArgumentException e) {
            error(ex, 400, "malformed user id: " + e.getMessage());
            return;
        }
        String problem = rawId.contains("/") ? "user id contains '/'" : validateId(id);
        if (problem != null) {
            error(ex, 400, problem);
            return;
        }
        FeatureLookup l = lookup;
        if (l == null) {
            error(ex, 503, "not started");
            return;
        }
        FeatureLookup.Result r = l.lookup(id);
        if (r instanceof FeatureLookup.Found f) {
            send(ex, 200, "application/json", UserFeaturesJson.toBytes(f.features()));
        } else if (r instanceof FeatureLookup.NotFound) {
            error(ex, 404, "unknown user: " + id);
        } else if (r instanceof FeatureLookup.Unavailable u) {
            ex.getResponseHeaders().add("Retry-After", "1");
            error(ex, 503, u.reason());
        } else if (r instanceof FeatureLookup.Remote remote) {
            if (ex.getRequestHeaders().containsKey(HTTP_FORWARDED_HEADER)) {
                ex.getResponseHeaders().add("Retry-After", "1");
                error(
                        ex,
                        503,
                        "forwarded here but owned by " + remote.host() + ":" + remote.port() + " (rebalancing?)");
                return;
            }
            forward(ex, remote, id);
        }
    }

    /** Strict RFC 3986 percent-decoding into UTF-8 ('+' stays '+'); malformed escapes or UTF-8 are errors. */
    static String percentDecode(String raw) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("truncated percent-escape at index " + i);
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new IllegalArgumentException("bad percent-escape at index " + i);
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8 after percent-decoding");
        }
    }

    private void forward(HttpExchange ex, FeatureLookup.Remote remote, String id) throws IOException {
        URI uri = URI.create(scheme + "://" + remote.host() + ":" + remote.port() + USERS_PREFIX
                + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + FEATURES_SUFFIX);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .header(HTTP_FORWARDED_HEADER, "1")
                .GET();
        if (authorization != null) rb.header("Authorization", authorization);
        HttpRequest req = rb.build();
        try {
            HttpResponse<byte[]> resp = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
            send(
                    ex,
                    resp.statusCode(),
                    resp.headers().firstValue("Content-Type").orElse("application/json"),
                    resp.body());
        } catch (IOException e) {
            // The owner is stopping or gone: the group moves its partitions, so this is a retry, not a failure.
            ex.getResponseHeaders().add("Retry-After", "1");
            error(ex, 503, "owner " + remote.host() + ":" + remote.port() + " did not answer (leaving?): " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "interrupted");
        }
    }

    private static void error(HttpExchange ex, int status, String message) throws IOException {
        ObjectNode n = UserFeaturesJson.MAPPER.createObjectNode().put("error", message);
        send(ex, status, "application/json", UserFeaturesJson.MAPPER.writeValueAsBytes(n));
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
