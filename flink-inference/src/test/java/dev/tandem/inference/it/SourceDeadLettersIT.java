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

/** Bad {@code user-features} and {@code items} records reach {@code dead-letters} byte for byte, and scoring carries on. */
class SourceDeadLettersIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    @Test
    @Timeout(120)
    void undecodableFeaturesAndItemsGoToDeadLettersAndScoringCarriesOn() throws Exception {
        TandemAvroSerializer<Object> ser = KAFKA.avroSerializer();
        // key → (topic, value) of every record that must come back as a dead letter
        Map<String, byte[]> bad = new HashMap<>();
        Map<String, String> badTopic = new HashMap<>();
        Map<String, String> badReason = new HashMap<>();
        bad.put("bad-features-garbage", new byte[] {7, 7, 7});
        badTopic.put("bad-features-garbage", TandemTopics.USER_FEATURES);
        badReason.put("bad-features-garbage", "deserialization");
        bad.put("bad-features-blank-user", ser.serialize(TandemTopics.USER_FEATURES, features("", 1_000_000, 2, 1)));
        badTopic.put("bad-features-blank-user", TandemTopics.USER_FEATURES);
        badReason.put("bad-features-blank-user", "missing-user-id");
        bad.put("bad-item-garbage", "not avro".getBytes(StandardCharsets.UTF_8));
        badTopic.put("bad-item-garbage", TandemTopics.ITEMS);
        badReason.put("bad-item-garbage", "deserialization");
        bad.put("bad-item-long-id", ser.serialize(TandemTopics.ITEMS, item("i".repeat(300), "c", "b", 1.0)));
        badTopic.put("bad-item-long-id", TandemTopics.ITEMS);
        badReason.put("bad-item-long-id", "id-too-long");

        int n = 60;
        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer();
                KafkaProducer<byte[], byte[]> raw = KAFKA.rawProducer()) {
            for (Map.Entry<String, byte[]> e : bad.entrySet()) {
                raw.send(new ProducerRecord<>(
                        badTopic.get(e.getKey()), e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()));
            }
            raw.flush();
            for (int u = 0;
                    u < 10;
                    u += 2) { // good features for the even users, after the bad ones on the same partitions
                producer.send(new ProducerRecord<>(
                        TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_000_000 + u, 3, 3)));
            }
            producer.send(new ProducerRecord<>(TandemTopics.ITEMS, "i0", item("i0", "c0", "b", 2.0)));
            for (int r = 0; r < n; r++) {
                producer.send(new ProducerRecord<>(
                        TandemTopics.SCORING_REQUESTS,
                        "u" + r % 10,
                        ScoringRequest.newBuilder()
                                .setRequestId("req-" + r)
                                .setUserId("u" + r % 10)
                                .setRequestTime(Instant.ofEpochMilli(2_000_000 + r))
                                .setCandidates(List.of(candidate("i0"), candidate("x" + r)))
                                .build()));
            }
            producer.flush();
        }

        ScoringKafka kafka =
                new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "source-dlq-it").boundedToLatest();
        ScoringConfig config = ScoringConfig.builder()
                .batching(32, Duration.ofMillis(5))
                .parallelism(2)
                .checkpointInterval(Duration.ofMillis(300))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .build();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .rawFeatures(kafka.rawUserFeatures(), kafka.rawItems())
                .predictions(kafka.predictions("source-dlq-it"))
                .deadLetters(kafka.deadLetters("source-dlq-it-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("source-dlq-it"))
                .build()
                .execute(StreamExecutionEnvironment.getExecutionEnvironment());

        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : readAll(TandemTopics.DEAD_LETTERS, bad.size())) {
            String key = CommittedRecords.key(rec);
            assertThat(dead.put(key, rec))
                    .as("one dead letter per bad record: " + key)
                    .isNull();
        }
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(bad.keySet());
        dead.forEach((key, rec) -> {
            assertThat(rec.value()).as(key).isEqualTo(bad.get(key));
            assertThat(header(rec, DeadLetterHeaders.TOPIC)).as(key).isEqualTo(badTopic.get(key));
            assertThat(header(rec, DeadLetterHeaders.REASON)).as(key).isEqualTo(badReason.get(key));
            assertThat(Long.parseLong(header(rec, DeadLetterHeaders.OFFSET))).isNotNegative();
            assertThat(header(rec, DeadLetterHeaders.ERROR_CLASS)).isNotBlank();
            assertThat(header(rec, DeadLetterHeaders.ERROR_MESSAGE)).isNotBlank();
        });

        // the sources race, so a request may be joined before its user's features arrive: only users without features
        // are certain
        TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
        Map<String, Prediction> byRequest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : readAll(TandemTopics.PREDICTIONS, n)) {
            Prediction p = de.deserialize(rec.topic(), rec.value());
            assertThat(byRequest.put(p.getRequestId().toString(), p)).isNull();
        }
        assertThat(byRequest).hasSize(n);
        byRequest.values().forEach(p -> {
            assertThat(p.getCandidates()).hasSize(2);
            if (Integer.parseInt(p.getUserId().toString().substring(1)) % 2 == 1) {
                assertThat(p.getFeaturesAsOf())
                        .as("user %s has no features", p.getUserId())
                        .isNull();
            }
        });
    }

    /** What is committed to {@code topic}: at least {@code atLeast} records, then whatever comes within a quiet second. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int atLeast) {
        try (CommittedRecords out = KAFKA.committed("verify-" + topic, topic)) {
            return out.awaitCount(atLeast, Duration.ofSeconds(20))
                    .drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(20))
                    .records();
        }
    }
}
