package dev.tandem.platform.monitor;

import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.funnel.Funnel;
import dev.tandem.features.funnel.FunnelLabels;
import dev.tandem.features.sequence.BehaviourEvent;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.kafka.AvroProducer;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.DevCluster;
import dev.tandem.testkit.FileTrees;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

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
            int httpPort) {
        OnlineGrading.Model model() {
            return new OnlineGrading.Model(modelDir, modelName, modelVersion, stages);
        }
    }

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
        OnlineGrading.Model model = s.model();
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
                    OnlineGrading.awaitCaughtUp(
                            admin, FEATURES_APP_ID, List.of(TandemTopics.EVENTS), features::isHealthy, "features app");
                    t = phase("features", t);
                    say(String.format(Locale.ROOT, "features app read %,d events", sent));

                    OnlineGrading.Scored scored = OnlineGrading.scoreExposures(
                            endpoints,
                            endpoints,
                            TandemTopics.PREDICTIONS,
                            "tandem-monitor-scorer",
                            model,
                            s.log(),
                            s.toScore());
                    say(scored.describe());
                    t = phase("scoring", t);
                    OnlineGrading.awaitCaughtUp(
                            admin,
                            MONITORING_APP_ID,
                            List.of(TandemTopics.EVENTS, TandemTopics.PREDICTIONS),
                            monitoring::isHealthy,
                            "monitoring app");
                    monitoring.drain(Instant.ofEpochMilli(s.dataEndMs()), OnlineGrading.STALL);
                    Map<String, ModelMetrics> totals;
                    try (ModelTotals reader = new ModelTotals(endpoints, model)) {
                        totals = reader.awaitCovering(scored.exposures(), monitoring::isHealthy);
                    }
                    phase("monitoring", t);
                    return new Result(totals, sent, scored.exposures(), phases);
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
        Map<String, String> m = new HashMap<>(OnlineGrading.monitoringSettings(
                s.funnel(), s.log(), s.dataEndMs(), s.modelDir(), s.window(), Duration.ofMillis(250)));
        m.put(MonitoringConfig.APPLICATION_ID, MONITORING_APP_ID);
        m.put(MonitoringConfig.BOOTSTRAP_SERVERS, endpoints.bootstrapServers());
        m.put(MonitoringConfig.SCHEMA_REGISTRY_URL, endpoints.registryUrl());
        m.put(MonitoringConfig.STATE_DIR, dir.resolve("monitoring").toString());
        m.put(MonitoringConfig.HTTP_PORT, Integer.toString(s.httpPort()));
        return MonitoringConfig.fromMap(m);
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
}
