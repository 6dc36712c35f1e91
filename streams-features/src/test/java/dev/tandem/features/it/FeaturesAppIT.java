package dev.tandem.features.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.datasets.replay.CsvFormat;
import dev.tandem.datasets.replay.EventFiles;
import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeatureSerdes;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.features.http.UserFeaturesJson;
import dev.tandem.features.sequence.BehaviourSequence;
import dev.tandem.features.sequence.SequenceUpdater;
import dev.tandem.features.validation.EventValidator;
import dev.tandem.features.validation.InvalidEventException;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.DeadLetterReason;
import dev.tandem.testkit.FileTrees;
import dev.tandem.testkit.SharedData;
import dev.tandem.testkit.TandemClusterExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Taobao sample through the real topology on a real broker, with exactly_once_v2, closed and
 * restarted twice midway (same state dir, then wiped state dirs under two instances that must restore
 * from the changelog and route the HTTP API to each other): every user's last UserFeatures on
 * user-features must be, byte for byte, what the pure SequenceUpdater gives replaying the same file offline.
 *
 * <p>This is not a crash test: every stop is a graceful {@link FeaturesApp#close}, which commits the open
 * transaction, and only the latest value per user is checked (a duplicate or missing intermediate record
 * would pass). {@link FeaturesCrashIT} kills the app mid-transaction and counts every output. Needs the
 * Taobao sample from {@code ../shared}; skipped where it is absent.
 */
@Timeout(180)
class FeaturesAppIT {
    @RegisterExtension
    static final TandemClusterExtension CLUSTER = new TandemClusterExtension().withPartitions(2);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void replayWithTwoRestartsEndsWithTheOfflineFeaturesByteForByte() throws Exception {
        Path csv = SharedData.taobaoSample();
        List<UserEvent> events = EventFiles.read(csv, CsvFormat.TAOBAO, true).events();
        assertThat(events).hasSizeGreaterThan(1000);

        FeaturesConfig base =
                FeaturesConfig.fromMap(FeaturesItSupport.settings(CLUSTER, "features-it", tmp.resolve("state")));
        FeatureSerdes serdes = FeatureSerdes.forRegistry(CLUSTER.registryUrl(), Map.of());

        // -------- the expected result: the same file through the same validation and SequenceUpdater, offline
        EventValidator validator = new EventValidator(
                base.policy().maxIdLength(), base.options().maxClockSkew().toMillis());
        Map<String, BehaviourSequence> offline = new LinkedHashMap<>();
        for (UserEvent e : events) {
            try {
                validator.validate(e.getUserId(), e, System.currentTimeMillis());
            } catch (InvalidEventException ex) {
                continue;
            }
            SequenceUpdater.apply(offline.computeIfAbsent(e.getUserId(), u -> new BehaviourSequence(base.policy())), e);
        }

        int third = events.size() / 3;
        Properties pp = CLUSTER.producerProps();
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] garbage = "not an event".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
                Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, CLUSTER.bootstrapServers()))) {

            // phase 1: a third of the file, processed to the end
            produce(producer, serdes, events.subList(0, third));
            FeaturesApp app = new FeaturesApp(base).start();
            awaitCaughtUp(admin, base.applicationId());
            await().atMost(Duration.ofSeconds(30)).until(app::isReady);
            assertThat(get(app, "/ready").statusCode()).isEqualTo(200);

            // phase 2: the next third and one unreadable record; stopped while processing, restarted on the same state
            // dir
            produce(producer, serdes, events.subList(third, 2 * third));
            producer.send(new ProducerRecord<>(
                            FeatureNames.EVENTS_TOPIC, "x".getBytes(StandardCharsets.UTF_8), garbage))
                    .get();
            app.close(Duration.ofSeconds(30), true);
            app = new FeaturesApp(base).start();
            awaitCaughtUp(admin, base.applicationId());
            long restoredWithState = app.restoredRecords();

            // phase 3: the rest; stopped, state dir wiped, restarted as TWO instances on fresh state dirs: they must
            // restore user-sequences from the changelog, and the API must route every user to its owner
            produce(producer, serdes, events.subList(2 * third, events.size()));
            app.close(Duration.ofSeconds(30), true);
            FileTrees.delete(tmp.resolve("state"));
            // every instance counts as caught up, so the partitions are spread at once (no warm-up/probing rebalance)
            Map<String, String> spread = Map.of("streams.acceptable.recovery.lag", Long.toString(Long.MAX_VALUE));
            FeaturesApp one = new FeaturesApp(base.with(spread)).start();
            FeaturesApp two = new FeaturesApp(base.with(spread)
                            .with(Map.of(
                                    FeaturesConfig.STATE_DIR,
                                    tmp.resolve("state-2").toString())))
                    .start();
            try {
                awaitCaughtUp(admin, base.applicationId());
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> one.isReady() && two.isReady() && localUsers(one) > 0 && localUsers(two) > 0);
                assertThat(one.restoredRecords() + two.restoredRecords())
                        .as("wiped state dirs are restored from the changelog")
                        .isGreaterThan(restoredWithState)
                        .isGreaterThanOrEqualTo(offline.size());
                assertThat(localUsers(one) + localUsers(two)).isEqualTo(offline.size());
                checkHttpApi(one, offline);
            } finally {
                one.close();
                two.close();
            }
        }

        // -------- the last UserFeatures per user, as a read_committed consumer sees them
        Map<String, byte[]> latest = readLatest(FeatureNames.USER_FEATURES_TOPIC);
        assertThat(latest.keySet()).containsExactlyInAnyOrderElementsOf(offline.keySet());
        for (Map.Entry<String, BehaviourSequence> e : offline.entrySet()) {
            UserFeatures expected = e.getValue().toUserFeatures(e.getKey());
            byte[] actual = latest.get(e.getKey());
            assertThat(serdes.userFeatures().deserializer().deserialize(FeatureNames.USER_FEATURES_TOPIC, actual))
                    .as("features of user %s", e.getKey())
                    .isEqualTo(expected);
            assertThat(actual)
                    .as("bytes of user %s", e.getKey())
                    .isEqualTo(
                            serdes.userFeatures().serializer().serialize(FeatureNames.USER_FEATURES_TOPIC, expected));
        }

        // -------- exactly one dead letter (the garbage record), with its original bytes, despite the restarts
        List<ConsumerRecord<byte[], byte[]>> dead = readAll(FeatureNames.DEAD_LETTERS_TOPIC);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        assertThat(new String(
                        dead.get(0)
                                .headers()
                                .lastHeader(DeadLetterHeaders.REASON)
                                .value(),
                        StandardCharsets.UTF_8))
                .isEqualTo(DeadLetterReason.DESERIALIZATION.code());
    }

    /** Users in this instance's local user-sequences store (exact count: iterates). */
    private static long localUsers(FeaturesApp app) {
        try (var it = app.streams()
                .store(org.apache.kafka.streams.StoreQueryParameters.fromNameAndType(
                        FeatureNames.USER_SEQUENCES_STORE,
                        org.apache.kafka.streams.state.QueryableStoreTypes.<String, byte[]>keyValueStore()))
                .all()) {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        } catch (RuntimeException e) {
            return -1_000_000;
        }
    }

    /** Every user through one instance: half of them are owned by the other one and forwarded there. */
    private void checkHttpApi(FeaturesApp app, Map<String, BehaviourSequence> offline) throws Exception {
        for (Map.Entry<String, BehaviourSequence> e : offline.entrySet()) {
            String user = e.getKey();
            HttpResponse<String> ok = get(app, "/v1/users/" + user + "/features");
            assertThat(ok.statusCode())
                    .as("status for user %s: %s", user, ok.body())
                    .isEqualTo(200);
            assertThat(ok.body())
                    .as("JSON of user %s", user)
                    .isEqualTo(new String(
                            UserFeaturesJson.toBytes(e.getValue().toUserFeatures(user)), StandardCharsets.UTF_8));
        }
        assertThat(get(app, "/v1/users/no-such-user/features").statusCode()).isEqualTo(404);
        HttpResponse<String> bad = get(app, "/v1/users/" + "u".repeat(300) + "/features");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("at most 256");
        assertThat(get(app, "/health").statusCode()).isEqualTo(200);
        HttpResponse<String> metrics = get(app, "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("tandem_features_events_total{outcome=\"accepted\"}")
                .contains("tandem_features_dead_letters_total")
                .contains("tandem_features_end_to_end_lag_seconds")
                .contains("tandem_features_store_entries{store=\"user-sequences\"}");
    }

    private HttpResponse<String> get(FeaturesApp app, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.httpPort() + path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void produce(KafkaProducer<byte[], byte[]> producer, FeatureSerdes serdes, List<UserEvent> events)
            throws Exception {
        for (UserEvent e : events) {
            producer.send(new ProducerRecord<>(
                    FeatureNames.EVENTS_TOPIC,
                    e.getUserId().getBytes(StandardCharsets.UTF_8),
                    serdes.userEvent().serializer().serialize(FeatureNames.EVENTS_TOPIC, e)));
        }
        producer.flush();
    }

    /** Until the app's committed offsets on the events topic reach its end offsets. */
    private static void awaitCaughtUp(Admin admin, String groupId) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                            .partitionsToOffsetAndMetadata()
                            .get();
                    Map<TopicPartition, Long> end = endOffsets(FeatureNames.EVENTS_TOPIC);
                    return end.entrySet().stream().allMatch(en -> {
                        OffsetAndMetadata c = committed.get(en.getKey());
                        return c != null && c.offset() >= en.getValue();
                    });
                });
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = consumer("end-offsets")) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            return c.endOffsets(tps);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String group) {
        Properties p = CLUSTER.consumerProps(group);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p);
    }

    /** Every committed record of {@code topic}, read to the end offsets (read_committed). */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer("it-reader-" + topic + "-" + System.nanoTime())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return tps.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
            });
        }
        return out;
    }

    private static Map<String, byte[]> readLatest(String topic) {
        Map<String, byte[]> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (r.value() == null) latest.remove(key);
            else latest.put(key, r.value());
        }
        return latest;
    }
}
