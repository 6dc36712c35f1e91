package dev.tandem.bench.serving;

import dev.tandem.connect.redis.RedisRecommendationStore;
import dev.tandem.connect.serving.http.RecommendationsHttpServer;
import dev.tandem.connect.serving.http.ServeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The recommendations API in a JVM of its own, as {@code tandem serve} is deployed: {@code tandem serve}'s server, Redis
 * store and defaults (16 handler threads on loopback), so what the bench measures is the API's latency, not the pauses of
 * a bench JVM that also holds a Connect worker and every payload of the run. Prints {@code PORT n} once serving; stops
 * when its standard input closes (the bench ends, or dies).
 *
 * <pre>ApiServerChild REDIS_URI KEY_PREFIX</pre>
 */
final class ApiServerChild implements AutoCloseable {
    static final String PORT_LINE = "PORT ";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;

    private ApiServerChild(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ApiServerChild REDIS_URI KEY_PREFIX");
            System.exit(2);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RedisRecommendationStore store = RedisRecommendationStore.of(args[0], args[1], Duration.ofSeconds(5));
                RecommendationsHttpServer server = new RecommendationsHttpServer(
                        "127.0.0.1",
                        0,
                        16,
                        store,
                        new ServeMetrics(registry, registry::scrape, store::ready),
                        System::currentTimeMillis)) {
            server.start();
            System.out.println(PORT_LINE + server.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent closes our stdin
            }
        }
    }

    /** Starts the child with this JVM's classpath (heap and GC as {@code ./tandem}'s defaults) and waits for its port. */
    static ApiServerChild start(String redisUri, String keyPrefix) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=10",
                "-cp",
                System.getProperty("java.class.path"),
                ApiServerChild.class.getName(),
                redisUri,
                keyPrefix));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(PORT_LINE))
                    return new ApiServerChild(
                            p, Integer.parseInt(line.substring(5).strip()));
                if (System.nanoTime() > deadline) break;
            }
            throw new IllegalStateException("the API child JVM did not start (exit "
                    + (p.isAlive() ? "none yet" : Integer.toString(p.exitValue())) + ")");
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
