package dev.tandem.platform.monitor;

import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.AvroSerdes;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code tandem monitor --data}: the whole online path over a log, on a cluster of its own (an in-process broker, the
 * registry and every platform topic in a temp dir, removed at the end):
 * <ol>
 *   <li>the log's events to {@code events}, in label order ({@link FunnelLabels#order()}: each user's events reach
 *       the apps in the order training replays them);</li>
 *   <li>the features app turns them into {@code user-features};</li>
 *   <li>score on exposure ({@link ExposureScorer}): each exposure to grade, with the features just before it, to
 *       {@code predictions};</li>
 *   <li>the monitoring app joins predictions with the later events into {@code prediction-outcomes}, is drained at
 *       the end of the log (horizons that run past it are censored, as offline), and publishes per-stage figures to
 *       {@code model-metrics}, read back here.</li>
 * </ol>
 * Only the exposures {@code tandem evaluate} grades are scored (its validation split), so both report on the same
 * population; the features are built from every event, as offline.
 */
public final class MonitorReplay {
    static final String FEATURES_APP_ID = "tandem-monitor-features";
    static final String MONITORING_APP_ID = "tandem-monitor";
    /** A wait gives up when the watched group has not moved for this long. */
    static final Duration STALL = Duration.ofSeconds(90);

    /**
     * @param log        every event of the log, as read (file order)
     * @param toScore    event ids of the exposures to grade
     * @param dataEndMs  the last event time of the log's valid events: the input is complete up to it
     * @param partitions partitions of the replay's topics
     * @param window     the monitoring app's tumbling windows
     * @param httpPort   the monitoring app's /metrics port (0: any free one)
     */
    public record Settings(
            Path modelDir,
            String modelName,
            String modelVersion,
            List<String> stages,
            Funnel funnel,
            List<UserEvent> log,
            Set<String> toScore,
            long dataEndMs,
            int partitions,
            Duration window,
            int httpPort) {}

    /** The figures the monitoring app published last for every stage (the total over the replay), and counts. */
    public record Result(
            Map<String, ModelMetrics> totals, long eventsSent, long predictions, Map<String, Double> phaseSeconds) {}

    private final Settings s;
    private final PrintWriter progress;
    private final Map<String, Double> phases = new java.util.LinkedHashMap<>();

