package dev.tandem.platform.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.connect.jdbc.JdbcSinkConfig;
import dev.tandem.connect.jdbc.JdbcSinkConnector;
import dev.tandem.connect.redis.RedisRecommendationStore;
import dev.tandem.connect.redis.RedisSinkConfig;
import dev.tandem.connect.redis.RedisSinkConnector;
import dev.tandem.connect.serving.Recommendation;
import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.RecommendationStores;
import dev.tandem.connect.serving.http.RecommendationsHttpServer;
import dev.tandem.connect.serving.http.ServeMetrics;
import dev.tandem.connect.sink.ServingSinkConfig;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import dev.tandem.testkit.connect.ConnectorDeployer;
import dev.tandem.testkit.connect.ConnectorFile;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.converters.ByteArrayConverter;

/**
 * The end of the demo's path, where an application asks "what should this user see now?": a Kafka Connect worker (this
 * JVM, distributed mode, the Tandem sinks and converter from the class path) runs the JDBC sink from
 * {@code predictions} into an SQLite file in a temp dir, or the Redis sink under a key prefix of its own run with
 * {@code --store redis://…}; once the store holds every scored user's newest prediction, the recommendations API
 * serves from it and the stage prints a few users' answers as an application would receive them. The worker starts
 * while the earlier stages run; the file, or the run's Redis keys, are removed on close.
 */
public final class ServingStage implements DemoStage {
    static final int SHOWN_USERS = 3;
    static final int SHOWN_ITEMS = 3;
    static final String CONNECTOR = "tandem-demo-serving";
    private static final Duration WORKER_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STORED_TIMEOUT = Duration.ofSeconds(60);
    /** Leftover keys of a run that could not clean up (killed) expire on their own. */
    private static final long REDIS_TTL_SECONDS = 3600;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String redisUrl;
    private Path dir;
    private String redisPrefix;
    private CompletableFuture<ConnectWorker> worker;
    /** The sink's registry client settings (a secured cluster's HTTPS truststore and basic auth). */
    private Map<String, String> registryConfigs = Map.of();

    private RecommendationStore store;
    private RecommendationsHttpServer server;

    /** @param redisUrl {@code redis://HOST:PORT} for the Redis sink, or null for the JDBC sink into SQLite */
    public ServingStage(String redisUrl) {
        this.redisUrl = redisUrl;
    }

    @Override
    public String name() {
        return "serving";
    }

    @Override
    public void start(DemoContext ctx) throws Exception {
        dir = Files.createTempDirectory("tandem-demo-serving-");
        if (redisUrl != null)
            redisPrefix = "tandem-demo-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        String bootstrap = ctx.endpoints().bootstrapServers();
        String registry = ctx.endpoints().registryUrl();
        Path plugins = Files.createDirectory(dir.resolve("plugins"));
        // a worker takes seconds to join its group: it does so while the features app and the training run
        Map<String, String> security = ctx.client(KafkaAcls.CONNECT);
        registryConfigs = ctx.registry();
        HttpSecurity http = ctx.http();
        worker = CompletableFuture.supplyAsync(() -> startWorker(bootstrap, registry, plugins, security, http));
    }

    /**
     * @param security the connect principal's client settings on a secured cluster, for the worker and its tasks
     * @param http the demo's HTTP protection: with TLS, the worker's REST API is on HTTPS with the same certificate
     */
    private ConnectWorker startWorker(
            String bootstrap, String registry, Path plugins, Map<String, String> security, HttpSecurity http) {
        // The plugin dir is empty: the sinks come from the CLI's class path (service_load finds them there too), so
        // the demo needs no packaged plugin; one partition per internal topic is plenty for one worker.
        WorkerSettings settings = new WorkerSettings(
                        bootstrap,
                        registry,
                        0,
                        plugins,
                        "service_load",
                        Map.of("offset.storage.partitions", "1", "status.storage.partitions", "1"))
                .withOverrides(WorkerSettings.securityOverrides(security));
        if (http.tls()) settings = settings.withRestTls(http.keystore(), http.keystorePassword(), http.keystoreType());
        ConnectWorker w = ConnectWorker.start(settings.workerProperties());
        try {
            ConnectRest rest = new ConnectRest(w.restUrl(), Duration.ofSeconds(30), settings.restClientTls());
            rest.awaitHealthy(WORKER_TIMEOUT, () -> w.failure().orElse(null));
            new ConnectorDeployer(rest, () -> w.failure().orElse(null), null)
                    .deploy(
                            List.of(new ConnectorFile(Path.of(CONNECTOR), CONNECTOR, connectorConfig(registry))),
                            WORKER_TIMEOUT,
                            l -> {});
            return w;
        } catch (Exception e) {
            w.close();
            throw new IllegalStateException("the Connect worker did not start: " + e.getMessage(), e);
        }
    }

