package dev.tandem.bench.serving;

import dev.tandem.bench.GcPauses;
import dev.tandem.bench.features.KeepAliveHttp;
import dev.tandem.connect.redis.RedisRecommendationStore;
import dev.tandem.connect.serving.http.RecommendationsHttpServer;
import dev.tandem.connect.serving.http.ServeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The recommendations API as {@code tandem serve} runs it (its server, its Redis store, 16 handler threads, the
 * {@code tandem} script's JVM options), in a JVM of its own: in the bench's JVM, the collections of the Connect worker,
 * the broker clients and the earlier runs' heap landed in the API's latencies, which a deployment does not have.
 *
 * <p>The child prints {@code port N} and serves; a line on its standard input starts the count of its collections;
 * when its standard input closes it prints {@code gc COUNT MAX_MS TOTAL_MS} (the collections since that line) and
 * exits. Its standard error goes to a temporary file, quoted when it fails to start.
 */
final class ApiServerProcess implements AutoCloseable {
    /** The {@code tandem} script's default JVM options. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx2g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=10");

    private final Process process;
    private final BufferedReader out;
    private final int port;

    private ApiServerProcess(Process process, BufferedReader out, int port) {
        this.process = process;
        this.out = out;
        this.port = port;
    }

    /**
     * Starts the API over the keys under {@code keyPrefix} at {@code redisUri} and warms it up: returns once it has
     * answered {@code warmupRequests} requests for {@code ids} one after the other (or {@value #WARMUP_SECONDS} s
     * passed). A fresh JVM interprets the request path at first, slower than 1,000 requests/s on two cores, and the
     * open-loop windows would then measure the queue of a cold start, which a serving deployment pays once.
     */
    static ApiServerProcess start(String redisUri, String keyPrefix, List<String> ids, int warmupRequests)
            throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of(
                "-cp", System.getProperty("java.class.path"), ApiServerProcess.class.getName(), redisUri, keyPrefix));
        Path stderr = Files.createTempFile("tandem-bench-api-server-", ".log");
        stderr.toFile().deleteOnExit();
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.to(stderr.toFile()))
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("port ")) {
            p.destroyForcibly();
            List<String> err = Files.readAllLines(stderr);
            throw new IllegalStateException("the API server did not start (said: " + line + "; its last error lines: "
                    + String.join(" | ", err.subList(Math.max(0, err.size() - 5), err.size())) + ")");
        }
        ApiServerProcess server = new ApiServerProcess(
                p, out, Integer.parseInt(line.substring("port ".length()).trim()));
        try {
            server.warmUp(ids, warmupRequests);
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    static final int WARMUP_SECONDS = 20;

    private void warmUp(List<String> ids, int warmupRequests) {
        KeepAliveHttp.Requests requests = KeepAliveHttp.Requests.of(
                "http://127.0.0.1:" + port + RecommendationsHttpServer.USERS_PREFIX + "{id}"
                        + RecommendationsHttpServer.RECOMMENDATIONS_SUFFIX,
                ids);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
        try (KeepAliveHttp.Connection c = new KeepAliveHttp.Connection(requests)) {
            for (int i = 0; i < warmupRequests && System.nanoTime() < deadline; i++) {
                int status = c.get(i);
                if (status != 200 && status != 404) {
                    throw new IllegalStateException("the API answered " + status + " while warming up");
                }
            }
        }
    }

    int port() {
        return port;
    }

    /** Stops the server and returns its collections since the warm-up. */
    GcPauses.Summary stop() throws IOException, InterruptedException {
        process.getOutputStream().close();
        String line = out.readLine();
        if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        if (line == null || !line.startsWith("gc ")) {
            throw new IllegalStateException("the API server did not report its collections (said: " + line + ")");
        }
        String[] f = line.split(" ");
        return new GcPauses.Summary(Integer.parseInt(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]));
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    /** {@code ApiServerProcess REDIS_URI KEY_PREFIX} */
    public static void main(String[] args) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RedisRecommendationStore store = RedisRecommendationStore.of(args[0], args[1], Duration.ofSeconds(5))) {
            ServeMetrics metrics = new ServeMetrics(registry, registry::scrape, store::ready);
            try (RecommendationsHttpServer server =
                    new RecommendationsHttpServer("127.0.0.1", 0, 16, store, metrics, System::currentTimeMillis)) {
                server.start();
                System.out.println("port " + server.port());
                System.out.flush();
                // the warm-up's collections are not the windows': counted from the bench's line on
                while (true) {
                    int b = System.in.read();
                    if (b < 0 || b == '\n') break;
                }
                GcPauses.Summary gc;
                try (GcPauses pauses = GcPauses.start()) {
                    while (System.in.read() >= 0) {
                        // serve until the bench closes our standard input
                    }
                    gc = pauses.summary();
                }
                System.out.println(String.format(Locale.ROOT, "gc %d %.3f %.3f", gc.count(), gc.maxMs(), gc.totalMs()));
                System.out.flush();
            }
        }
    }
}
