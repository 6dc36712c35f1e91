package dev.tandem.features;

import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.features.streams.CompactStoreConfig;
import dev.tandem.features.streams.TtlClock;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Typed configuration of the features app. Sources, later wins: built-in defaults, a properties file,
 * environment variables {@code TANDEM_<KEY>} (key upper-cased, dots as underscores, e.g.
 * {@code TANDEM_BOOTSTRAP_SERVERS}, {@code TANDEM_STREAMS_SECURITY_PROTOCOL}). Unknown keys in the file
 * are errors (typos); unknown {@code TANDEM_} variables are ignored (other components share the prefix).
 * Keys starting with {@code streams.} are passed to Kafka Streams without the prefix; keys starting with
 * {@code schema.registry.} or {@code basic.auth.} go to the registry client. {@code http.tls.*} and
 * {@code http.auth.*} protect the HTTP API ({@link HttpSecurity}; off by default). {@link #describe()} masks secrets.
 */
public record FeaturesConfig(
        String applicationId,
        String bootstrapServers,
        String schemaRegistryUrl,
        Path stateDir,
        String httpHost,
        int httpPort,
        String advertisedHost,
        String processingGuarantee,
        long commitIntervalMs,
        int numStreamThreads,
        int replicationFactor,
        FeatureTopics topics,
        SequencePolicy policy,
        FeatureTopology.Options options,
        Map<String, String> streamsOverrides,
        Map<String, String> registryConfigs,
        HttpSecurity httpSecurity) {

    public static final String ENV_PREFIX = "TANDEM_";
    public static final String APPLICATION_ID = "application.id";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String STATE_DIR = "state.dir";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
    public static final String HTTP_TLS_KEYSTORE_PATH = HttpSecurity.TLS_KEYSTORE_PATH;
    public static final String HTTP_TLS_KEYSTORE_PASSWORD = HttpSecurity.TLS_KEYSTORE_PASSWORD;
    public static final String HTTP_TLS_KEYSTORE_TYPE = HttpSecurity.TLS_KEYSTORE_TYPE;
    public static final String HTTP_AUTH_TOKEN = HttpSecurity.AUTH_TOKEN;
    public static final String HTTP_AUTH_TOKEN_FILE = HttpSecurity.AUTH_TOKEN_FILE;
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String REPLICATION_FACTOR = "replication.factor";
    public static final String TOPIC_EVENTS = "topic.events";
    public static final String TOPIC_ITEMS = "topic.items";
    public static final String TOPIC_USER_FEATURES = "topic.user.features";
    public static final String TOPIC_DEAD_LETTERS = "topic.dead.letters";
    public static final String TOPIC_ITEM_FEATURES = "topic.item.features";
    /** Empty: off. Otherwise score on exposure: every accepted view becomes a scoring request on this topic. */
    public static final String TOPIC_EXPOSURE_REQUESTS = "topic.exposure.requests";

    public static final String USER_TTL = "user.ttl";
    public static final String TTL_SCAN_INTERVAL = "ttl.scan.interval";
    public static final String TTL_CLOCK = "ttl.clock";
    public static final String MAX_CLOCK_SKEW = "max.clock.skew";
    public static final String SEQUENCE_MAX_EVENTS = "sequence.max.events";
    public static final String SEQUENCE_GRACE = "sequence.grace";
    public static final String SEQUENCE_DEDUP_CAPACITY = "sequence.dedup.capacity";
    public static final String SEQUENCE_WINDOWS = "sequence.windows";
    public static final String SEQUENCE_TOP_CATEGORIES = "sequence.top.categories";
    public static final String SEQUENCE_CATEGORY_CAPACITY = "sequence.category.capacity";
    public static final String SEQUENCE_MAX_ID_LENGTH = "sequence.max.id.length";
    public static final String SEQUENCE_CACHE_USERS = "sequence.cache.users";
    public static final String SEQUENCE_STORE_CACHING = "sequence.store.caching";
    public static final String ITEM_STATS_ENABLED = "item.stats.enabled";
    public static final String STREAMS_PREFIX = "streams.";

    /** Every key with its default, in the order {@link #describe()} prints them. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(APPLICATION_ID, "tandem-features");
        d.put(BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        d.put(SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
        d.put(STATE_DIR, ".tandem/features-state");
        d.put(HTTP_HOST, "127.0.0.1");
        d.put(HTTP_PORT, "8090");
        d.put(HTTP_ADVERTISED_HOST, "");
        d.putAll(HttpSecurity.DEFAULTS);
        d.put(PROCESSING_GUARANTEE, "exactly_once_v2");
        // p99 event → user-features ≤ 50 ms at 5,000 events/s only with 20 ms (tandem bench features,
        // docs/benchmarks.md)
        d.put(COMMIT_INTERVAL_MS, "20");
        d.put(NUM_STREAM_THREADS, "1");
        d.put(REPLICATION_FACTOR, "-1");
        d.put(TOPIC_EVENTS, FeatureNames.EVENTS_TOPIC);
        d.put(TOPIC_ITEMS, FeatureNames.ITEMS_TOPIC);
        d.put(TOPIC_USER_FEATURES, FeatureNames.USER_FEATURES_TOPIC);
        d.put(TOPIC_DEAD_LETTERS, FeatureNames.DEAD_LETTERS_TOPIC);
        d.put(TOPIC_ITEM_FEATURES, "");
        d.put(TOPIC_EXPOSURE_REQUESTS, "");
        d.put(USER_TTL, "30d");
        d.put(TTL_SCAN_INTERVAL, "1m");
        d.put(TTL_CLOCK, "event-time");
        d.put(MAX_CLOCK_SKEW, "5m");
        SequencePolicy p = SequencePolicy.defaults();
        d.put(SEQUENCE_MAX_EVENTS, Integer.toString(p.maxEvents()));
        d.put(SEQUENCE_GRACE, "1h");
        d.put(SEQUENCE_DEDUP_CAPACITY, Integer.toString(p.dedupCapacity()));
        d.put(SEQUENCE_WINDOWS, "1h/5m,24h/1h");
        d.put(SEQUENCE_TOP_CATEGORIES, Integer.toString(p.topCategories()));
        d.put(SEQUENCE_CATEGORY_CAPACITY, Integer.toString(p.categoryCapacity()));
        d.put(SEQUENCE_MAX_ID_LENGTH, Integer.toString(p.maxIdLength()));
        d.put(SEQUENCE_CACHE_USERS, Integer.toString(FeatureTopology.Options.DEFAULT_CACHED_USERS_PER_TASK));
        d.put(SEQUENCE_STORE_CACHING, "false");
        d.put(ITEM_STATS_ENABLED, "true");
        // Changelogs (sequence encodings), user-features (50 events each) and the repartition topic compress well:
        // lz4 cuts what the broker writes per event several times over for little CPU (tandem bench features).
        d.put(STREAMS_PREFIX + "producer.compression.type", "lz4");
        d.put(STREAMS_PREFIX + "rocksdb.config.setter", CompactStoreConfig.class.getName());
        DEFAULTS = java.util.Collections.unmodifiableMap(d);
    }

    /** Keys under these prefixes need no default: Kafka Streams' own settings and the registry client's. */
    public static final Set<String> PASS_THROUGH_PREFIXES = Set.of(STREAMS_PREFIX, "schema.registry.", "basic.auth.");

    public static FeaturesConfig defaults() {
        return fromMap(Map.of());
    }

    /** Defaults, then {@code file} (may be null), then {@code env}'s {@code TANDEM_*} variables. */
    public static FeaturesConfig load(Path file, Map<String, String> env) {
        return from(Settings.load(DEFAULTS, PASS_THROUGH_PREFIXES, file, env));
    }

    /** From explicit key/values over the defaults (no file, no environment). */
    public static FeaturesConfig fromMap(Map<String, String> overrides) {
        return from(Settings.of(DEFAULTS, PASS_THROUGH_PREFIXES, overrides));
    }

    private static FeaturesConfig from(Settings v) {
        Map<String, String> registry = KafkaEndpoints.registrySettings(v.asMap());
        try {
            SequencePolicy policy = new SequencePolicy(
                    v.integer(SEQUENCE_MAX_EVENTS),
                    v.duration(SEQUENCE_GRACE),
                    v.integer(SEQUENCE_DEDUP_CAPACITY),
                    windows(v.nonBlank(SEQUENCE_WINDOWS)),
                    v.integer(SEQUENCE_TOP_CATEGORIES),
                    v.integer(SEQUENCE_CATEGORY_CAPACITY),
                    v.integer(SEQUENCE_MAX_ID_LENGTH),
                    SequencePolicy.Smoothing.defaults());
            TtlClock clock =
                    v.choice(TTL_CLOCK, List.of("event-time", "wall-clock")).equals("event-time")
                            ? TtlClock.EVENT_TIME
                            : TtlClock.WALL_CLOCK;
            FeatureTopology.Options options = new FeatureTopology.Options(
                    v.duration(USER_TTL),
                    v.duration(TTL_SCAN_INTERVAL),
                    clock,
                    v.duration(MAX_CLOCK_SKEW),
                    v.integer(SEQUENCE_CACHE_USERS),
                    v.bool(SEQUENCE_STORE_CACHING),
                    v.bool(ITEM_STATS_ENABLED));
            FeatureTopics topics = new FeatureTopics(
                    v.nonBlank(TOPIC_EVENTS),
                    v.nonBlank(TOPIC_ITEMS),
                    v.nonBlank(TOPIC_USER_FEATURES),
                    v.nonBlank(TOPIC_DEAD_LETTERS),
                    v.optional(TOPIC_ITEM_FEATURES),
                    v.optional(TOPIC_EXPOSURE_REQUESTS));
            String advertised = v.optional(HTTP_ADVERTISED_HOST);
            return new FeaturesConfig(
                    v.nonBlank(APPLICATION_ID),
                    v.nonBlank(BOOTSTRAP_SERVERS),
                    v.nonBlank(SCHEMA_REGISTRY_URL),
                    v.path(STATE_DIR),
                    v.nonBlank(HTTP_HOST),
                    v.integer(HTTP_PORT, 0, 65_535),
                    advertised == null ? v.nonBlank(HTTP_HOST) : advertised,
                    v.nonBlank(PROCESSING_GUARANTEE),
                    v.longValue(COMMIT_INTERVAL_MS),
                    v.integer(NUM_STREAM_THREADS),
                    v.integer(REPLICATION_FACTOR),
                    topics,
                    policy,
                    options,
                    Map.copyOf(v.withPrefix(STREAMS_PREFIX)),
                    Map.copyOf(registry),
                    HttpSecurity.from(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid features configuration: " + e.getMessage(), e);
        }
    }

    public FeaturesConfig {
        if (httpPort < 0 || httpPort > 65_535)
            throw new IllegalArgumentException(HTTP_PORT + " must be in [0, 65535], was " + httpPort);
        if (numStreamThreads < 1) throw new IllegalArgumentException(NUM_STREAM_THREADS + " must be >= 1");
        if (commitIntervalMs < 1) throw new IllegalArgumentException(COMMIT_INTERVAL_MS + " must be >= 1");
    }

    /** A copy with other values for these keys (as strings, as in the file). */
    public FeaturesConfig with(Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(asMap());
        v.putAll(overrides);
        return fromMap(v);
    }

    /** Every setting as key → string, secrets included (use {@link #describe()} to print). */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(APPLICATION_ID, applicationId);
        m.put(BOOTSTRAP_SERVERS, bootstrapServers);
        m.put(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        m.put(STATE_DIR, stateDir.toString());
        m.put(HTTP_HOST, httpHost);
        m.put(HTTP_PORT, Integer.toString(httpPort));
        m.put(HTTP_ADVERTISED_HOST, advertisedHost);
        m.putAll(httpSecurity.asMap());
        m.put(PROCESSING_GUARANTEE, processingGuarantee);
        m.put(COMMIT_INTERVAL_MS, Long.toString(commitIntervalMs));
        m.put(NUM_STREAM_THREADS, Integer.toString(numStreamThreads));
        m.put(REPLICATION_FACTOR, Integer.toString(replicationFactor));
        m.put(TOPIC_EVENTS, topics.events());
        m.put(TOPIC_ITEMS, topics.items());
        m.put(TOPIC_USER_FEATURES, topics.userFeatures());
        m.put(TOPIC_DEAD_LETTERS, topics.deadLetters());
        m.put(TOPIC_ITEM_FEATURES, topics.itemFeatures() == null ? "" : topics.itemFeatures());
        m.put(TOPIC_EXPOSURE_REQUESTS, topics.exposureRequests() == null ? "" : topics.exposureRequests());
        m.put(USER_TTL, Durations.format(options.userTtl()));
        m.put(TTL_SCAN_INTERVAL, Durations.format(options.ttlScanInterval()));
        m.put(TTL_CLOCK, options.ttlClock().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put(MAX_CLOCK_SKEW, Durations.format(options.maxClockSkew()));
        m.put(SEQUENCE_MAX_EVENTS, Integer.toString(policy.maxEvents()));
        m.put(SEQUENCE_GRACE, Durations.format(Duration.ofMillis(policy.graceMs())));
        m.put(SEQUENCE_DEDUP_CAPACITY, Integer.toString(policy.dedupCapacity()));
        List<String> w = new ArrayList<>();
        for (SequencePolicy.CounterWindow cw : policy.windows()) {
            w.add(Durations.format(Duration.ofMillis(cw.windowMs())) + "/"
                    + Durations.format(Duration.ofMillis(cw.bucketMs())));
        }
        m.put(SEQUENCE_WINDOWS, String.join(",", w));
        m.put(SEQUENCE_TOP_CATEGORIES, Integer.toString(policy.topCategories()));
        m.put(SEQUENCE_CATEGORY_CAPACITY, Integer.toString(policy.categoryCapacity()));
        m.put(SEQUENCE_MAX_ID_LENGTH, Integer.toString(policy.maxIdLength()));
        m.put(SEQUENCE_CACHE_USERS, Integer.toString(options.cachedUsersPerTask()));
        m.put(SEQUENCE_STORE_CACHING, Boolean.toString(options.sequenceStoreCaching()));
        m.put(ITEM_STATS_ENABLED, Boolean.toString(options.itemStats()));
        streamsOverrides.forEach((k, val) -> m.put(STREAMS_PREFIX + k, val));
        m.putAll(registryConfigs);
        return m;
    }

    /**
     * The Kafka Streams settings of the app (everything but {@code application.server}, which needs the bound
     * HTTP port): application id, bootstrap servers, state dir, processing guarantee, commit interval, threads,
     * replication factor, then the {@code streams.*} overrides. Benchmarks run other topologies with these too.
     */
    public java.util.Properties streamsProperties() {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.streams.StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(org.apache.kafka.streams.StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(org.apache.kafka.streams.StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(org.apache.kafka.streams.StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        p.put(org.apache.kafka.streams.StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        p.put(org.apache.kafka.streams.StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        streamsOverrides.forEach(p::put);
        return p;
    }

    /** One {@code key = value} line per setting, secrets masked; what the app prints at start-up. */
    public String describe() {
        return Settings.describe("tandem features configuration:", asMap());
    }

    @Override
    public String toString() {
        return describe();
    }

    // ------------------------------------------------------------------ parsing

    private static List<SequencePolicy.CounterWindow> windows(String s) {
        List<SequencePolicy.CounterWindow> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String[] wb = part.trim().split("/");
            if (wb.length != 2)
                throw new IllegalArgumentException(SEQUENCE_WINDOWS + " must look like 1h/5m,24h/1h, was '" + s + "'");
            out.add(new SequencePolicy.CounterWindow(Durations.parse(wb[0], true), Durations.parse(wb[1], true)));
        }
        return out;
    }
}
