package dev.tandem.monitoring.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.http.JdkHttpServers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The monitoring app's HTTP endpoints on the JDK server: {@code GET /metrics} (Prometheus text), {@code GET /health}
 * (200 unless the app failed), {@code GET /ready} (200 when RUNNING with nothing restoring). With {@link HttpSecurity}
 * it speaks HTTPS and/or wants a bearer token on {@code /metrics} (Prometheus sends it with {@code authorization});
 * the probes stay open.
 */
public final class MonitoringHttpServer implements AutoCloseable {
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static {
        JdkHttpServers.enableNoDelay();
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final BooleanSupplier healthy;
    private final BooleanSupplier ready;
    private final Supplier<String> metrics;

    /** Binds {@code host:port} now (port 0: any free port, see {@link #port()}); serves after {@link #start()}. */
    public MonitoringHttpServer(
            String host, int port, BooleanSupplier healthy, BooleanSupplier ready, Supplier<String> metrics) {
        this(host, port, healthy, ready, metrics, HttpSecurity.NONE);
    }

    /** As above, protected as {@code security} says. */
    public MonitoringHttpServer(
            String host,
            int port,
            BooleanSupplier healthy,
            BooleanSupplier ready,
            Supplier<String> metrics,
            HttpSecurity security) {
        this.healthy = Objects.requireNonNull(healthy, "healthy");
        this.ready = Objects.requireNonNull(ready, "ready");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        String token = security.bearerToken();
        try {
            server = JdkHttpServers.create(new InetSocketAddress(host, port), 64, security);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "monitoring-http");
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
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, 405, "text/plain; charset=utf-8", "only GET is supported\n");
                return;
            }
            switch (ex.getRequestURI().getRawPath()) {
                case "/metrics" -> send(ex, 200, PROMETHEUS_CONTENT_TYPE, metrics.get());
                case "/health" -> {
                    boolean ok = healthy.getAsBoolean();
                    send(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "failed\n");
                }
                case "/ready" -> {
                    boolean ok = ready.getAsBoolean();
                    send(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ready\n" : "not ready\n");
                }
                default -> send(ex, 404, "text/plain; charset=utf-8", "not found\n");
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
