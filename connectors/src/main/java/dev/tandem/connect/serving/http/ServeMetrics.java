package dev.tandem.connect.serving.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The recommendations API's meters, in Prometheus text at {@code /metrics}:
 * <ul>
 *   <li>{@code tandem_serve_requests_total{endpoint, status}}: answered requests;</li>
 *   <li>{@code tandem_serve_request_duration_seconds{endpoint="recommendations"}}: handler latency, a histogram with
 *       fixed buckets from 0.25 ms to 1 s, so instances aggregate and {@code histogram_quantile} gives p99;</li>
 *   <li>{@code tandem_serve_store_read_duration_seconds}: the store's own part of it, the reference the handler's
 *       overhead is measured against;</li>
 *   <li>{@code tandem_serve_store_errors_total}: store reads that threw; {@code tandem_serve_store_ready}: 1 or 0.</li>
 * </ul>
 * Meters are made once and looked up per request by an int, so recording allocates nothing. The registry and its text
 * form come from the caller ({@code tandem serve} passes a Prometheus registry and its {@code scrape}): this module is
 * also the Connect plugin, which should not carry a Prometheus client it never uses.
 */
public final class ServeMetrics {
    public static final String REQUESTS = "tandem.serve.requests";
    public static final String REQUEST_DURATION = "tandem.serve.request.duration";
    public static final String STORE_READ_DURATION = "tandem.serve.store.read.duration";
    public static final String STORE_ERRORS = "tandem.serve.store.errors";
    public static final String STORE_READY = "tandem.serve.store.ready";

    private static final Duration[] BUCKETS = {
        Duration.ofNanos(250_000),
        Duration.ofNanos(500_000),
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(1000)
    };

    /** Endpoints as tag values. */
    public enum Endpoint {
        RECOMMENDATIONS,
        HEALTH,
        READY,
        METRICS,
        OTHER;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final MeterRegistry registry;
    private final Supplier<String> scrape;
    private final Map<Integer, Counter> counters = new ConcurrentHashMap<>();
    private final Timer requestDuration;
    private final Timer storeReadDuration;
    private final Counter storeErrors;

    /**
     * @param registry where the meters go
     * @param scrape the registry's state as the text {@code /metrics} answers (Prometheus exposition format)
     */
    public ServeMetrics(MeterRegistry registry, Supplier<String> scrape, BooleanSupplier storeReady) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.scrape = Objects.requireNonNull(scrape, "scrape");
        requestDuration = timer(REQUEST_DURATION, "Recommendations requests, from routing to the response sent")
                .tag("endpoint", Endpoint.RECOMMENDATIONS.tag)
                .register(registry);
        storeReadDuration = timer(STORE_READ_DURATION, "Reads of the serving store by the recommendations API")
                .register(registry);
        storeErrors = Counter.builder(STORE_ERRORS)
                .description("Reads of the serving store that failed")
                .register(registry);
        Gauge.builder(STORE_READY, () -> storeReady.getAsBoolean() ? 1 : 0)
                .description("Whether the serving store answers (1) or not (0), as /ready says")
                .register(registry);
        for (int status : new int[] {200, 400, 404, 503}) counter(Endpoint.RECOMMENDATIONS, status);
    }

    private static Timer.Builder timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(BUCKETS);
    }

    public void request(Endpoint endpoint, int status) {
        counter(endpoint, status).increment();
    }

    private Counter counter(Endpoint endpoint, int status) {
        return counters.computeIfAbsent(
                endpoint.ordinal() * 1000 + status,
                k -> Counter.builder(REQUESTS)
                        .description("Requests answered, by endpoint and HTTP status")
                        .tag("endpoint", endpoint.tag)
                        .tag("status", Integer.toString(status))
                        .register(registry));
    }

    public void recommendationNanos(long nanos) {
        requestDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void storeReadNanos(long nanos) {
        storeReadDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void storeError() {
        storeErrors.increment();
    }

    public String scrape() {
        return scrape.get();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
