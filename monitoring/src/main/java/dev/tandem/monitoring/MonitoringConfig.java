package dev.tandem.monitoring;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.monitoring.metrics.MicrometerMonitoringMetrics;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.http.HttpSecurity;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Typed configuration of the monitoring app, read as every Tandem app reads its settings ({@link Settings}): built-in
 * defaults, a properties file, then {@code TANDEM_<KEY>} environment variables. Keys starting with {@code streams.}
 * go to Kafka Streams without the prefix; {@code schema.registry.*} and {@code basic.auth.*} to the registry client.
 * {@code http.tls.*} and {@code http.auth.*} protect {@code /metrics} ({@link HttpSecurity}; off by default).
 */
public record MonitoringConfig(
        String applicationId,
        String bootstrapServers,
        String schemaRegistryUrl,
        Path stateDir,
        String httpHost,
        int httpPort,
        String processingGuarantee,
        long commitIntervalMs,
        int numStreamThreads,
        int replicationFactor,
        MonitoringTopics topics,
        MonitoringTopology.Options options,
        Map<String, String> streamsOverrides,
        Map<String, String> registryConfigs,
        List<Path> modelCards,
        MicrometerMonitoringMetrics.DriftThresholds driftThresholds,
        HttpSecurity httpSecurity) {

    public static final String APPLICATION_ID = "application.id";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String STATE_DIR = "state.dir";
    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
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
    public static final String TOPIC_PREDICTIONS = "topic.predictions";
    /** The challenger's predictions (the scoring job's SHADOW version); empty: not read. */
    public static final String TOPIC_PREDICTIONS_SHADOW = "topic.predictions.shadow";

    public static final String TOPIC_PREDICTION_OUTCOMES = "topic.prediction.outcomes";
    public static final String TOPIC_MODEL_METRICS = "topic.model.metrics";
    public static final String FUNNEL_STAGES = "funnel.stages";
    public static final String FUNNEL_HORIZON = "funnel.horizon";
    public static final String OUTCOME_GRACE = "outcome.grace";
    public static final String PREDICTION_MAX_DELAY = "prediction.max.delay";
    public static final String MAX_CLOCK_SKEW = "max.clock.skew";
    public static final String MAX_ID_LENGTH = "max.id.length";
    public static final String METRICS_WINDOW = "metrics.window";
    public static final String METRICS_RETENTION = "metrics.retention";
    public static final String METRICS_INTERVAL = "metrics.interval";
    public static final String PUNCTUATE_INTERVAL = "punctuate.interval";
    public static final String STATE_STORE_TYPE = "state.store.type";
    public static final String MODEL_CARDS = "model.cards";
    public static final String DRIFT_PSI_WARNING = "drift.psi.warning";
    public static final String DRIFT_PSI_CRITICAL = "drift.psi.critical";
    public static final String STREAMS_PREFIX = "streams.";

    /** Every key with its default, in the order {@link #describe()} prints them. */
    public static final Map<String, String> DEFAULTS;

    static {
        MonitoringTopology.Options o = MonitoringTopology.Options.defaults();
        Map<String, String> d = new LinkedHashMap<>();
        d.put(APPLICATION_ID, "tandem-monitoring");
        d.put(BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        d.put(SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
        d.put(STATE_DIR, ".tandem/monitoring-state");
        d.put(HTTP_HOST, "127.0.0.1");
        d.put(HTTP_PORT, "8092");
        d.putAll(HttpSecurity.DEFAULTS);
        d.put(PROCESSING_GUARANTEE, "exactly_once_v2");
        // Outcomes wait a horizon (hours) for their labels and figures are published every 10 s: committing every
        // 5 s costs them nothing, and each busy user's state, written behind, reaches its changelog once per commit
        // (bench monitoring at 300,000 predictions: 5 s vs 1 s, app CPU per outcome -32 %, the broker's -56 %). It
        // stays under Streams' exactly-once transaction timeout (10 s), which a transaction must not outlast.
        d.put(COMMIT_INTERVAL_MS, "5000");
        d.put(NUM_STREAM_THREADS, "1");
        d.put(REPLICATION_FACTOR, "-1");
        d.put(TOPIC_EVENTS, MonitoringNames.EVENTS_TOPIC);
        d.put(TOPIC_PREDICTIONS, MonitoringNames.PREDICTIONS_TOPIC);
        d.put(TOPIC_PREDICTIONS_SHADOW, MonitoringNames.PREDICTIONS_SHADOW_TOPIC);
        d.put(TOPIC_PREDICTION_OUTCOMES, MonitoringNames.PREDICTION_OUTCOMES_TOPIC);
        d.put(TOPIC_MODEL_METRICS, MonitoringNames.MODEL_METRICS_TOPIC);
        d.put(
                FUNNEL_STAGES,
                String.join(",", o.funnel().stages().stream().map(Enum::name).toList()));
        d.put(FUNNEL_HORIZON, Durations.format(o.funnel().horizon()));
        d.put(OUTCOME_GRACE, Durations.format(o.grace()));
        d.put(PREDICTION_MAX_DELAY, Durations.format(o.maxPredictionDelay()));
        d.put(MAX_CLOCK_SKEW, Durations.format(o.maxClockSkew()));
        d.put(MAX_ID_LENGTH, Integer.toString(o.maxIdLength()));
        d.put(METRICS_WINDOW, Durations.format(o.metricsWindow()));
        d.put(METRICS_RETENTION, Durations.format(o.metricsRetention()));
        d.put(METRICS_INTERVAL, Durations.format(o.metricsInterval()));
        d.put(PUNCTUATE_INTERVAL, Durations.format(o.punctuateInterval()));
        d.put(STATE_STORE_TYPE, "rocksdb");
        d.put(MODEL_CARDS, "");
        MicrometerMonitoringMetrics.DriftThresholds t = MicrometerMonitoringMetrics.DriftThresholds.defaults();
        d.put(DRIFT_PSI_WARNING, Double.toString(t.warning()));
        d.put(DRIFT_PSI_CRITICAL, Double.toString(t.critical()));
        d.put(STREAMS_PREFIX + "producer.compression.type", "lz4");
        // One small outcome per candidate, millions of them: 16 KiB batches (Kafka's default) made the producer
        // compress, and the broker append, a batch per ~170 outcomes (bench monitoring: -20 % CPU per outcome at 256
        // KiB).
        d.put(STREAMS_PREFIX + "producer.batch.size", "262144");
        DEFAULTS = java.util.Collections.unmodifiableMap(d);
    }

    /** Keys under these prefixes need no default: Kafka Streams' own settings and the registry client's. */
    public static final Set<String> PASS_THROUGH_PREFIXES = Set.of(STREAMS_PREFIX, "schema.registry.", "basic.auth.");

    public static MonitoringConfig defaults() {
        return fromMap(Map.of());
    }

    /** Defaults, then {@code file} (may be null), then {@code env}'s {@code TANDEM_*} variables. */
    public static MonitoringConfig load(Path file, Map<String, String> env) {
        return from(Settings.load(DEFAULTS, PASS_THROUGH_PREFIXES, file, env));
    }

    /** From explicit key/values over the defaults (no file, no environment). */
    public static MonitoringConfig fromMap(Map<String, String> overrides) {
        return from(Settings.of(DEFAULTS, PASS_THROUGH_PREFIXES, overrides));
    }

    private static MonitoringConfig from(Settings v) {
        Map<String, String> registry = KafkaEndpoints.registrySettings(v.asMap());
        try {
            MonitoringTopology.Options options = new MonitoringTopology.Options(
                    new Funnel(stages(v), v.duration(FUNNEL_HORIZON)),
                    v.duration(OUTCOME_GRACE),
                    v.duration(PREDICTION_MAX_DELAY),
                    v.duration(MAX_CLOCK_SKEW),
                    v.integer(MAX_ID_LENGTH, 1, 1 << 20),
                    v.duration(METRICS_WINDOW),
                    v.duration(METRICS_RETENTION),
                    v.duration(METRICS_INTERVAL),
                    v.duration(PUNCTUATE_INTERVAL),
                    v.choice(STATE_STORE_TYPE, List.of("rocksdb", "in-memory")).equals("rocksdb")
                            ? MonitoringTopology.StoreType.ROCKSDB
                            : MonitoringTopology.StoreType.IN_MEMORY);
            return new MonitoringConfig(
                    v.nonBlank(APPLICATION_ID),
                    v.nonBlank(BOOTSTRAP_SERVERS),
                    v.nonBlank(SCHEMA_REGISTRY_URL),
                    v.path(STATE_DIR),
                    v.nonBlank(HTTP_HOST),
                    v.integer(HTTP_PORT, 0, 65_535),
                    v.nonBlank(PROCESSING_GUARANTEE),
                    v.longValue(COMMIT_INTERVAL_MS),
                    v.integer(NUM_STREAM_THREADS, 1, 1_000),
                    v.integer(REPLICATION_FACTOR),
                    new MonitoringTopics(
                            v.nonBlank(TOPIC_EVENTS),
                            v.nonBlank(TOPIC_PREDICTIONS),
                            v.nonBlank(TOPIC_PREDICTION_OUTCOMES),
                            v.nonBlank(TOPIC_MODEL_METRICS),
                            shadowTopic(v)),
                    options,
                    Map.copyOf(v.withPrefix(STREAMS_PREFIX)),
                    Map.copyOf(registry),
                    v.list(MODEL_CARDS).stream().map(Path::of).toList(),
                    thresholds(v),
                    HttpSecurity.from(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid monitoring configuration: " + e.getMessage(), e);
        }
    }

    private static String shadowTopic(Settings v) {
        String t = v.optional(TOPIC_PREDICTIONS_SHADOW);
        if (t == null) return "";
        for (String other : List.of(TOPIC_EVENTS, TOPIC_PREDICTIONS, TOPIC_PREDICTION_OUTCOMES, TOPIC_MODEL_METRICS)) {
            if (t.equals(v.optional(other))) {
                throw new ConfigException(TOPIC_PREDICTIONS_SHADOW, t, "must differ from " + other + " (or be empty)");
            }
        }
        return t;
    }

    private static MicrometerMonitoringMetrics.DriftThresholds thresholds(Settings v) {
        double warning = number(v, DRIFT_PSI_WARNING);
        double critical = number(v, DRIFT_PSI_CRITICAL);
        if (!(warning > 0) || !(critical >= warning)) {
            throw new ConfigException(
                    DRIFT_PSI_CRITICAL, v.string(DRIFT_PSI_CRITICAL), "must be >= " + DRIFT_PSI_WARNING + " > 0");
        }
        return new MicrometerMonitoringMetrics.DriftThresholds(warning, critical);
    }

    private static double number(Settings v, String key) {
        String s = v.nonBlank(key);
        try {
            double d = Double.parseDouble(s);
            if (Double.isFinite(d)) return d;
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConfigException(key, s, "must be a number");
    }

    private static List<Action> stages(Settings v) {
        List<Action> out = new ArrayList<>();
        for (String s : v.list(FUNNEL_STAGES)) {
            try {
                out.add(Action.valueOf(s.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(FUNNEL_STAGES, v.string(FUNNEL_STAGES), "unknown action " + s);
            }
        }
        return out;
    }

    public MonitoringConfig {
        if (commitIntervalMs < 1) throw new IllegalArgumentException(COMMIT_INTERVAL_MS + " must be >= 1");
    }

    /** A copy with other values for these keys (as strings, as in the file). */
    public MonitoringConfig with(Map<String, String> overrides) {
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
        m.putAll(httpSecurity.asMap());
        m.put(PROCESSING_GUARANTEE, processingGuarantee);
        m.put(COMMIT_INTERVAL_MS, Long.toString(commitIntervalMs));
        m.put(NUM_STREAM_THREADS, Integer.toString(numStreamThreads));
        m.put(REPLICATION_FACTOR, Integer.toString(replicationFactor));
        m.put(TOPIC_EVENTS, topics.events());
        m.put(TOPIC_PREDICTIONS, topics.predictions());
        m.put(TOPIC_PREDICTIONS_SHADOW, topics.shadowPredictions());
        m.put(TOPIC_PREDICTION_OUTCOMES, topics.outcomes());
        m.put(TOPIC_MODEL_METRICS, topics.metrics());
        m.put(
                FUNNEL_STAGES,
                String.join(
                        ",", options.funnel().stages().stream().map(Enum::name).toList()));
        m.put(FUNNEL_HORIZON, Durations.format(options.funnel().horizon()));
        m.put(OUTCOME_GRACE, Durations.format(options.grace()));
        m.put(PREDICTION_MAX_DELAY, Durations.format(options.maxPredictionDelay()));
        m.put(MAX_CLOCK_SKEW, Durations.format(options.maxClockSkew()));
        m.put(MAX_ID_LENGTH, Integer.toString(options.maxIdLength()));
        m.put(METRICS_WINDOW, Durations.format(options.metricsWindow()));
        m.put(METRICS_RETENTION, Durations.format(options.metricsRetention()));
        m.put(METRICS_INTERVAL, Durations.format(options.metricsInterval()));
        m.put(PUNCTUATE_INTERVAL, Durations.format(options.punctuateInterval()));
        m.put(STATE_STORE_TYPE, options.storeType() == MonitoringTopology.StoreType.ROCKSDB ? "rocksdb" : "in-memory");
        m.put(
                MODEL_CARDS,
                String.join(",", modelCards.stream().map(Path::toString).toList()));
        m.put(DRIFT_PSI_WARNING, Double.toString(driftThresholds.warning()));
        m.put(DRIFT_PSI_CRITICAL, Double.toString(driftThresholds.critical()));
        streamsOverrides.forEach((k, val) -> m.put(STREAMS_PREFIX + k, val));
        m.putAll(registryConfigs);
        return m;
    }

    /** The Kafka Streams settings: the app's own, then the {@code streams.*} overrides. */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, numStreamThreads);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        streamsOverrides.forEach(p::put);
        return p;
    }

    /** One {@code key = value} line per setting, secrets masked; what the app prints at start-up. */
    public String describe() {
        return Settings.describe("tandem monitoring configuration:", asMap());
    }

    @Override
    public String toString() {
        return describe();
    }
}