    private Map<String, String> connectorConfig(String registryUrl) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("topics", TandemTopics.PREDICTIONS);
        c.put("tasks.max", "1");
        // the sink decodes the wire bytes itself: about half the CPU per record of going through Connect's structs
        c.put("value.converter", ByteArrayConverter.class.getName());
        c.put(ServingSinkConfig.REGISTRY_URL, registryUrl);
        c.putAll(registryConfigs);
        if (redisUrl != null) {
            c.put("connector.class", RedisSinkConnector.class.getName());
            c.put(RedisSinkConfig.URI, redisUrl);
            c.put(RedisSinkConfig.KEY_PREFIX, redisPrefix);
            c.put(RedisSinkConfig.TTL_SECONDS, Long.toString(REDIS_TTL_SECONDS));
        } else {
            c.put("connector.class", JdbcSinkConnector.class.getName());
            c.put(JdbcSinkConfig.CONNECTION_URL, sqliteUrl());
        }
        return c;
    }

    private String sqliteUrl() {
        return "jdbc:sqlite:" + dir.resolve("serving.db");
    }

    private String storeName() {
        return redisUrl != null
                ? "Redis " + redisUrl + ", keys " + redisPrefix + "rec:{user}"
                : "SQLite " + dir.resolve("serving.db");
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        Map<String, Prediction> expected = ctx.newestPredictions();
        if (expected.isEmpty()) {
            ctx.println("serving skipped: the scoring stage made no predictions");
            return;
        }
        long t0 = System.nanoTime();
        ConnectWorker w = awaitWorker(ctx);
        if (w == null) return;
        store = redisUrl != null
                ? RedisRecommendationStore.of(redisUrl, redisPrefix, Duration.ofSeconds(5))
                : RecommendationStores.open(sqliteUrl());
        if (!awaitStored(ctx, w, expected)) return;
        ctx.println(String.format(
                Locale.ROOT,
                "Kafka Connect worker (in this JVM) runs the %s sink from '%s'; the store (%s) holds the newest"
                        + " prediction of all %d scored users, %.1f s after scoring ended",
                redisUrl != null ? "Redis" : "JDBC",
                TandemTopics.PREDICTIONS,
                storeName(),
                expected.size(),
                (System.nanoTime() - t0) / 1e9));
        ctx.println("  its REST API: " + w.restUrl() + " (GET /connectors/" + CONNECTOR + "/status)");

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = new RecommendationsHttpServer(
                "127.0.0.1",
                0,
                2,
                store,
                new ServeMetrics(registry, registry::scrape, store::ready),
                System::currentTimeMillis,
                ctx.http());
        server.start();
        String base = ctx.http().scheme() + "://127.0.0.1:" + server.port();
        ctx.println("recommendations API on " + base + " answers what an application would ask:");
        HttpClient http = ctx.httpClient(Duration.ofSeconds(5));
        List<String> users = new ArrayList<>(expected.keySet()).subList(0, Math.min(SHOWN_USERS, expected.size()));
        for (String user : users) {
            String path = RecommendationsHttpServer.USERS_PREFIX + user
                    + RecommendationsHttpServer.RECOMMENDATIONS_SUFFIX + "?k=" + SHOWN_ITEMS;
            HttpResponse<String> r = http.send(
                    ctx.request(URI.create(base + path))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode body = JSON.readTree(r.body());
            String served = body.path("request_id").asText();
            String newest = expected.get(user).getRequestId().toString();
            if (!served.equals(newest)) {
                throw new IllegalStateException(
                        "GET " + path + " served request " + served + ", not the newest, " + newest);
            }
            ctx.println(describe(path, body));
        }
    }

    /** The worker once its connector runs; null when the demo is stopping. */
    private ConnectWorker awaitWorker(DemoContext ctx) throws Exception {
        while (!ctx.stopping()) {
            try {
                return worker.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // keep waiting, unless the demo is stopped
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        }
        return null;
    }

    /** Waits until the store holds, for every user, the prediction the scoring stage saw as newest. */
    private boolean awaitStored(DemoContext ctx, ConnectWorker w, Map<String, Prediction> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + STORED_TIMEOUT.toNanos();
        Map<String, String> missing = new LinkedHashMap<>();
        expected.forEach((u, p) -> missing.put(u, p.getRequestId().toString()));
        while (!missing.isEmpty()) {
            if (ctx.stopping()) return false;
            Optional<String> failed = w.failure();
            if (failed.isPresent()) throw new IllegalStateException("the Connect worker stopped: " + failed.get());
            missing.entrySet().removeIf(e -> {
                try {
                    return store.latest(e.getKey())
                            .map(Recommendation::requestId)
                            .filter(e.getValue()::equals)
                            .isPresent();
                } catch (Exception notYet) {
                    return false; // the sink has not created the table yet, or the store hiccuped: ask again
                }
            });
            if (missing.isEmpty()) break;
            if (System.nanoTime() > deadline) {
                Map.Entry<String, String> first = missing.entrySet().iterator().next();
                throw new IllegalStateException("after " + STORED_TIMEOUT.toSeconds() + " s the store (" + storeName()
                        + ") still lacks the newest prediction of " + missing.size() + " of " + expected.size()
                        + " users, e.g. user " + first.getKey() + " request " + first.getValue());
            }
            Thread.sleep(100);
        }
        return true;
    }

    static String describe(String path, JsonNode body) {
        StringBuilder items = new StringBuilder();
        for (JsonNode it : body.path("items")) {
            items.append(String.format(
                    Locale.ROOT,
                    "  %s (P(cart) %.3f, P(purchase) %.3f)",
                    it.path("item_id").asText(),
                    it.path("probabilities").path("CART").asDouble(Double.NaN),
                    it.path("probabilities").path("PURCHASE").asDouble(Double.NaN)));
        }
        return String.format(
                Locale.ROOT,
                "  GET %s → request %s, model %s/%s, ranked by %s, %d ms old:%s",
                path,
                body.path("request_id").asText(),
                body.path("model_name").asText(),
                body.path("model_version").asText(),
                body.path("objective").asText(),
                body.path("age_ms").asLong(),
                items);
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        if (server != null) server.close();
        server = null;
        if (store != null) {
            try {
                store.close();
            } catch (Exception e) {
                failure = e;
            }
            store = null;
        }
        if (worker != null) {
            // a worker still starting is closed once it has started (or failed), never leaked
            CompletableFuture<ConnectWorker> w = worker;
            worker = null;
            try {
                w.get().close();
            } catch (ExecutionException e) {
                // it never started: nothing to close
            } catch (InterruptedException e) {
                // a second Ctrl-C while it still starts: close it once it has; the interrupt is not passed on, so
                // the stages closed after this one (the cluster last) still release what they started
                w.thenAccept(ConnectWorker::close);
            }
        }
        if (redisPrefix != null) {
            try {
                deleteRedisKeys();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
            redisPrefix = null;
        }
        if (dir != null) FileTrees.delete(dir);
        dir = null;
        if (failure != null) throw failure;
    }

    private void deleteRedisKeys() {
        RedisClient client = RedisClient.create(redisUrl);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            ScanArgs match = ScanArgs.Builder.matches(redisPrefix + "*").limit(500);
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, match);
                if (!page.getKeys().isEmpty()) c.sync().del(page.getKeys().toArray(String[]::new));
                cursor = page;
            } while (!cursor.isFinished());
        } finally {
            client.shutdown();
        }
    }
}
