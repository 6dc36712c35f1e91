package dev.tandem.platform.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.Action;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.SequenceEvent;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring job as {@code tandem score} runs it (local MiniCluster, Kafka in and out, a real
 * SavedModel) on the platform's classpath, which also holds Kafka Streams' rocksdbjni and the broker.
 */
class LocalScoringIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @TempDir
    Path models;

    @Test
    @Timeout(180)
    void scoresRequestsFromKafkaExactlyOnceAndStopsCleanly() throws Exception {
        Path dir = TinyModels.train(models, "v1", 7);
        assertThat(LocalScoring.resolveModel(models, null)).contains(dir);
        LocalScoring.check(dir, List.of("CART", "PURCHASE"));

        // the requests are sent right after the start, maybe before the source has found the latest offsets: replay
        // them
        ScoringConfig config = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(500))
                .model(dir.toString(), List.of("CART", "PURCHASE"))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .build();
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        int n = 40;
        try (LocalScoring job = LocalScoring.start(config)) {
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
                TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
                for (int r = 0; r < n; r++) {
                    List<Candidate> c = List.of(
                            Candidate.newBuilder().setItemId("i" + r % 30).build(),
                            Candidate.newBuilder().setItemId("new-" + r).build());
                    ScoringRequest req = ScoringRequest.newBuilder()
                            .setRequestId("req-" + r)
                            .setUserId("u" + r % 7)
                            .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L))
                            .setCandidates(c)
                            .build();
                    producer.send(new ProducerRecord<>(
                            TandemTopics.SCORING_REQUESTS,
                            req.getUserId().getBytes(StandardCharsets.UTF_8),
                            ser.serialize(TandemTopics.SCORING_REQUESTS, req)));
                }
                producer.send(new ProducerRecord<>(
                        TandemTopics.SCORING_REQUESTS, "bad".getBytes(StandardCharsets.UTF_8), new byte[] {42}));
            }
            Map<String, Prediction> byRequest = new HashMap<>();
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                    KAFKA.consumerProps("local-scoring-it"),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
                consumer.subscribe(List.of(TandemTopics.PREDICTIONS, TandemTopics.DEAD_LETTERS));
                long deadline = System.currentTimeMillis() + 90_000;
                while (System.currentTimeMillis() < deadline && (byRequest.size() < n || dead.isEmpty())) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(500))) {
                        if (rec.topic().equals(TandemTopics.DEAD_LETTERS)) {
                            dead.add(rec);
                        } else {
                            Prediction p = de.deserialize(rec.topic(), rec.value());
                            // the other test's requests and probes share the broker
                            if (!p.getRequestId().startsWith("req-")) continue;
                            assertThat(byRequest.put(p.getRequestId(), p)).isNull();
                        }
                    }
                    assertThat(job.failure()).isEmpty();
                }
            }
            assertThat(byRequest).hasSize(n);
            assertThat(byRequest.values()).allSatisfy(p -> {
                assertThat(p.getModelName()).isEqualTo("tiny");
                assertThat(p.getCandidates()).hasSize(2);
                assertThat(p.getCandidates().get(0).getProbabilities())
                        .hasSize(2)
                        .allSatisfy(x -> assertThat(x).isBetween(0f, 1f));
            });
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value()).containsExactly(42);
            assertThat(new String(
                            dead.get(0)
                                    .headers()
                                    .lastHeader(DeadLetterHeaders.REASON)
                                    .value(),
                            StandardCharsets.UTF_8))
                    .isEqualTo("deserialization");
            job.stop(Duration.ofSeconds(30));
            assertThat(job.status()).isIn(JobStatus.CANCELED, null); // null: the MiniCluster is gone with the job
        }
    }

    /**
     * The wait asks the job with probe requests (its source's committed offsets lag by up to 10 s): once it
     * returns, a request for any user is scored with that user's newest features. user-features is written
     * transactionally, like the features app does (commit markers between records), with partition 3 left
     * empty; another topic, which the job never reads, never counts as read.
     */
    @Test
    @Timeout(180)
    void waitsUntilTheJobHasReadUserFeaturesThenScoresWithThem() throws Exception {
        Path dir = TinyModels.train(models, "v1", 7);
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        TandemAvroSerializer<UserFeatures> featuresSer = new TandemAvroSerializer<>(registry, false);
        Map<String, Instant> newest = new HashMap<>();
        Properties tx = KAFKA.producerProps();
        tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "local-scoring-it-features");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(tx, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (int round = 0; round < 2; round++) {
                producer.beginTransaction();
                for (int u = 0; u < 9; u++) {
                    String user = "feat-u" + u;
                    Instant asOf = Instant.ofEpochMilli(1_700_000_000_000L + round * 60_000L + u * 1_000L);
                    UserFeatures f = UserFeatures.newBuilder()
                            .setUserId(user)
                            .setAsOf(asOf)
                            .setSequenceVersion(round + 1)
                            .setEvents(List.of(SequenceEvent.newBuilder()
                                    .setItemId("i" + u)
                                    .setCategoryId("c" + u % 5)
                                    .setAction(Action.VIEW)
                                    .setEventTime(asOf)
                                    .build()))
                            .build();
                    producer.send(new ProducerRecord<>(
                            TandemTopics.USER_FEATURES,
                            u % 3,
                            user.getBytes(StandardCharsets.UTF_8),
                            featuresSer.serialize(TandemTopics.USER_FEATURES, f)));
                    newest.put(user, asOf);
                }
                producer.commitTransaction();
            }
        }
        String unread = "local-scoring-it-unread-features";
        KAFKA.createTopics(new TopicSpec(unread, 1, Map.of()));
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
            UserFeatures f = UserFeatures.newBuilder()
                    .setUserId("unread-u")
                    .setAsOf(Instant.ofEpochMilli(1_700_000_000_000L))
                    .build();
            producer.send(new ProducerRecord<>(
                            unread, "unread-u".getBytes(StandardCharsets.UTF_8), featuresSer.serialize(unread, f)))
                    .get();
        }

        ScoringConfig config = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(300))
                .model(dir.toString(), List.of("CART", "PURCHASE"))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .build();
        try (LocalScoring job = LocalScoring.start(config);
                KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                        KAFKA.consumerProps("local-scoring-it-after-wait"),
                        new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
            assertThat(job.awaitUserFeaturesRead(KAFKA.bootstrapServers(), KAFKA.registryUrl(), Duration.ofSeconds(90)))
                    .isTrue();

            TandemAvroSerializer<ScoringRequest> requestSer = new TandemAvroSerializer<>(registry, false);
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(KAFKA.producerProps(), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (String user : newest.keySet()) {
                    ScoringRequest req = ScoringRequest.newBuilder()
                            .setRequestId("after-wait-" + user)
                            .setUserId(user)
                            .setRequestTime(Instant.ofEpochMilli(1_700_001_000_000L))
                            .setCandidates(List.of(
                                    Candidate.newBuilder().setItemId("i1").build()))
                            .build();
                    producer.send(new ProducerRecord<>(
                            TandemTopics.SCORING_REQUESTS,
                            user.getBytes(StandardCharsets.UTF_8),
                            requestSer.serialize(TandemTopics.SCORING_REQUESTS, req)));
                }
            }
            Map<String, Prediction> byUser = new HashMap<>();
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            consumer.subscribe(List.of(TandemTopics.PREDICTIONS));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && byUser.size() < newest.size()) {
                for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    Prediction p = de.deserialize(rec.topic(), rec.value());
                    if (p.getRequestId().startsWith("after-wait-")) byUser.put(p.getUserId(), p);
                }
                assertThat(job.failure()).isEmpty();
            }
            assertThat(byUser).hasSize(newest.size());
            newest.forEach((user, asOf) -> assertThat(byUser.get(user).getFeaturesAsOf())
                    .as("features of " + user)
                    .isEqualTo(asOf));

            long t0 = System.nanoTime();
            assertThat(job.awaitRead(KAFKA.bootstrapServers(), KAFKA.registryUrl(), unread, Duration.ofSeconds(3)))
                    .isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
            assertThat(job.failure()).isEmpty();
        }
    }
}
