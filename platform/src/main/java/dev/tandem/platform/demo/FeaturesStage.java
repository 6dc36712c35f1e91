package dev.tandem.platform.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.KafkaAcls;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The features app ({@link FeaturesApp}) in this JVM on the demo's cluster, with the HTTP API on a free port
 * and its state in a temp dir. Done once it has processed every event the generator sent; then it prints a
 * few users' live sequences and counters, fetched through the HTTP API like any client would.
 */
public final class FeaturesStage implements DemoStage {
    static final int USERS_SHOWN = 3;
    static final int EVENTS_SHOWN = 5;
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String APPLICATION_ID = "tandem-features";

    private FeaturesApp app;
    private Path stateDir;
    private String baseUrl;

    @Override
    public String name() {
        return "features";
    }

    @Override
    public void start(DemoContext ctx) throws Exception {
        stateDir = Files.createTempDirectory("tandem-demo-features-");
        Map<String, String> settings = new LinkedHashMap<>();
        // the platform's own application id: the one a secured cluster's ACLs grant the features principal
        settings.put(FeaturesConfig.APPLICATION_ID, APPLICATION_ID);
        settings.put(FeaturesConfig.BOOTSTRAP_SERVERS, ctx.endpoints().bootstrapServers());
        settings.put(FeaturesConfig.SCHEMA_REGISTRY_URL, ctx.endpoints().registryUrl());
        settings.put(FeaturesConfig.STATE_DIR, stateDir.toString());
        settings.put(FeaturesConfig.HTTP_PORT, "0");
        ctx.client(KafkaAcls.FEATURES).forEach((k, v) -> settings.put(FeaturesConfig.STREAMS_PREFIX + k, v));
        settings.putAll(ctx.registry());
        settings.putAll(ctx.http().asMap());
        FeaturesConfig config = FeaturesConfig.fromMap(settings);
        app = new FeaturesApp(config).start();
        baseUrl = ctx.http().scheme() + "://" + config.httpHost() + ":" + app.httpPort();
        ctx.println(
                "features app started (Kafka Streams, exactly_once_v2): API at " + baseUrl + "/v1/users/{id}/features");
    }

    /** Events the app has finished with: every outcome and every dead letter (at least once: an aborted transaction counts again). */
    long processed() {
        double n = 0;
        for (Counter c : app.meters().find(FeatureNames.METRIC_EVENTS).counters()) n += c.count();
        for (Counter c : app.meters().find(FeatureNames.METRIC_DEAD_LETTERS).counters()) n += c.count();
        return (long) n;
    }

    @Override
    public void awaitDone(DemoContext ctx) throws Exception {
        long giveUp = Long.MAX_VALUE;
        while (!ctx.stopping()) {
            long total = ctx.producedTotal.get();
            if (total >= 0 && processed() >= total) break;
            if (!app.isHealthy())
                throw new IllegalStateException("the features app stopped: Kafka Streams is "
                        + app.streams().state());
            if (total >= 0 && giveUp == Long.MAX_VALUE) giveUp = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
            if (System.nanoTime() > giveUp) {
                throw new IllegalStateException("the features app processed " + processed() + " of " + total
                        + " events within " + CATCH_UP_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
        if (ctx.stopping()) return;
        ctx.println(String.format(
                Locale.ROOT,
                "features app processed %,d events; a few users' live features from %s:",
                processed(),
                baseUrl));
        HttpClient http = ctx.httpClient(Duration.ofSeconds(2));
        for (String user : busiestUsers(USERS_SHOWN)) {
            String url = baseUrl + "/v1/users/" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "/features";
            HttpResponse<String> r = http.send(
                    ctx.request(URI.create(url))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                ctx.println("  GET " + url + " → HTTP " + r.statusCode() + " " + r.body());
                continue;
            }
            for (String line : describe(JSON.readTree(r.body()), url)) ctx.println(line);
        }
    }

    /** The users with the largest stored state (≈ the most events), read from the local store. */
    private List<String> busiestUsers(int n) {
        ReadOnlyKeyValueStore<String, byte[]> store = app.streams()
                .store(StoreQueryParameters.fromNameAndType(
                        FeatureNames.USER_SEQUENCES_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        List<KeyValue<String, Integer>> sizes = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                sizes.add(KeyValue.pair(kv.key, kv.value.length));
            }
        }
        sizes.sort(Comparator.<KeyValue<String, Integer>>comparingInt(kv -> -kv.value)
                .thenComparing(kv -> kv.key));
        return sizes.stream().limit(n).map(kv -> kv.key).toList();
    }

    static List<String> describe(JsonNode f, String url) {
        List<String> lines = new ArrayList<>();
        JsonNode events = f.path("events");
        lines.add(String.format(
                Locale.ROOT,
                "  user %s: sequence version %d, %d events kept, as of %s  (GET %s)",
                f.path("user_id").asText(),
                f.path("sequence_version").asLong(),
                events.size(),
                Instant.ofEpochMilli(f.path("as_of").asLong()),
                url));
        for (int i = Math.max(0, events.size() - EVENTS_SHOWN); i < events.size(); i++) {
            JsonNode e = events.get(i);
            lines.add(String.format(
                    Locale.ROOT,
                    "      %s %-8s item %s (category %s)",
                    Instant.ofEpochMilli(e.path("event_time").asLong()),
                    e.path("action").asText(),
                    e.path("item_id").asText(),
                    e.path("category_id").asText()));
        }
        StringBuilder counts = new StringBuilder();
        long window = -1;
        for (JsonNode c : f.path("action_counts")) {
            if (c.path("count").asLong() == 0) continue;
            if (c.path("window_ms").asLong() != window) {
                window = c.path("window_ms").asLong();
                counts.append(counts.length() == 0 ? "" : ";  ")
                        .append(Duration.ofMillis(window).toHours())
                        .append("h:");
            }
            counts.append(' ')
                    .append(c.path("action").asText())
                    .append(' ')
                    .append(c.path("count").asLong());
        }
        lines.add("      counts " + (counts.length() == 0 ? "(none in the windows)" : counts));
        StringBuilder top = new StringBuilder();
        for (JsonNode c : f.path("top_categories")) {
            top.append(top.length() == 0 ? "" : ", ")
                    .append(c.path("category_id").asText())
                    .append(" ×")
                    .append(c.path("count").asLong());
        }
        lines.add("      top categories " + top);
        return lines;
    }

    @Override
    public void close() throws Exception {
        try {
            if (app != null) app.close(Duration.ofSeconds(15), true);
        } finally {
            app = null;
            if (stateDir != null) FileTrees.delete(stateDir);
            stateDir = null;
        }
    }
}
