package dev.tandem.features.streams;

import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeatureTopics;
import dev.tandem.features.FeatureTopology;
import dev.tandem.features.metrics.MicrometerFeatureMetrics;
import dev.tandem.features.sequence.SequencePolicy;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.MockSchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;

/** One TopologyTestDriver over the features topology, with its topics, serdes and a metrics registry. */
final class TopologyFixture implements AutoCloseable {
    static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    static final String ITEM_FEATURES = FeatureNames.ITEM_FEATURES_TOPIC;

    final String scope = "ttd-" + UUID.randomUUID();
    final FeatureSerdes serdes = FeatureSerdes.forRegistry("mock://" + scope, Map.of());
    static final String EXPOSURE_REQUESTS = "exposure-requests";
    final FeatureTopics topics;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final SequencePolicy policy;
    final Topology topology;
    final TopologyTestDriver driver;
    final Path stateDir;

    final TestInputTopic<String, UserEvent> events;
    final TestInputTopic<byte[], byte[]> rawEvents;
    final TestInputTopic<String, ItemMetadata> items;
    final TestInputTopic<String, byte[]> rawItems;
    final TestOutputTopic<String, UserFeatures> userFeatures;
    final TestOutputTopic<String, ItemFeatures> itemFeatures;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    /** Empty unless the fixture was built with score on exposure. */
    final TestOutputTopic<String, ScoringRequest> exposureRequests;

    TopologyFixture(SequencePolicy policy, FeatureTopology.Options options) {
        this(policy, options, false);
    }

    /** @param exposures score on exposure, to {@link #EXPOSURE_REQUESTS} */
    TopologyFixture(SequencePolicy policy, FeatureTopology.Options options, boolean exposures) {
        this.policy = policy;
        FeatureTopics t = FeatureTopics.defaults().withItemFeatures(ITEM_FEATURES);
        this.topics = exposures ? t.withExposureRequests(EXPOSURE_REQUESTS) : t;
        this.topology = FeatureTopology.build(topics, serdes, policy, options, new MicrometerFeatureMetrics(meters));
        try {
            stateDir = Files.createTempDirectory("features-ttd");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "features-ttd");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, p, NOW);
        events = driver.createInputTopic(
                topics.events(), new StringSerializer(), serdes.userEvent().serializer());
        rawEvents = driver.createInputTopic(topics.events(), new ByteArraySerializer(), new ByteArraySerializer());
        items = driver.createInputTopic(
                topics.items(), new StringSerializer(), serdes.itemMetadata().serializer());
        rawItems = driver.createInputTopic(topics.items(), new StringSerializer(), new ByteArraySerializer());
        userFeatures = driver.createOutputTopic(
                topics.userFeatures(),
                new StringDeserializer(),
                serdes.userFeatures().deserializer());
        itemFeatures = driver.createOutputTopic(
                ITEM_FEATURES,
                new StringDeserializer(),
                ItemFeatures.jsonSerde().deserializer());
        deadLetters = driver.createOutputTopic(
                topics.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        exposureRequests = driver.createOutputTopic(
                EXPOSURE_REQUESTS,
                new StringDeserializer(),
                serdes.scoringRequest().deserializer());
    }

    KeyValueStore<String, byte[]> userSequences() {
        return driver.getKeyValueStore(FeatureNames.USER_SEQUENCES_STORE);
    }

    KeyValueStore<String, byte[]> itemStats() {
        return driver.getKeyValueStore(FeatureNames.ITEM_STATS_STORE);
    }

    double counter(String name, String tag, String value) {
        var c = meters.find(name).tag(tag, value).counter();
        return c == null ? Double.NaN : c.count();
    }

    byte[] serialize(UserEvent e) {
        return serdes.userEvent().serializer().serialize(topics.events(), e);
    }

    static UserEvent event(String id, String user, String item, String category, Action action, long timeMs) {
        return UserEvent.newBuilder()
                .setEventId(id)
                .setUserId(user)
                .setItemId(item)
                .setCategoryId(category)
                .setAction(action)
                .setEventTime(Instant.ofEpochMilli(timeMs))
                .build();
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
