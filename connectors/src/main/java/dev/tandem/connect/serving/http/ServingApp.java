package dev.tandem.connect.serving.http;

import dev.tandem.connect.serving.RecommendationStore;
import dev.tandem.connect.serving.RecommendationStores;
import dev.tandem.schemas.config.AppMain;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The recommendations API as a service: the serving store opened and answering, then the HTTP server with
 * {@code /metrics}. {@code tandem serve} embeds this class; {@link #main} runs it alone (the serving image).
 */
public final class ServingApp implements AutoCloseable {
    static final long READY_POLL_MS = 100;

    private final ServingConfig config;
    private final RecommendationStore store;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RecommendationsHttpServer http;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServingApp(ServingConfig config, RecommendationStore store) {
        this.config = config;
        this.store = store;
        ServeMetrics metrics = new ServeMetrics(meters, meters::scrape, store::ready);
        try {
            this.http = new RecommendationsHttpServer(
                    config.httpHost(),
                    config.httpPort(),
                    config.threads(),
                    store,
                    metrics,
                    System::currentTimeMillis,
                    config.httpSecurity());
        } catch (RuntimeException e) {
            meters.close();
            throw e;
        }
    }

    /**
     * Opens the store, waits until it answers and starts the API.
     *
     * @throws IllegalArgumentException when no store takes the URL (the message names the schemes there are)
     * @throws IllegalStateException when the store cannot be opened or does not answer within the timeout
     * @throws java.io.UncheckedIOException when the port cannot be bound
     */
    public static ServingApp start(ServingConfig config) throws InterruptedException {
        RecommendationStore store = RecommendationStores.open(config.store());
        ServingApp app;
        try {
            awaitReady(store, config);
            app = new ServingApp(config, store);
        } catch (InterruptedException | RuntimeException e) {
            closeQuietly(store, e);
            throw e;
        }
        try {
            app.http.start();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    private static void awaitReady(RecommendationStore s, ServingConfig config) throws InterruptedException {
        long deadline = System.nanoTime() + config.storeTimeout().toNanos();
        while (!s.ready()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("store " + RecommendationStores.redact(s.describe())
                        + " did not answer within " + config.storeTimeout().toMillis() + " ms");
            }
            Thread.sleep(READY_POLL_MS);
        }
    }

    public ServingConfig config() {
        return config;
    }

    public RecommendationStore store() {
        return store;
    }

    /** The bound port (useful with {@code http.port=0}). */
    public int port() {
        return http.port();
    }

    /** Stops the API, then closes the store; a second call does nothing (the CLI's shutdown hook and its own stop race). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            http.close();
        } finally {
            closeQuietly(store, null);
            meters.close();
        }
    }

    private static void closeQuietly(RecommendationStore store, Throwable primary) {
        try {
            store.close();
        } catch (Exception e) {
            if (primary != null) primary.addSuppressed(e);
            else throw new IllegalStateException("closing the store failed: " + e.getMessage(), e);
        }
    }

    /** {@code ServingApp [config.properties]}; {@code TANDEM_*} variables override the file. */
    public static void main(String[] args) throws InterruptedException {
        if (AppMain.helpAsked(args)) {
            System.out.print(usage());
            return;
        }
        ServingConfig config = ServingConfig.load(AppMain.configFile(args), System.getenv());
        System.out.print(config.describe());
        ServingApp app = start(config);
        System.out.println("recommendations API on " + config.httpSecurity().scheme() + "://" + config.httpHost() + ":"
                + app.port() + RecommendationsHttpServer.USERS_PREFIX + "{id}"
                + RecommendationsHttpServer.RECOMMENDATIONS_SUFFIX);
        AppMain.runUntilStopped(app, "serving");
    }

    /** What {@code --help} prints: the one argument and every setting with its variable and default. */
    static String usage() {
        return AppMain.usage("ServingApp", "The recommendations API.", ServingConfig.DEFAULTS);
    }
}