    public MonitorReplay(Settings settings, PrintWriter progress) {
        this.s = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    public Result run() throws Exception {
        Path dir = Files.createTempDirectory("tandem-monitor-");
        long t = System.nanoTime();
        try (DevCluster cluster =
                DevCluster.start(new DevCluster.Config(dir.resolve("cluster"), 0, 0, s.partitions(), false))) {
            KafkaEndpoints endpoints = new KafkaEndpoints(cluster.bootstrapServers(), cluster.registryUrl());
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers()))) {
                keepEveryVersion(admin);
                t = phase("cluster", t);
                try (FeaturesApp features = new FeaturesApp(featuresConfig(endpoints, dir)).start();
                        MonitoringApp monitoring = new MonitoringApp(monitoringConfig(endpoints, dir)).start()) {
                    say("cluster, features app and monitoring app up on " + endpoints.bootstrapServers()
                            + "; monitoring metrics on http://127.0.0.1:" + monitoring.httpPort() + "/metrics");
                    long sent = sendEvents(endpoints);
                    awaitCaughtUp(
                            admin, FEATURES_APP_ID, List.of(TandemTopics.EVENTS), features::isHealthy, "features app");
                    t = phase("features", t);
                    say(String.format(Locale.ROOT, "features app read %,d events", sent));

                    long predictions = scoreExposures(endpoints);
                    t = phase("scoring", t);
                    awaitCaughtUp(
                            admin,
                            MONITORING_APP_ID,
                            List.of(TandemTopics.EVENTS, TandemTopics.PREDICTIONS),
                            monitoring::isHealthy,
                            "monitoring app");
                    monitoring.drain(Instant.ofEpochMilli(s.dataEndMs()), STALL);
                    Map<String, ModelMetrics> totals = readTotals(endpoints, predictions, monitoring::isHealthy);
                    phase("monitoring", t);
                    return new Result(totals, sent, predictions, phases);
                }
            }
        } finally {
            FileTrees.delete(dir);
        }
    }

    private long phase(String name, long since) {
        long now = System.nanoTime();
        phases.put(name, (now - since) / 1e9);
        return now;
    }

    private void say(String line) {
        progress.println(line);
        progress.flush();
    }

    /** user-features is compacted on the platform: the scorer reads every version, so keep them all here. */
    private static void keepEveryVersion(Admin admin) throws Exception {
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TandemTopics.USER_FEATURES);
        admin.incrementalAlterConfigs(Map.of(
                        topic,
                        List.of(
                                new AlterConfigOp(
                                        new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET),
                                new AlterConfigOp(new ConfigEntry("retention.ms", "-1"), AlterConfigOp.OpType.SET))))
                .all()
                .get();
    }

    private FeaturesConfig featuresConfig(KafkaEndpoints endpoints, Path dir) {
        return FeaturesConfig.fromMap(Map.of(
                FeaturesConfig.APPLICATION_ID, FEATURES_APP_ID,
                FeaturesConfig.BOOTSTRAP_SERVERS, endpoints.bootstrapServers(),
                FeaturesConfig.SCHEMA_REGISTRY_URL, endpoints.registryUrl(),
                FeaturesConfig.STATE_DIR, dir.resolve("features").toString(),
                FeaturesConfig.HTTP_PORT, "0",
                FeaturesConfig.COMMIT_INTERVAL_MS, "100",
                // training never forgets a user; a log longer than the TTL would otherwise be cut
                FeaturesConfig.USER_TTL, "0",
                FeaturesConfig.ITEM_STATS_ENABLED, "false",
                FeaturesConfig.SEQUENCE_STORE_CACHING, "true"));
    }

    private MonitoringConfig monitoringConfig(KafkaEndpoints endpoints, Path dir) {
        long span = Math.max(0, s.dataEndMs() - firstEventMs());
        // every prediction is sent after every event: the conversions must be kept for the whole log
        Duration maxDelay = Duration.ofMillis(span).plus(s.funnel().horizon()).plusDays(1);
        return MonitoringConfig.fromMap(Map.ofEntries(
                Map.entry(MonitoringConfig.APPLICATION_ID, MONITORING_APP_ID),
                Map.entry(MonitoringConfig.BOOTSTRAP_SERVERS, endpoints.bootstrapServers()),
                Map.entry(MonitoringConfig.SCHEMA_REGISTRY_URL, endpoints.registryUrl()),
                Map.entry(MonitoringConfig.STATE_DIR, dir.resolve("monitoring").toString()),
                Map.entry(MonitoringConfig.HTTP_PORT, Integer.toString(s.httpPort())),
                Map.entry(
                        MonitoringConfig.FUNNEL_STAGES,
                        String.join(
                                ",",
                                s.funnel().stages().stream().map(Enum::name).toList())),
                Map.entry(
                        MonitoringConfig.FUNNEL_HORIZON,
                        Durations.format(s.funnel().horizon())),
                Map.entry(MonitoringConfig.PREDICTION_MAX_DELAY, Durations.format(maxDelay)),
                Map.entry(MonitoringConfig.METRICS_WINDOW, Durations.format(s.window())),
                Map.entry(MonitoringConfig.METRICS_INTERVAL, "250ms"),
                Map.entry(MonitoringConfig.PUNCTUATE_INTERVAL, "100ms"),
                Map.entry(MonitoringConfig.STATE_STORE_TYPE, "in-memory"),
                // the replayed version's card: its drift reference gives the PSI of the replay's predictions
                Map.entry(MonitoringConfig.MODEL_CARDS, s.modelDir().toString())));
    }

    private long firstEventMs() {
        long min = Long.MAX_VALUE;
        for (UserEvent e : s.log()) min = Math.min(min, e.getEventTime().toEpochMilli());
        return min == Long.MAX_VALUE ? s.dataEndMs() : min;
    }

    /** The log in label order; an event the updater could not hold (a time out of range) is left out, as offline. */
    private long sendEvents(KafkaEndpoints endpoints) {
        FunnelLabels<UserEvent> rules = new FunnelLabels<>(s.funnel(), BehaviourEvent::of);
        List<UserEvent> sorted = new ArrayList<>(s.log().size());
        for (UserEvent e : s.log()) {
            try {
                BehaviourEvent.of(e);
                sorted.add(e);
            } catch (RuntimeException ex) {
                // refused offline too (ExampleBuilder validates before it replays)
            }
        }
        sorted.sort(rules.order());
        try (AvroProducer producer = new AvroProducer(endpoints, "tandem-monitor-replay")) {
            for (UserEvent e : sorted) producer.send(TandemTopics.EVENTS, e.getUserId(), e);
            producer.flush();
        }
        return sorted.size();
    }

    private long scoreExposures(KafkaEndpoints endpoints) throws Exception {
        List<String> stages = s.stages();
        try (AvroProducer producer = new AvroProducer(endpoints, "tandem-monitor-scorer");
                ExposureScorer scorer = new ExposureScorer(
                        FunnelScorer.load(s.modelDir(), readSpec(), stages),
                        s.log(),
                        s.toScore(),
                        stages,
                        s.modelName(),
                        s.modelVersion(),
                        p -> producer.send(TandemTopics.PREDICTIONS, p.getUserId(), p))) {
            long records = readAll(endpoints, TandemTopics.USER_FEATURES, (user, f) -> scorer.accept(user, f));
            scorer.flush();
            producer.flush();
            Collection<UserEvent> unmet = scorer.unmet();
            if (!unmet.isEmpty()) {
                UserEvent e = unmet.iterator().next();
                throw new IllegalStateException(
                        unmet.size() + " of " + s.toScore().size()
                                + " exposures to grade never appeared in user-features (e.g. event " + e.getEventId()
                                + " of user " + e.getUserId() + "): the features app refused or merged them");
            }
            say(String.format(
                    Locale.ROOT,
                    "scored %,d exposures with the features just before each (%,d user-features records read)",
                    scorer.scored(),
                    records));
            return scorer.scored();
        }
    }

    private dev.tandem.model.features.FeatureSpec readSpec() throws java.io.IOException {
        return dev.tandem.model.features.FeatureSpec.read(s.modelDir());
    }

    /** Every committed record of the topic up to its end offsets now, per partition in order. */
    private static long readAll(
            KafkaEndpoints endpoints, String topic, java.util.function.BiConsumer<String, UserFeatures> each) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        long n = 0;
        try (KafkaConsumer<String, byte[]> c =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                TandemAvroDeserializer<UserFeatures> values = AvroSerdes.valueDeserializer(endpoints.registryUrl())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    each.accept(r.key(), r.value() == null ? null : values.deserialize(topic, r.headers(), r.value()));
                    n++;
                }
            }
        }
        return n;
    }

    /** Waits until the group's committed offsets reach the topics' end offsets (it has read, and committed, all). */
    private static void awaitCaughtUp(
            Admin admin, String group, List<String> topics, BooleanSupplier healthy, String what) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : topics) {
            admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
        long lastProgress = System.nanoTime();
        long behindBefore = Long.MAX_VALUE;
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            long behind = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                OffsetAndMetadata o = committed.get(e.getKey());
                behind += Math.max(0, e.getValue() - (o == null ? 0 : o.offset()));
            }
            if (behind == 0) return;
            if (!healthy.getAsBoolean()) throw new IllegalStateException("the " + what + " stopped");
            if (behind < behindBefore) {
                behindBefore = behind;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                throw new IllegalStateException("the " + what + " made no progress for " + STALL.toSeconds()
                        + " s with " + behind + " records left to read");
            }
            Thread.sleep(100); // polling the group's offsets: nothing to block on across processes
        }
    }

    /** The newest total per stage of this model version, once each covers every outcome. */
    private Map<String, ModelMetrics> readTotals(KafkaEndpoints endpoints, long outcomes, BooleanSupplier healthy) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, ModelMetrics> totals = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c =
                        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
                TandemAvroDeserializer<ModelMetrics> values = AvroSerdes.valueDeserializer(endpoints.registryUrl())) {
            List<TopicPartition> tps = c.partitionsFor(TandemTopics.MODEL_METRICS).stream()
                    .map(p -> new TopicPartition(TandemTopics.MODEL_METRICS, p.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + STALL.toNanos();
            while (!complete(totals, outcomes)) {
                if (!healthy.getAsBoolean()) throw new IllegalStateException("the monitoring app stopped");
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the monitoring app's totals did not cover the " + outcomes
                            + " outcomes within " + STALL.toSeconds() + " s: " + totals);
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ModelMetrics m = values.deserialize(r.topic(), r.headers(), r.value());
                    if (m.getWindowStart() == null
                            && m.getModelName().equals(s.modelName())
                            && m.getModelVersion().equals(s.modelVersion())) {
                        totals.put(m.getStage(), m);
                    }
                }
            }
        }
        return totals;
    }

    private boolean complete(Map<String, ModelMetrics> totals, long outcomes) {
        if (outcomes == 0) return true;
        for (String stage : s.stages()) {
            ModelMetrics m = totals.get(stage);
            if (m == null || m.getPositives() + m.getNegatives() + m.getCensored() < outcomes) return false;
        }
        return true;
    }
}
