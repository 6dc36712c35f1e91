package dev.tandem.monitoring.streams;

import dev.tandem.features.funnel.Funnel;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.monitoring.MonitoringSerdes;
import dev.tandem.monitoring.MonitoringTopics;
import dev.tandem.monitoring.MonitoringTopology;
import dev.tandem.monitoring.core.DriftReferences;
import dev.tandem.monitoring.metrics.MicrometerMonitoringMetrics;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionOutcome;
import dev.tandem.schemas.PredictionTimings;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One TopologyTestDriver over the monitoring topology: funnel VIEW → CART → PURCHASE, horizon 30 min, grace 5 min.
 * Stores in memory: the driver commits after every record, and RocksDB stores then flush and fsync their
 * checkpoints each time (tens of ms per record on a busy disk). The RocksDB stores run in the integration test.
 */
final class MonitoringFixture implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    static final long MIN = 60_000;
    /** Event times a few hours before the driver's wall clock. */
    static final long T0 = NOW.toEpochMilli() - 6 * 60 * MIN;

    static final MonitoringTopology.Options OPTIONS = new MonitoringTopology.Options(
            new Funnel(Funnel.defaults().stages(), Duration.ofMinutes(30)),
            Duration.ofMinutes(5),
            Duration.ofHours(1),
            Duration.ofMinutes(5),
            256,
            Duration.ofHours(1),
            Duration.ofHours(3),
            Duration.ofSeconds(10),
            Duration.ofSeconds(1),
            MonitoringTopology.StoreType.IN_MEMORY);

    final String scope = "ttd-" + UUID.randomUUID();
    final MonitoringSerdes serdes = MonitoringSerdes.forRegistry("mock://" + scope, Map.of());
    final MonitoringTopics topics;
    final MeterRegistry meters;
    final DrainSignal drain = new DrainSignal();
    final Topology topology;
    final TopologyTestDriver driver;
    final Path stateDir;

    final TestInputTopic<String, UserEvent> events;
    final TestInputTopic<String, Prediction> predictions;
    final TestInputTopic<String, byte[]> rawEvents;
    final TestInputTopic<String, byte[]> rawPredictions;
    /** The challenger's predictions; null when the topics read none. */
    final TestInputTopic<String, Prediction> shadow;

    final TestInputTopic<String, byte[]> rawShadow;
    final TestOutputTopic<String, PredictionOutcome> outcomes;
    final TestOutputTopic<String, ModelMetrics> metrics;

    MonitoringFixture() {
        this(OPTIONS);
    }

    MonitoringFixture(MonitoringTopology.Options options) {
        this(options, new SimpleMeterRegistry());
    }

    MonitoringFixture(MonitoringTopology.Options options, MeterRegistry meters) {
        this(options, meters, DriftReferences.NONE);
    }

    MonitoringFixture(MonitoringTopology.Options options, MeterRegistry meters, DriftReferences references) {
        this(MonitoringTopics.defaults(), options, meters, references);
    }

    MonitoringFixture(MonitoringTopics topics) {
        this(topics, OPTIONS, new SimpleMeterRegistry(), DriftReferences.NONE);
    }

    MonitoringFixture(
            MonitoringTopics topics,
            MonitoringTopology.Options options,
            MeterRegistry meters,
            DriftReferences references) {
        this.topics = topics;
        this.meters = meters;
        topology = MonitoringTopology.build(
                topics,
                serdes,
                options,
                new MicrometerMonitoringMetrics(
                        meters, MicrometerMonitoringMetrics.DriftThresholds.defaults(), references),
                drain,
                references);
        try {
            stateDir = Files.createTempDirectory("monitoring-ttd");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitoring-ttd");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, p, NOW);
        events = driver.createInputTopic(
                topics.events(), new StringSerializer(), serdes.userEvent().serializer());
        predictions = driver.createInputTopic(
                topics.predictions(),
                new StringSerializer(),
                serdes.prediction().serializer());
        rawEvents = driver.createInputTopic(topics.events(), new StringSerializer(), new ByteArraySerializer());
        rawPredictions =
                driver.createInputTopic(topics.predictions(), new StringSerializer(), new ByteArraySerializer());
        shadow = topics.readsShadow()
                ? driver.createInputTopic(
                        topics.shadowPredictions(),
                        new StringSerializer(),
                        serdes.prediction().serializer())
                : null;
        rawShadow = topics.readsShadow()
                ? driver.createInputTopic(topics.shadowPredictions(), new StringSerializer(), new ByteArraySerializer())
                : null;
        outcomes = driver.createOutputTopic(
                topics.outcomes(), new StringDeserializer(), serdes.outcome().deserializer());
        metrics = driver.createOutputTopic(
                topics.metrics(),
                new StringDeserializer(),
                serdes.modelMetrics().deserializer());
    }

    void event(String id, String user, String item, Action action, long timeMs) {
        events.pipeInput(user, event(id, user, item, action, timeMs, "c1"));
    }

    static UserEvent event(String id, String user, String item, Action action, long timeMs, String category) {
        return UserEvent.newBuilder()
                .setEventId(id)
                .setUserId(user)
                .setItemId(item)
                .setCategoryId(category)
                .setAction(action)
                .setEventTime(Instant.ofEpochMilli(timeMs))
                .build();
    }

    /** Every candidate scored {@code probs} (one per stage CART, PURCHASE). */
    void predict(String requestId, String user, long requestTimeMs, String version, Map<String, float[]> scores) {
        predictions.pipeInput(user, prediction(requestId, user, requestTimeMs, version, scores));
    }

    static Prediction prediction(
            String requestId, String user, long requestTimeMs, String version, Map<String, float[]> scores) {
        List<CandidateScore> candidates = new ArrayList<>();
        scores.forEach((item, p) -> {
            List<Float> probs = new ArrayList<>();
            for (float f : p) probs.add(f);
            candidates.add(new CandidateScore(item, probs, null));
        });
        return prediction(requestId, user, requestTimeMs, version, candidates);
    }

    /** A prediction of model {@code funnel} over CART and PURCHASE with these candidates. */
    static Prediction prediction(
            String requestId, String user, long requestTimeMs, String version, List<CandidateScore> candidates) {
        return Prediction.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setModelName("funnel")
                .setModelVersion(version)
                .setFeaturesAsOf(null)
                .setRequestTime(Instant.ofEpochMilli(requestTimeMs))
                .setStages(List.of("CART", "PURCHASE"))
                .setCandidates(candidates)
                .setTimings(new PredictionTimings(Instant.EPOCH, Instant.EPOCH, 0L, 0L, 0))
                .build();
    }

    /** The challenger's prediction, on the shadow topic. */
    void predictShadow(String requestId, String user, long requestTimeMs, String version, Map<String, float[]> scores) {
        shadow.pipeInput(user, prediction(requestId, user, requestTimeMs, version, scores));
    }

    ReadOnlyKeyValueStore<String, byte[]> pendingStore() {
        return store(MonitoringNames.PENDING_STORE);
    }

    ReadOnlyKeyValueStore<Object, byte[]> timersStore() {
        return store(MonitoringNames.TIMERS_STORE);
    }

    /**
     * One of the app's write-behind stores as of the last commit, which the driver makes after every input record
     * ({@code getStateStore} refuses a read-only key-value store).
     */
    @SuppressWarnings("unchecked")
    <K> ReadOnlyKeyValueStore<K, byte[]> store(String name) {
        return (WriteBehindStore<K, ?, byte[]>) driver.getAllStateStores().get(name);
    }

    double counter(String name, String tag, String value) {
        var c = meters.find(name).tag(tag, value).counter();
        return c == null ? Double.NaN : c.count();
    }

    double gauge(String name, String stage, String window) {
        var g = meters.find(name)
                .tag(MonitoringNames.TAG_STAGE, stage)
                .tag(MonitoringNames.TAG_WINDOW, window)
                .gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Override
    public void close() {
        driver.close();
        MockSchemaRegistry.drop(scope);
        try (var s = Files.walk(stateDir)) {
            s.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException ignored) {
            // best effort
        }
    }
}
