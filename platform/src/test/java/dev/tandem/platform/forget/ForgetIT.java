package dev.tandem.platform.forget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.connect.jdbc.JdbcSinkConfig;
import dev.tandem.connect.jdbc.JdbcSinkConnector;
import dev.tandem.connect.sink.ServingSinkConfig;
import dev.tandem.features.FeatureNames;
import dev.tandem.features.FeaturesApp;
import dev.tandem.features.FeaturesConfig;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.monitoring.MonitoringApp;
import dev.tandem.monitoring.MonitoringConfig;
import dev.tandem.monitoring.MonitoringNames;
import dev.tandem.platform.cli.CliRun;
import dev.tandem.platform.connect.WorkerSettings;
import dev.tandem.platform.scoring.LocalScoring;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.ForgetSignal;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.connect.ConnectRest;
import dev.tandem.testkit.connect.ConnectWorker;
import dev.tandem.testkit.connect.ConnectorDeployer;
import dev.tandem.testkit.connect.ConnectorFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.converters.ByteArrayConverter;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem forget} through the real pipeline on one broker: the features app, the scoring job (local MiniCluster,
 * exactly-once) and a Kafka Connect worker running the JDBC sink into SQLite with a log table. After the forget, the
 * user is gone from the features API and store, the latest {@code user-features} record of the key is a tombstone
 * with the forget header, the scoring job scores the user's next request with no features, and the SQLite store has
 * neither the user's row nor its log rows, and the monitoring app holds no pending outcome of the user; another user
 * is untouched.
 */
class ForgetIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    private static final String GONE = "forget-me";
    private static final String KEPT = "keep-me";
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(300)
    void afterForgetNothingOfTheUserIsLeftInAnyStoreOrCompactedTopic() throws Exception {
        Path modelDir = TinyModels.train(Files.createDirectories(dir.resolve("models")), "v1", 7);
        String sqlite = "jdbc:sqlite:" + dir.resolve("serving.db");

        Map<String, String> f = new LinkedHashMap<>();
        f.put(FeaturesConfig.APPLICATION_ID, "forget-it-features");
        f.put(FeaturesConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
        f.put(FeaturesConfig.SCHEMA_REGISTRY_URL, KAFKA.registryUrl());
        f.put(FeaturesConfig.STATE_DIR, dir.resolve("features-state").toString());
        f.put(FeaturesConfig.HTTP_PORT, "0");
        f.put(FeaturesConfig.COMMIT_INTERVAL_MS, "100");
        ScoringConfig scoring = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(300))
                .model(modelDir.toString(), List.of("CART", "PURCHASE"))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .build();

        MonitoringConfig m = MonitoringConfig.fromMap(Map.of(
                MonitoringConfig.MODEL_CARDS, dir.resolve("models").toString(),
                MonitoringConfig.APPLICATION_ID, "forget-it-monitoring",
                MonitoringConfig.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers(),
                MonitoringConfig.SCHEMA_REGISTRY_URL, KAFKA.registryUrl(),
                MonitoringConfig.STATE_DIR, dir.resolve("monitoring-state").toString(),
                MonitoringConfig.HTTP_PORT, "0",
                MonitoringConfig.FUNNEL_HORIZON, "30m"));

        try (FeaturesApp features = new FeaturesApp(FeaturesConfig.fromMap(f)).start();
                MonitoringApp monitoring = new MonitoringApp(m).start();
                LocalScoring job = LocalScoring.start(scoring);
                ConnectWorker worker = startSink(sqlite)) {
            String api = "http://127.0.0.1:" + features.httpPort() + "/v1/users/";

            long t = System.currentTimeMillis() - 60_000;
            try (KafkaProducer<String, Object> p = KAFKA.avroProducer()) {
                for (String user : List.of(GONE, KEPT)) {
                    for (int i = 0; i < 3; i++) {
                        p.send(new ProducerRecord<>(TandemTopics.EVENTS, user, event(user, i, t + i * 1_000L)));
                    }
                }
            }
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(status(api + GONE + "/features")).isEqualTo(200);
                assertThat(status(api + KEPT + "/features")).isEqualTo(200);
            });
            // the API reads the store before the transaction commits: wait for the committed records, which the job
            // reads
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(lastRecordOf(TandemTopics.USER_FEATURES, GONE).value())
                        .isNotNull();
                assertThat(lastRecordOf(TandemTopics.USER_FEATURES, KEPT).value())
                        .isNotNull();
            });
            assertThat(job.awaitUserFeaturesRead(KAFKA.bootstrapServers(), KAFKA.registryUrl(), WAIT))
                    .isTrue();

            sendRequest("before-" + GONE, GONE);
            sendRequest("before-" + KEPT, KEPT);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(job.failure()).isEmpty();
                assertThat(latestRequestId(sqlite, GONE)).isEqualTo("before-" + GONE);
                assertThat(latestRequestId(sqlite, KEPT)).isEqualTo("before-" + KEPT);
                assertThat(logRows(sqlite, GONE))
                        .as("the request's and the job's probes' rows")
                        .isPositive();
            });
            // a store is briefly unqueryable while the app settles its tasks
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> {
                assertThat(pendingOutcomes(monitoring, GONE))
                        .as("waiting for its horizon")
                        .isNotNull();
                assertThat(pendingOutcomes(monitoring, KEPT)).isNotNull();
            });
            Prediction before = prediction("before-" + GONE);
            assertThat(before.getFeaturesAsOf())
                    .as("scored with the user's features")
                    .isNotNull();

            CliRun r = CliRun.run(
                    "forget", GONE, "--bootstrap", KAFKA.bootstrapServers(), "--registry", KAFKA.registryUrl());
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out().strip().split("\\R"))
                    .singleElement()
                    .asString()
                    .startsWith("forget signal for user '" + GONE + "' sent to 'events'");

            // the scoring job's tombstone is the last step before the sink: wait for it, then look everywhere
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(job.failure()).isEmpty();
                ConsumerRecord<byte[], byte[]> last = lastRecordOf(TandemTopics.PREDICTIONS, GONE);
                assertThat(last.value()).isNull();
                assertThat(ForgetSignal.isForget(last.headers())).isTrue();
            });
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(latestRequestId(sqlite, GONE)).as("serving row").isNull();
                assertThat(logRows(sqlite, GONE)).as("log rows").isZero();
            });
            await().atMost(WAIT)
                    .ignoreExceptions()
                    .untilAsserted(() -> assertThat(pendingOutcomes(monitoring, GONE))
                            .as("monitoring's pending outcomes")
                            .isNull());
            assertThat(pendingOutcomes(monitoring, KEPT)).isNotNull();
            assertThat(status(api + GONE + "/features")).as("features API").isEqualTo(404);
            assertThat(features.streams()
                            .store(StoreQueryParameters.fromNameAndType(
                                    FeatureNames.USER_SEQUENCES_STORE,
                                    QueryableStoreTypes.<String, byte[]>keyValueStore()))
                            .get(GONE))
                    .as("features store")
                    .isNull();
            ConsumerRecord<byte[], byte[]> lastFeatures = lastRecordOf(TandemTopics.USER_FEATURES, GONE);
            assertThat(lastFeatures.value())
                    .as("user-features' latest value of the key")
                    .isNull();
            assertThat(ForgetSignal.isForget(lastFeatures.headers())).isTrue();

            assertThat(status(api + KEPT + "/features")).as("the other user").isEqualTo(200);
            assertThat(latestRequestId(sqlite, KEPT)).isEqualTo("before-" + KEPT);
            assertThat(logRows(sqlite, KEPT)).isPositive();
            assertThat(lastRecordOf(TandemTopics.USER_FEATURES, KEPT).value()).isNotNull();

            // the scoring job's keyed state: the next request of the user finds no features
            sendRequest("after-" + GONE, GONE);
            await().atMost(WAIT).untilAsserted(() -> {
                assertThat(job.failure()).isEmpty();
                assertThat(latestRequestId(sqlite, GONE)).isEqualTo("after-" + GONE);
            });
            assertThat(prediction("after-" + GONE).getFeaturesAsOf())
                    .as("scored with no features")
                    .isNull();

            // a repeated forget changes nothing more and fails nothing
            assertThat(CliRun.run(
                                    "forget",
                                    "never-seen",
                                    "--bootstrap",
                                    KAFKA.bootstrapServers(),
                                    "--registry",
                                    KAFKA.registryUrl())
                            .exitCode())
                    .isZero();
            assertThat(job.failure()).isEmpty();
            assertThat(worker.failure()).isEmpty();
        }
    }

    private static UserEvent event(String user, int i, long timeMs) {
        return UserEvent.newBuilder()
                .setEventId(user + "-e" + i)
                .setUserId(user)
                .setItemId("i" + i)
                .setCategoryId("c" + i)
                .setAction(i == 2 ? Action.CART : Action.VIEW)
                .setEventTime(Instant.ofEpochMilli(timeMs))
                .build();
    }

    private static void sendRequest(String requestId, String user) throws Exception {
        ScoringRequest req = ScoringRequest.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setRequestTime(Instant.now())
                .setCandidates(List.of(
                        Candidate.newBuilder().setItemId("i1").build(),
                        Candidate.newBuilder().setItemId("i9").build()))
                .build();
        try (KafkaProducer<String, Object> p = KAFKA.avroProducer()) {
            p.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, user, req))
                    .get();
        }
    }

    private ConnectWorker startSink(String sqliteUrl) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        WorkerSettings settings = new WorkerSettings(
                KAFKA.bootstrapServers(),
                KAFKA.registryUrl(),
                0,
                plugins,
                "service_load",
                Map.of("offset.storage.partitions", "1", "status.storage.partitions", "1"));
        ConnectWorker w = ConnectWorker.start(settings.workerProperties());
        try {
            ConnectRest rest = new ConnectRest(w.restUrl(), Duration.ofSeconds(30));
            rest.awaitHealthy(WAIT, () -> w.failure().orElse(null));
            Map<String, String> c = new LinkedHashMap<>();
            c.put("connector.class", JdbcSinkConnector.class.getName());
            c.put("topics", TandemTopics.PREDICTIONS);
            c.put("tasks.max", "1");
            c.put("value.converter", ByteArrayConverter.class.getName());
            c.put(ServingSinkConfig.REGISTRY_URL, KAFKA.registryUrl());
            c.put(JdbcSinkConfig.CONNECTION_URL, sqliteUrl);
            c.put(JdbcSinkConfig.TABLE_LOG, "predictions_log");
            new ConnectorDeployer(rest, () -> w.failure().orElse(null), null)
                    .deploy(List.of(new ConnectorFile(Path.of("forget-it-sink"), "forget-it-sink", c)), WAIT, l -> {});
            return w;
        } catch (Exception | AssertionError e) {
            w.close();
            throw e;
        }
    }

    private static byte[] pendingOutcomes(MonitoringApp app, String user) {
        return app.streams()
                .store(StoreQueryParameters.fromNameAndType(
                        MonitoringNames.PENDING_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()))
                .get(user);
    }

    private int status(String url) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String latestRequestId(String url, String user) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            if (!tableExists(c, "predictions_latest")) return null;
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT request_id FROM predictions_latest WHERE user_id = ?")) {
                ps.setString(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        }
    }

    private static int logRows(String url, String user) throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            if (!tableExists(c, "predictions_log")) return 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM predictions_log WHERE user_id = ?")) {
                ps.setString(1, user);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }

    private static boolean tableExists(Connection c, String table) throws Exception {
        try (ResultSet rs = c.getMetaData().getTables(null, null, table, null)) {
            return rs.next();
        }
    }

    /** Every committed record of {@code topic} to its end (read_committed). */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties props = KAFKA.consumerProps("forget-it-" + topic + "-" + System.nanoTime());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                return end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue());
            });
        }
        return out;
    }

    private static ConsumerRecord<byte[], byte[]> lastRecordOf(String topic, String user) {
        byte[] key = user.getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> last = null;
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            if (java.util.Arrays.equals(r.key(), key)) last = r;
        }
        assertThat(last).as("a record of " + user + " on " + topic).isNotNull();
        return last;
    }

    private static Prediction prediction(String requestId) {
        TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
        Map<String, Prediction> byRequest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(TandemTopics.PREDICTIONS)) {
            if (r.value() == null) continue;
            Prediction p = de.deserialize(r.topic(), r.value());
            byRequest.put(p.getRequestId(), p);
        }
        assertThat(byRequest).containsKey(requestId);
        return byRequest.get(requestId);
    }
}
