package dev.tandem.platform.chaos;

import dev.tandem.connect.jdbc.JdbcSinkConfig;
import dev.tandem.connect.jdbc.JdbcSinkConnector;
import dev.tandem.connect.sink.ServingSinkConfig;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.platform.demo.ScoringStage;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.connect.converters.ByteArrayConverter;

/**
 * The settings each process of a chaos run starts with: the properties files of the features, scoring and monitoring
 * apps and the arguments of {@code tandem connect}, with a principal's security settings under each app's
 * pass-through prefix when the run is secured.
 */
final class ChaosApps {
    static final String FEATURES_APP_ID = "tandem-features";
    static final String SCORING_ID = "tandem-scoring";
    static final String MONITORING_APP_ID = "tandem-monitoring";

    private ChaosApps() {}

    static Map<String, String> featuresSettings(
            String bootstrap,
            String registry,
            Path dir,
            Map<String, String> security,
            Map<String, String> registryClient) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(FeaturesConfig.APPLICATION_ID, FEATURES_APP_ID);
        security.forEach((k, v) -> s.put(FeaturesConfig.STREAMS_PREFIX + k, v));
        s.putAll(registryClient);
        s.put(FeaturesConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(FeaturesConfig.SCHEMA_REGISTRY_URL, registry);
        s.put(FeaturesConfig.STATE_DIR, dir.resolve("features-state").toString());
        s.put(FeaturesConfig.HTTP_PORT, "0");
        s.put(FeaturesConfig.COMMIT_INTERVAL_MS, "100");
        // expiry runs on wall-clock punctuation: it would make the final features depend on the run's timing
        s.put(FeaturesConfig.USER_TTL, "0");
        // a restarted instance takes its partitions back at once (FeaturesCrashIT measures the alternatives)
        s.put(FeaturesConfig.STREAMS_PREFIX + "group.instance.id", "tandem-chaos-features");
        return s;
    }

    static Map<String, String> scoringSettings(
            String bootstrap,
            String registry,
            Path dir,
            Path model,
            Map<String, String> security,
            Map<String, String> registryClient) {
        Map<String, String> s = new LinkedHashMap<>();
        security.forEach((k, v) -> s.put(ScoringConfig.KAFKA_PREFIX + k, v));
        s.putAll(registryClient);
        s.put(ScoringConfig.GROUP_ID, SCORING_ID);
        s.put(ScoringConfig.TRANSACTIONAL_ID_PREFIX, SCORING_ID);
        s.put(ScoringConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(ScoringConfig.SCHEMA_REGISTRY_URL, registry);
        s.put(ScoringConfig.MODEL_DIR, model.toString());
        s.put(ScoringConfig.STAGES, String.join(",", ScoringStage.STAGES));
        s.put(ScoringConfig.PARALLELISM, "1");
        // A restart warms up every batch size up to this before it serves: 256 (as the demo) rather than the 2,048
        // default keeps that warm-up out of the recovery time, and 20 requests/s never fill more.
        s.put(ScoringConfig.MAX_BATCH_ROWS, "256");
        s.put(ScoringConfig.CHECKPOINT_INTERVAL, "1s");
        s.put(ScoringConfig.CHECKPOINT_DIR, dir.resolve("checkpoints").toUri().toString());
        // without a checkpoint (the first start, or a kill before the first one completed) read every request: the
        // killed run's transactions were aborted, so nothing is scored twice
        s.put(ScoringConfig.REQUESTS_STARTING_OFFSETS, ScoringConfig.RequestOffsets.EARLIEST.key());
        return s;
    }

    static Map<String, String> monitoringSettings(
            String bootstrap,
            String registry,
            Path dir,
            Map<String, String> security,
            Map<String, String> registryClient) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put(MonitoringConfig.APPLICATION_ID, MONITORING_APP_ID);
        security.forEach((k, v) -> s.put(MonitoringConfig.STREAMS_PREFIX + k, v));
        s.putAll(registryClient);
        s.put(MonitoringConfig.BOOTSTRAP_SERVERS, bootstrap);
        s.put(MonitoringConfig.SCHEMA_REGISTRY_URL, registry);
        s.put(MonitoringConfig.STATE_DIR, dir.resolve("monitoring-state").toString());
        s.put(MonitoringConfig.HTTP_PORT, "0");
        s.put(MonitoringConfig.METRICS_INTERVAL, "2s");
        // The monitoring default (24 h) would outlast a run's events' clock: a short horizon gets predictions
        // graded within the run, so the outcomes can be recounted.
        s.put(MonitoringConfig.FUNNEL_HORIZON, "10m");
        s.put(MonitoringConfig.OUTCOME_GRACE, "1m");
        s.put(MonitoringConfig.STREAMS_PREFIX + "group.instance.id", "tandem-chaos-monitoring");
        return s;
    }

    static List<String> connectArgs(
            String bootstrap,
            String registry,
            Path dir,
            String storeUrl,
            Map<String, String> security,
            Map<String, String> registryClient,
            Map<String, String> restTls)
            throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("connector.class", JdbcSinkConnector.class.getName());
        c.put("topics", TandemTopics.PREDICTIONS);
        c.put("tasks.max", "1");
        c.put("value.converter", ByteArrayConverter.class.getName());
        c.put(ServingSinkConfig.REGISTRY_URL, registry);
        // the sink decodes with its own registry client
        c.putAll(registryClient);
        c.put(JdbcSinkConfig.CONNECTION_URL, storeUrl);
        Path connector = dir.resolve("serving-sink.properties");
        Map<String, String> file = new LinkedHashMap<>();
        file.put("name", "tandem-chaos-serving");
        file.putAll(c);
        write(connector, file);
        Path plugins = Files.createDirectories(dir.resolve("connect-plugins"));
        List<String> args = new ArrayList<>(List.of(
                "connect",
                "--bootstrap",
                bootstrap,
                "--registry",
                registry,
                "--rest-port",
                "0",
                // the sinks come from the class path, as in the demo: the plugin dir stays empty
                "--plugin-path",
                plugins.toString(),
                "--connector",
                connector.toString(),
                // a killed worker's sink consumer would otherwise hold its partitions for the default 45 s session
                "--worker-property",
                "consumer.session.timeout.ms=6000",
                "--worker-property",
                "offset.flush.interval.ms=2000",
                "--worker-property",
                "offset.storage.partitions=1",
                "--worker-property",
                "status.storage.partitions=1"));
        // the worker's own clients, and the producers, consumers and admins it makes for connectors
        // ConnectCommand probes the registry with the worker's converter settings
        Map<String, String> worker = new LinkedHashMap<>(WorkerSettings.securityOverrides(security));
        worker.putAll(WorkerSettings.registryOverrides(registryClient));
        worker.putAll(restTls);
        worker.forEach((k, v) -> {
            args.add("--worker-property");
            args.add(k + "=" + v);
        });
        return args;
    }

    static Path write(Path file, Map<String, String> settings) throws IOException {
        Properties p = new Properties();
        p.putAll(new TreeMap<>(settings));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "tandem chaos");
        }
        return file;
    }
}
