package dev.tandem.connect.serving.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.http.ServeMetrics.Endpoint;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.http.JdkHttpServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recommendations API over a {@link RecommendationStore}, on the JDK's HTTP server.
 * <ul>
 *   <li>{@code GET /v1/users/{id}/recommendations?k=10}: 200 with the user's newest recommendation, its first
 *       {@code k} items (1..1000, default 10); 404 for a user the store has nothing for; 400 for a malformed id (empty,
 *       blank, over 256 chars, control characters or '/', bad percent-encoding) or k; 503 when the store fails.</li>
 *   <li>{@code GET /health}: 200 while the process serves; {@code GET /ready}: 200 when the store answers, else 503.</li>
 *   <li>{@code GET /metrics}: Prometheus text ({@link ServeMetrics}).</li>
 * </ul>
 * Errors are JSON {@code {"error": "..."}}. The handler does little besides the store read: one pass over the path,
 * a streaming JSON writer, meters looked up by int. With {@link HttpSecurity} it speaks HTTPS and/or wants a bearer
 * token on everything but the probes (a refused request never reaches the handler, so it is not in the meters).
 */
public final class RecommendationsHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecommendationsHttpServer.class);
    public static final String USERS_PREFIX = "/v1/users/";
    public static final String RECOMMENDATIONS_SUFFIX = "/recommendations";
    public static final int MAX_ID_LENGTH = 256;
    public static final int DEFAULT_K = 10;
    public static final int MAX_K = 1000;
    static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";

    static {
        JdkHttpServers.enableNoDelay();
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final RecommendationStore store;
    private final ServeMetrics metrics;
    private final LongSupplier clock;

    /**
     * Binds {@code host:port} now (port 0: any free port, see {@link #port()}); serves after {@link #start()}.
     *
     * @param threads handler threads: store reads block, so as many as concurrent reads the store should see
     * @param clock wall clock in ms, for {@code age_ms}
     * @throws UncheckedIOException when the address cannot be bound (the message says which)
     */
    public RecommendationsHttpServer(
            String host, int port, int threads, RecommendationStore store, ServeMetrics metrics, LongSupplier clock) {
        this(host, port, threads, store, metrics, clock, HttpSecurity.NONE);
    }

    /** As above, protected as {@code security} says. */
    public RecommendationsHttpServer(
            String host,
            int port,
            int threads,
            RecommendationStore store,
            ServeMetrics metrics,
            LongSupplier clock,
            HttpSecurity security) {
        this.store = Objects.requireNonNull(store, "store");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        String token = security.bearerToken();
        try {
            server = JdkHttpServers.create(new InetSocketAddress(host, port), 256, security);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "recommendations-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        JdkHttpServers.context(server, "/", this::handle, token);
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        Endpoint endpoint = Endpoint.OTHER;
        int status = 500;
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            endpoint = endpointOf(path);
            if (!"GET".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET");
                status = error(ex, 405, "only GET is supported");
                return;
            }
            status = switch (endpoint) {
                case RECOMMENDATIONS -> recommendations(ex, path);
                case HEALTH -> text(ex, 200, "ok\n");
                case READY -> store.ready() ? text(ex, 200, "ready\n") : text(ex, 503, "store not ready\n");
                case METRICS ->
                    send(ex, 200, PROMETHEUS_CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
                case OTHER -> error(ex, 404, "no such endpoint: " + path);
            };
        } catch (RuntimeException e) {
            LOG.warn("request {} failed", ex.getRequestURI(), e);
            try {
                status = error(ex, 500, e.toString());
            } catch (IOException | RuntimeException ignored) {
                // the response had started: the client sees a cut connection
            }
        } finally {
            metrics.request(endpoint, status);
        }
    }

    static Endpoint endpointOf(String path) {
        if (path.startsWith(USERS_PREFIX) && path.endsWith(RECOMMENDATIONS_SUFFIX)) {
            return path.length() >= USERS_PREFIX.length() + RECOMMENDATIONS_SUFFIX.length()
                    ? Endpoint.RECOMMENDATIONS
                    : Endpoint.OTHER;
        }
        return switch (path) {
            case "/health" -> Endpoint.HEALTH;
            case "/ready" -> Endpoint.READY;
            case "/metrics" -> Endpoint.METRICS;
            default -> Endpoint.OTHER;
        };
    }

    private int recommendations(HttpExchange ex, String path) throws IOException {
        long start = System.nanoTime();
        String rawId = path.substring(USERS_PREFIX.length(), path.length() - RECOMMENDATIONS_SUFFIX.length());
        String id;
        try {
            id = percentDecode(rawId);
        } catch (IllegalArgumentException e) {
            return error(ex, 400, "malformed user id: " + e.getMessage());
        }
        String problem = rawId.indexOf('/') >= 0 ? "user id contains '/'" : validateId(id);
        if (problem != null) return error(ex, 400, problem);
        int k;
        try {
            k = k(ex.getRequestURI().getRawQuery());
        } catch (IllegalArgumentException e) {
            return error(ex, 400, e.getMessage());
        }
        Optional<Recommendation> found;
        long read = System.nanoTime();
        try {
            found = store.latest(id);
        } catch (Exception e) {
            metrics.storeError();
            LOG.warn("store {} failed reading user {}: {}", store.describe(), id, e.toString());
            ex.getResponseHeaders().set("Retry-After", "1");
            return error(ex, 503, "store unavailable: " + e.getMessage());
        } finally {
            metrics.storeReadNanos(System.nanoTime() - read);
        }
        int status = found.isEmpty()
                ? error(ex, 404, "no recommendations for user " + id)
                : send(ex, 200, JSON, RecommendationsJson.recommendation(found.get(), k, clock.getAsLong()));
        metrics.recommendationNanos(System.nanoTime() - start);
        return status;
    }

    /** The id's problem, or null when it is well-formed: what the events topic refuses is refused here too. */
    static String validateId(String id) {
        if (id.isEmpty()) return "user id is empty";
        if (id.isBlank()) return "user id is blank";
        if (id.length() > MAX_ID_LENGTH) {
            return "user id is " + id.length() + " chars long, at most " + MAX_ID_LENGTH + " allowed";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '/') {
                return "user id contains a control character or '/' at index " + i;
            }
        }
        return null;
    }

    /** {@code k} from the raw query: absent → the default; otherwise a decimal integer in 1..1000. */
    static int k(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) return DEFAULT_K;
        Integer k = null;
        for (String param : rawQuery.split("&")) {
            if (!param.startsWith("k=") && !param.equals("k")) continue;
            if (k != null) throw new IllegalArgumentException("k is given more than once");
            String v = param.length() > 2 ? param.substring(2) : "";
            if (v.isEmpty() || v.length() > 4 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("k must be an integer from 1 to " + MAX_K + ", got '" + v + "'");
            }
            k = Integer.parseInt(v);
            if (k < 1 || k > MAX_K) {
                throw new IllegalArgumentException("k must be an integer from 1 to " + MAX_K + ", got " + k);
            }
        }
        return k == null ? DEFAULT_K : k;
    }

    /** Strict RFC 3986 percent-decoding into UTF-8 ('+' stays '+'); malformed escapes or UTF-8 are errors. */
    static String percentDecode(String raw) {
        if (raw.indexOf('%') < 0) return raw;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) throw new IllegalArgumentException("truncated percent-escape at index " + i);
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
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8 after percent-decoding");
        }
    }

    private static int error(HttpExchange ex, int status, String message) throws IOException {
        return send(ex, status, JSON, RecommendationsJson.error(message));
    }

    private static int text(HttpExchange ex, int status, String body) throws IOException {
        return send(ex, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static int send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    /** Stops accepting, lets requests in flight finish for up to a second, then stops the handler threads. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
