package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static dev.tandem.testkit.CommittedRecords.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka in, exactly-once Kafka out, on a real in-process broker and registry. */
class ScoringJobKafkaIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    /** Read on until nothing more is committed for a few checkpoint intervals, so a duplicate would show. */
    private static final Duration QUIET = Duration.ofMillis(1_500);

    @Test
    @Timeout(180)
    void nRequestsGiveExactlyNCommittedPredictionsWithEveryCandidate() throws Exception {
        int n = 300;
        int candidates = 0;
        Map<String, Integer> expectedCandidates = new HashMap<>();
        Map<String, byte[]> badValues = new HashMap<>();
        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer()) {
            for (int u = 0; u < 20; u += 2) {
                producer.send(
                        new ProducerRecord<>(TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_000_000, 3, 3)));
            }
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i, "b", 1.0 * i)));
            }
            for (int r = 0; r < n; r++) {
                List<Candidate> c = new ArrayList<>();
                int k = 1 + r % 6;
                for (int j = 0; j < k; j++) {
                    c.add(j == 0 ? candidate(item("i" + r % 5, "c", "b", 2.0)) : candidate("x" + r + "-" + j));
                }
                candidates += k;
                expectedCandidates.put("req-" + r, k);
                producer.send(new ProducerRecord<>(
                        TandemTopics.SCORING_REQUESTS,
                        "u" + r % 20,
                        ScoringRequest.newBuilder()
                                .setRequestId("req-" + r)
                                .setUserId("u" + r % 20)
                                .setRequestTime(Instant.ofEpochMilli(2_000_000 + r))
                                .setCandidates(c)
                                .build()));
            }
            // bad requests between the good ones: each must land in dead-letters, byte for byte
            try (KafkaProducer<byte[], byte[]> raw = KAFKA.rawProducer()) {
                TandemAvroSerializer<ScoringRequest> ser = KAFKA.avroSerializer();
                badValues.put("deserialization", new byte[] {9, 9, 9});
                badValues.put(
                        "missing-user-id",
                        ser.serialize(TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-1", "", 1, "i")));
                badValues.put(
                        "no-candidates",
                        ser.serialize(
                                TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-2", "u1", 1, new String[0])));
                badValues.put(
                        "id-too-long",
                        ser.serialize(
                                TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-3", "u1", 1, "i".repeat(300))));
                for (Map.Entry<String, byte[]> e : badValues.entrySet()) {
                    raw.send(new ProducerRecord<>(
                            TandemTopics.SCORING_REQUESTS,
                            ("bad-" + e.getKey()).getBytes(StandardCharsets.UTF_8),
                            e.getValue()));
                }
                raw.flush();
            }
            // a tombstone on the features topic must not break the job
            producer.send(new ProducerRecord<>(TandemTopics.USER_FEATURES, "u0", null));
            producer.flush();
        }

        ScoringKafka kafka =
                new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "scoring-it").boundedToLatest();
        ScoringConfig config = ScoringConfig.builder()
                .batching(128, Duration.ofMillis(10))
                .parallelism(2)
                .checkpointInterval(Duration.ofMillis(300))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .features(kafka.userFeatures(), kafka.items())
                .predictions(kafka.predictions("scoring-it"))
                .deadLetters(kafka.deadLetters("scoring-it-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("kafka-it"))
                .build()
                .execute(env);

        Map<String, Prediction> byRequest = new HashMap<>();
        int records = 0;
        int scored = 0;
        try (CommittedRecords out = KAFKA.committed("verify", TandemTopics.PREDICTIONS)) {
            out.awaitCount(n, Duration.ofSeconds(30)).drainUntilQuiet(QUIET, Duration.ofSeconds(30));
            TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
            for (ConsumerRecord<byte[], byte[]> rec : out.records()) {
                Prediction p = de.deserialize(rec.topic(), rec.value());
                records++;
                scored += p.getCandidates().size();
                byRequest.put(p.getRequestId().toString(), p);
                assertThat(CommittedRecords.key(rec)).isEqualTo(p.getUserId().toString());
            }
        }
        assertThat(records).isEqualTo(n);
        assertThat(byRequest).hasSize(n);
        assertThat(scored).isEqualTo(candidates);
        byRequest.forEach((id, p) -> assertThat(p.getCandidates()).hasSize(expectedCandidates.get(id)));

        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        try (CommittedRecords out = KAFKA.committed("verify-dlq", TandemTopics.DEAD_LETTERS)) {
            out.awaitCount(badValues.size(), Duration.ofSeconds(20)).drainUntilQuiet(QUIET, Duration.ofSeconds(20));
            for (ConsumerRecord<byte[], byte[]> rec : out.records()) {
                String reason = header(rec, DeadLetterHeaders.REASON);
                assertThat(dead.put(reason, rec))
                        .as("one dead letter per bad record: " + reason)
                        .isNull();
            }
        }
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(badValues.keySet());
        dead.forEach((reason, rec) -> {
            assertThat(CommittedRecords.key(rec)).isEqualTo("bad-" + reason);
            assertThat(rec.value()).isEqualTo(badValues.get(reason));
            assertThat(header(rec, DeadLetterHeaders.TOPIC)).isEqualTo(TandemTopics.SCORING_REQUESTS);
            assertThat(Integer.parseInt(header(rec, DeadLetterHeaders.PARTITION)))
                    .isBetween(0, 64);
            assertThat(Long.parseLong(header(rec, DeadLetterHeaders.OFFSET))).isNotNegative();
            assertThat(header(rec, DeadLetterHeaders.ERROR_CLASS)).isNotBlank();
            assertThat(header(rec, DeadLetterHeaders.ERROR_MESSAGE)).isNotBlank();
        });
    }
}
