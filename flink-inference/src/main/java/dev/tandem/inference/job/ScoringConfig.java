package dev.tandem.inference.job;

import dev.tandem.model.serving.TfSessionOptions;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.config.Settings;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The scoring app's configuration: Kafka and the registry, topics, batching, parallelism, checkpoints, delivery,
 * the request deadline and the model. Sources, later wins ({@link Settings}): built-in defaults, a properties file,
 * environment variables {@code TANDEM_<KEY>} (key upper-cased, dots and dashes as underscores:
 * {@code scoring.max.batch.rows} is {@code TANDEM_SCORING_MAX_BATCH_ROWS}). Keys under {@code kafka.} go to every Kafka client of the job without
 * the prefix (security settings), {@code schema.registry.*} / {@code basic.auth.*} to the registry clients, and
 * {@code flink.*} to the job's Flink configuration without the prefix. Flink-free, so {@code ScoringApp --help}
 * and a bad file are answered without Flink on the class path. {@link #describe()} masks secrets.
 *
 * @param maxBatchRows            candidates per model call at most
 * @param maxWait                 how long the first buffered request may wait for a batch to fill
 * @param parallelism             job parallelism; 0 keeps the environment's default
 * @param checkpointInterval      {@link Duration#ZERO} disables checkpoints (tests with bounded input)
 * @param checkpointDir           where checkpoints go and are resumed from ({@code file:///…}, {@code s3://…});
 *                                null leaves it to the Flink configuration, and nothing is resumed
 * @param modelDir                an exported model version directory ({@code <root>/<name>/<version>}); null until set
 * @param stages                  the model outputs to read, in order (e.g. CART, PURCHASE)
 * @param maxIdLength             longest request, user or item id accepted (longer → dead letter)
 * @param gpu                     the TF session's GPU options; ignored by the CPU build of TensorFlow
 * @param requestsStartingOffsets where {@code scoring-requests} starts without a checkpoint to resume from
 * @param delivery                how predictions, shadow predictions and dead letters are written: in Kafka
 *                                transactions committed with each checkpoint, or as soon as they are produced
 * @param requestDeadline         a request older than this ({@code request_time} to its turn in the batcher) is
 *                                not scored but dead-lettered ({@code deadline}); null: no deadline
 * @param catalogState            where the item catalog is kept across restarts: rebuilt from the {@code items} topic
 *                                (no catalog in checkpoints), or in every checkpoint's broadcast state
 * @param kafkaProperties         {@code kafka.*} settings without the prefix, for every source and sink
 * @param registryConfigs         {@code schema.registry.*} (but the URL) and {@code basic.auth.*} settings
 * @param flinkConfiguration      {@code flink.*} settings without the prefix (e.g. {@code restart-strategy.type})
 */
public record ScoringConfig(
        String jobName,
        String bootstrapServers,
        String schemaRegistryUrl,
        int maxBatchRows,
        Duration maxWait,
        int parallelism,
        Duration checkpointInterval,
        String checkpointDir,
        String modelDir,
        List<String> stages,
        int maxIdLength,
        TfSessionOptions gpu,
        Topics topics,
        String groupId,
        String transactionalIdPrefix,
        RequestOffsets requestsStartingOffsets,
        Delivery delivery,
        Duration requestDeadline,
        CatalogState catalogState,
        Map<String, String> kafkaProperties,
        Map<String, String> registryConfigs,
        Map<String, String> flinkConfiguration) {
    public static final int DEFAULT_MAX_ID_LENGTH = 256;

    public static final String JOB_NAME = "scoring.job.name";
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String MODEL_DIR = "scoring.model.dir";
    public static final String STAGES = "scoring.stages";
    public static final String MAX_BATCH_ROWS = "scoring.max.batch.rows";
    public static final String MAX_WAIT = "scoring.max.wait";
    public static final String PARALLELISM = "scoring.parallelism";
    public static final String MAX_ID_LENGTH = "scoring.max.id.length";
    public static final String GPU_MEMORY_GROWTH = "scoring.gpu.memory.growth";
    public static final String GPU_VISIBLE_DEVICES = "scoring.gpu.visible.devices";
    public static final String CHECKPOINT_INTERVAL = "scoring.checkpoint.interval";
    public static final String CHECKPOINT_DIR = "scoring.checkpoint.dir";
    public static final String GROUP_ID = "scoring.group.id";
    public static final String TRANSACTIONAL_ID_PREFIX = "scoring.transactional.id.prefix";
    public static final String REQUESTS_STARTING_OFFSETS = "scoring.requests.starting.offsets";
    public static final String DELIVERY = "scoring.delivery";
    public static final String REQUEST_DEADLINE = "scoring.request.deadline";
    public static final String CATALOG_STATE = "scoring.catalog.state";
    public static final String TOPIC_SCORING_REQUESTS = "topic.scoring.requests";
    public static final String TOPIC_USER_FEATURES = "topic.user.features";
    public static final String TOPIC_ITEMS = "topic.items";
    public static final String TOPIC_MODEL_CONTROL = "topic.model.control";
    public static final String TOPIC_PREDICTIONS = "topic.predictions";
    public static final String TOPIC_PREDICTIONS_SHADOW = "topic.predictions.shadow";
    public static final String TOPIC_DEAD_LETTERS = "topic.dead.letters";
    public static final String KAFKA_PREFIX = "kafka.";
    public static final String FLINK_PREFIX = "flink.";

    /** Keys under these prefixes need no default: Kafka clients', the registry client's and Flink's own settings. */
    public static final Set<String> PASS_THROUGH_PREFIXES =
            Set.of(KAFKA_PREFIX, "schema.registry.", "basic.auth.", FLINK_PREFIX);

    /** Every key with its default, in the order {@link #describe()} prints them. */
    public static final Map<String, String> DEFAULTS;

    static {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(JOB_NAME, "tandem-scoring");
        d.put(BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        d.put(SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081");
        d.put(MODEL_DIR, "");
        d.put(STAGES, "CART,PURCHASE");
        d.put(MAX_BATCH_ROWS, "2048");
        d.put(MAX_WAIT, "5ms");
        d.put(PARALLELISM, "0");
        d.put(MAX_ID_LENGTH, Integer.toString(DEFAULT_MAX_ID_LENGTH));
        d.put(GPU_MEMORY_GROWTH, "true");
        d.put(GPU_VISIBLE_DEVICES, "");
        d.put(CHECKPOINT_INTERVAL, "10s");
        d.put(CHECKPOINT_DIR, "");
        d.put(GROUP_ID, "tandem-scoring");
        d.put(TRANSACTIONAL_ID_PREFIX, "tandem-scoring");
        d.put(REQUESTS_STARTING_OFFSETS, RequestOffsets.COMMITTED.key());
        d.put(DELIVERY, Delivery.EXACTLY_ONCE.key());
        d.put(REQUEST_DEADLINE, "");
        d.put(CATALOG_STATE, CatalogState.TOPIC.key());
        Topics t = Topics.defaults();
        d.put(TOPIC_SCORING_REQUESTS, t.scoringRequests());
        d.put(TOPIC_USER_FEATURES, t.userFeatures());
        d.put(TOPIC_ITEMS, t.items());
        d.put(TOPIC_MODEL_CONTROL, t.modelControl());
        d.put(TOPIC_PREDICTIONS, t.predictions());
        d.put(TOPIC_PREDICTIONS_SHADOW, t.predictionsShadow());
        d.put(TOPIC_DEAD_LETTERS, t.deadLetters());
        DEFAULTS = Collections.unmodifiableMap(d);
    }

    /** Where {@code scoring-requests} starts when there is no checkpoint or savepoint to resume from. */
    public enum RequestOffsets {
        /** The consumer group's committed offsets (committed with every completed checkpoint), else the latest. */
        COMMITTED,
        /** Every request the topic still holds (a replay). */
        EARLIEST,
        /** Only requests sent from now on. */
        LATEST;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the job's Kafka sinks (predictions, shadow predictions, dead letters) write. */
    public enum Delivery {
        /**
         * In Kafka transactions committed with each checkpoint: a {@code read_committed} reader sees a prediction
         * only once the checkpoint after it completes, and never twice.
         */
        EXACTLY_ONCE,
        /**
         * No transactions: a prediction is visible as soon as the producer has written it (milliseconds); after a
         * failure, requests since the last checkpoint are scored again (same request id, new prediction).
         */
        AT_LEAST_ONCE;

        /** {@code exactly-once} / {@code at-least-once}, as written in the configuration. */
        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static List<String> keys() {
            return Arrays.stream(values()).map(Delivery::key).toList();
        }

        static Delivery of(String key) {
            return valueOf(key.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /**
     * Where the catalog survives a restart. Broadcast state is copied whole into every checkpoint by every subtask
     * (Flink keeps it on the heap whatever the state backend), so its cost per checkpoint grows with the catalog; the
     * compacted {@code items} topic holds the same catalog already.
     */
    public enum CatalogState {
        /** Kept only in memory; a restored job reads the {@code items} topic from its beginning before it starts. */
        TOPIC,
        /** In broadcast state, written with every checkpoint (needs no readable topic at restore). */
        BROADCAST;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static List<String> keys() {
            return Arrays.stream(values()).map(CatalogState::key).toList();
        }
    }

    /** The topics the job reads and writes. */
    public record Topics(
            String scoringRequests,
            String userFeatures,
            String items,
            String modelControl,
            String predictions,
            String predictionsShadow,
            String deadLetters) {
        public static Topics defaults() {
            return new Topics(
                    TandemTopics.SCORING_REQUESTS,
                    TandemTopics.USER_FEATURES,
                    TandemTopics.ITEMS,
                    TandemTopics.MODEL_CONTROL,
                    TandemTopics.PREDICTIONS,
                    TandemTopics.PREDICTIONS_SHADOW,
                    TandemTopics.DEAD_LETTERS);
        }
    }

    public ScoringConfig {
        check(maxBatchRows >= 1, MAX_BATCH_ROWS, maxBatchRows, "must be >= 1");
        check(maxWait != null && !maxWait.isNegative(), MAX_WAIT, maxWait, "must be >= 0");
        check(parallelism >= 0, PARALLELISM, parallelism, "must be >= 0 (0: the environment's default)");
        check(
                checkpointInterval != null && !checkpointInterval.isNegative(),
                CHECKPOINT_INTERVAL,
                checkpointInterval,
                "must be >= 0 (0: off)");
        check(maxIdLength >= 1, MAX_ID_LENGTH, maxIdLength, "must be >= 1");
        check(
                requestDeadline == null || !requestDeadline.isNegative(),
                REQUEST_DEADLINE,
                requestDeadline,
                "must be >= 0 (0 or empty: no deadline)");
        requestDeadline = requestDeadline == null || requestDeadline.isZero() ? null : requestDeadline;
        delivery = delivery == null ? Delivery.EXACTLY_ONCE : delivery;
        catalogState = catalogState == null ? CatalogState.TOPIC : catalogState;
        stages = List.copyOf(stages);
        gpu = gpu == null ? TfSessionOptions.defaults() : gpu;
        topics = topics == null ? Topics.defaults() : topics;
        requestsStartingOffsets = requestsStartingOffsets == null ? RequestOffsets.COMMITTED : requestsStartingOffsets;
        kafkaProperties =
                kafkaProperties == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(kafkaProperties));
        registryConfigs =
                registryConfigs == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(registryConfigs));
        flinkConfiguration =
                flinkConfiguration == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(flinkConfiguration));
    }

    private static void check(boolean ok, String key, Object value, String problem) {
        if (!ok)
            throw new ConfigException(
                    key, value instanceof Duration d ? Durations.format(d) : String.valueOf(value), problem);
    }

    public static ScoringConfig defaults() {
        return fromMap(Map.of());
    }

    /** Defaults, then {@code file} (may be null), then {@code env}'s {@code TANDEM_*} variables. */
    public static ScoringConfig load(Path file, Map<String, String> env) {
        return from(Settings.load(DEFAULTS, PASS_THROUGH_PREFIXES, file, env));
    }

    /** As {@link #load}, then {@code overrides} (e.g. command-line {@code --set KEY=VALUE}) win over everything. */
    public static ScoringConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        Settings s = Settings.load(DEFAULTS, PASS_THROUGH_PREFIXES, file, env);
        Map<String, String> v = new LinkedHashMap<>(s.asMap());
        v.putAll(overrides);
        return fromMap(v);
    }

    /** From explicit key/values over the defaults (no file, no environment); unknown keys are errors. */
    public static ScoringConfig fromMap(Map<String, String> values) {
        return from(Settings.of(DEFAULTS, PASS_THROUGH_PREFIXES, values));
    }

    private static ScoringConfig from(Settings v) {
        Map<String, String> registry = KafkaEndpoints.registrySettings(v.asMap());
        TfSessionOptions gpu;
        try {
            gpu = new TfSessionOptions(v.bool(GPU_MEMORY_GROWTH), v.string(GPU_VISIBLE_DEVICES));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    GPU_VISIBLE_DEVICES,
                    v.string(GPU_VISIBLE_DEVICES),
                    "must be comma-separated device indices like 0,1 (empty: all)");
        }
        List<String> offsets =
                List.of(RequestOffsets.COMMITTED.key(), RequestOffsets.EARLIEST.key(), RequestOffsets.LATEST.key());
        Topics topics = new Topics(
                v.nonBlank(TOPIC_SCORING_REQUESTS),
                v.nonBlank(TOPIC_USER_FEATURES),
                v.nonBlank(TOPIC_ITEMS),
                v.nonBlank(TOPIC_MODEL_CONTROL),
                v.nonBlank(TOPIC_PREDICTIONS),
                v.nonBlank(TOPIC_PREDICTIONS_SHADOW),
                v.nonBlank(TOPIC_DEAD_LETTERS));
        List<String> stages = v.list(STAGES);
        if (stages.isEmpty())
            throw new ConfigException(
                    STAGES, v.string(STAGES), "must name at least one model output, e.g. CART,PURCHASE");
        return new ScoringConfig(
                v.nonBlank(JOB_NAME),
                v.nonBlank(BOOTSTRAP_SERVERS),
                v.nonBlank(SCHEMA_REGISTRY_URL),
                v.integer(MAX_BATCH_ROWS),
                v.duration(MAX_WAIT),
                v.integer(PARALLELISM),
                v.duration(CHECKPOINT_INTERVAL),
                v.optional(CHECKPOINT_DIR),
                v.optional(MODEL_DIR),
                stages,
                v.integer(MAX_ID_LENGTH),
                gpu,
                topics,
                v.nonBlank(GROUP_ID),
                v.nonBlank(TRANSACTIONAL_ID_PREFIX),
                RequestOffsets.valueOf(
                        v.choice(REQUESTS_STARTING_OFFSETS, offsets).toUpperCase(Locale.ROOT)),
                Delivery.of(v.choice(DELIVERY, Delivery.keys())),
                v.optional(REQUEST_DEADLINE) == null ? null : v.duration(REQUEST_DEADLINE),
                CatalogState.valueOf(
                        v.choice(CATALOG_STATE, CatalogState.keys()).toUpperCase(Locale.ROOT)),
                v.withPrefix(KAFKA_PREFIX),
                registry,
                v.withPrefix(FLINK_PREFIX));
    }

    /** Every setting as key → string, secrets included (print with {@link #describe()}); {@link #fromMap} reads it back. */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(JOB_NAME, jobName);
        m.put(BOOTSTRAP_SERVERS, bootstrapServers);
        m.put(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        m.put(MODEL_DIR, modelDir == null ? "" : modelDir);
        m.put(STAGES, String.join(",", stages));
        m.put(MAX_BATCH_ROWS, Integer.toString(maxBatchRows));
        m.put(MAX_WAIT, Durations.format(maxWait));
        m.put(PARALLELISM, Integer.toString(parallelism));
        m.put(MAX_ID_LENGTH, Integer.toString(maxIdLength));
        m.put(GPU_MEMORY_GROWTH, Boolean.toString(gpu.gpuMemoryGrowth()));
        m.put(GPU_VISIBLE_DEVICES, gpu.visibleDevices());
        m.put(CHECKPOINT_INTERVAL, Durations.format(checkpointInterval));
        m.put(CHECKPOINT_DIR, checkpointDir == null ? "" : checkpointDir);
        m.put(GROUP_ID, groupId);
        m.put(TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        m.put(REQUESTS_STARTING_OFFSETS, requestsStartingOffsets.key());
        m.put(DELIVERY, delivery.key());
        m.put(REQUEST_DEADLINE, requestDeadline == null ? "" : Durations.format(requestDeadline));
        m.put(CATALOG_STATE, catalogState.key());
        m.put(TOPIC_SCORING_REQUESTS, topics.scoringRequests());
        m.put(TOPIC_USER_FEATURES, topics.userFeatures());
        m.put(TOPIC_ITEMS, topics.items());
        m.put(TOPIC_MODEL_CONTROL, topics.modelControl());
        m.put(TOPIC_PREDICTIONS, topics.predictions());
        m.put(TOPIC_PREDICTIONS_SHADOW, topics.predictionsShadow());
        m.put(TOPIC_DEAD_LETTERS, topics.deadLetters());
        kafkaProperties.forEach((k, val) -> m.put(KAFKA_PREFIX + k, val));
        m.putAll(registryConfigs);
        flinkConfiguration.forEach((k, val) -> m.put(FLINK_PREFIX + k, val));
        return m;
    }

    /** The settings that differ from the defaults: what a launcher passes to the app as {@code --set KEY=VALUE}. */
    public Map<String, String> changes() {
        Map<String, String> m = new LinkedHashMap<>();
        asMap().forEach((k, val) -> {
            if (!val.equals(DEFAULTS.get(k))) m.put(k, val);
        });
        return m;
    }

    /** The registry client settings: the URL plus the pass-through {@code schema.registry.*} / {@code basic.auth.*} keys. */
    public Map<String, String> registryClientConfigs() {
        Map<String, String> m = new TreeMap<>(registryConfigs);
        m.put(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        return Collections.unmodifiableMap(m);
    }

    /** One {@code key = value} line per setting, secrets masked; what the app prints at start-up. */
    public String describe() {
        return Settings.describe("tandem scoring configuration:", asMap());
    }

    @Override
    public String toString() {
        return describe();
    }

    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder holding this configuration's settings, to change a few. */
    public Builder toBuilder() {
        return new Builder(asMap());
    }

    /**
     * Settings by key, with typed setters for the common ones; {@link #build()} parses and checks them all, so a bad
     * value fails there with a {@link ConfigException} naming its key.
     */
    public static final class Builder {
        private final Map<String, String> values;

        private Builder(Map<String, String> start) {
            values = new LinkedHashMap<>(start);
        }

        /** Any key of {@link #DEFAULTS} or under a pass-through prefix, as it would be written in the file. */
        public Builder set(String key, String value) {
            values.put(key, value);
            return this;
        }

        public Builder setAll(Map<String, String> settings) {
            values.putAll(settings);
            return this;
        }

        public Builder jobName(String name) {
            return set(JOB_NAME, name);
        }

        public Builder kafka(String bootstrapServers, String schemaRegistryUrl) {
            return set(BOOTSTRAP_SERVERS, bootstrapServers).set(SCHEMA_REGISTRY_URL, schemaRegistryUrl);
        }

        public Builder schemaRegistryUrl(String url) {
            return set(SCHEMA_REGISTRY_URL, url);
        }

        public Builder batching(int maxBatchRows, Duration maxWait) {
            return set(MAX_BATCH_ROWS, Integer.toString(maxBatchRows)).set(MAX_WAIT, Durations.format(maxWait));
        }

        public Builder parallelism(int p) {
            return set(PARALLELISM, Integer.toString(p));
        }

        public Builder checkpointInterval(Duration d) {
            return set(CHECKPOINT_INTERVAL, Durations.format(d));
        }

        public Builder checkpointDir(String dir) {
            return set(CHECKPOINT_DIR, dir == null ? "" : dir);
        }

        public Builder model(String dir, List<String> stages) {
            return set(MODEL_DIR, dir == null ? "" : dir).set(STAGES, String.join(",", stages));
        }

        public Builder maxIdLength(int n) {
            return set(MAX_ID_LENGTH, Integer.toString(n));
        }

        public Builder gpu(TfSessionOptions options) {
            return set(GPU_MEMORY_GROWTH, Boolean.toString(options.gpuMemoryGrowth()))
                    .set(GPU_VISIBLE_DEVICES, options.visibleDevices());
        }

        public Builder groupId(String id) {
            return set(GROUP_ID, id);
        }

        public Builder transactionalIdPrefix(String prefix) {
            return set(TRANSACTIONAL_ID_PREFIX, prefix);
        }

        public Builder requestsStartingOffsets(RequestOffsets offsets) {
            return set(REQUESTS_STARTING_OFFSETS, offsets.key());
        }

        public Builder delivery(Delivery d) {
            return set(DELIVERY, d.key());
        }

        /** Requests older than {@code d} when their turn to be scored comes are dead-lettered; null: no deadline. */
        public Builder requestDeadline(Duration d) {
            return set(REQUEST_DEADLINE, d == null ? "" : Durations.format(d));
        }

        public Builder catalogState(CatalogState state) {
            return set(CATALOG_STATE, state.key());
        }

        public ScoringConfig build() {
            return fromMap(values);
        }
    }
}
