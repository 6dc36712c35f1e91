package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import java.nio.charset.StandardCharsets;
import dev.tandem.testkit.TandemClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka in, exactly-once Kafka out, on a real in-process broker and registry. */
class ScoringJobKafkaIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(conf()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static Configuration conf() {
        Configuration c = new Configuration();
        c.setString("restart-strategy.type", "none");
        return c;
    }

    @Test
    @Timeout(180)
    void nRequestsGiveExactlyNCommittedPredictionsWithEveryCandidate() throws Exception {
        int n = 300;
        SchemaRegistryClient registry = SchemaRegistryClients.forUrl(KAFKA.registryUrl(), Map.of());
        Properties pp = KAFKA.producerProps();
        int candidates = 0;
        Map<String, Integer> expectedCandidates = new HashMap<>();
        Map<String, byte[]> badValues = new HashMap<>();
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(pp, new StringSerializer(), new TandemAvroSerializer<>(registry, false))) {
            for (int u = 0; u < 20; u += 2) {
                producer.send(new ProducerRecord<>(TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_000_000, 3, 3)));
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
                producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, "u" + r % 20, ScoringRequest.newBuilder().setRequestId("req-" + r)
                        .setUserId("u" + r % 20).setRequestTime(Instant.ofEpochMilli(2_000_000 + r)).setCandidates(c).build()));
            }
            // bad requests between the good ones: each must land in dead-letters, byte for byte
            try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
                TandemAvroSerializer<ScoringRequest> ser = new TandemAvroSerializer<>(registry, false);
                badValues.put("deserialization", new byte[] {9, 9, 9});
                badValues.put("missing-user-id", ser.serialize(TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-1", "", 1, "i")));
                badValues.put("no-candidates", ser.serialize(TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-2", "u1", 1, new String[0])));
                badValues.put("id-too-long", ser.serialize(TandemTopics.SCORING_REQUESTS, Fixtures.request("bad-3", "u1", 1, "i".repeat(300))));
                for (Map.Entry<String, byte[]> e : badValues.entrySet()) {
                    raw.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, ("bad-" + e.getKey()).getBytes(StandardCharsets.UTF_8), e.getValue()));
                }
                raw.flush();
            }
            // a tombstone on the features topic must not break the job
            producer.send(new ProducerRecord<>(TandemTopics.USER_FEATURES, "u0", null));
            producer.flush();
        }

        ScoringKafka kafka = new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "scoring-it").boundedToLatest();
        ScoringConfig config = ScoringConfig.builder().batching(128, Duration.ofMillis(10)).parallelism(2)
                .checkpointInterval(Duration.ofMillis(300)).kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl()).build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringJob.builder(config).requests(kafka.requests()).features(kafka.userFeatures(), kafka.items())
                .predictions(kafka.predictions("scoring-it")).deadLetters(kafka.deadLetters("scoring-it-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("kafka-it")).build().execute(env);

        Map<String, Prediction> byRequest = new HashMap<>();
        int records = 0;
        int scored = 0;
        Properties cp = KAFKA.consumerProps("verify");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            consumer.subscribe(List.of(TandemTopics.PREDICTIONS));
            long deadline = System.currentTimeMillis() + 30_000;
            int idle = 0;
            while (System.currentTimeMillis() < deadline && (records < n || idle < 3)) {
                var polled = consumer.poll(Duration.ofMillis(500));
                idle = polled.isEmpty() ? idle + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    Prediction p = de.deserialize(rec.topic(), rec.value());
                    records++;
                    scored += p.getCandidates().size();
                    byRequest.put(p.getRequestId().toString(), p);
                    assertThat(new String(rec.key())).isEqualTo(p.getUserId().toString());
                }
            }
        }
        assertThat(records).isEqualTo(n);
        assertThat(byRequest).hasSize(n);
        assertThat(scored).isEqualTo(candidates);
        byRequest.forEach((id, p) -> assertThat(p.getCandidates()).hasSize(expectedCandidates.get(id)));

        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KAFKA.consumerProps("verify-dlq"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TandemTopics.DEAD_LETTERS));
            long deadline = System.currentTimeMillis() + 20_000;
            int idle = 0;
            while (System.currentTimeMillis() < deadline && (dead.size() < badValues.size() || idle < 3)) {
                var polled = consumer.poll(Duration.ofMillis(500));
                idle = polled.isEmpty() ? idle + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    String reason = header(rec, DeadLetterHeaders.REASON);
                    assertThat(dead.put(reason, rec)).as("one dead letter per bad record: " + reason).isNull();
                }
            }
        }
        assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(badValues.keySet());
        dead.forEach((reason, rec) -> {
            assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo("bad-" + reason);
            assertThat(rec.value()).isEqualTo(badValues.get(reason));
            assertThat(header(rec, DeadLetterHeaders.TOPIC)).isEqualTo(TandemTopics.SCORING_REQUESTS);
            assertThat(Integer.parseInt(header(rec, DeadLetterHeaders.PARTITION))).isBetween(0, 64);
            assertThat(Long.parseLong(header(rec, DeadLetterHeaders.OFFSET))).isNotNegative();
            assertThat(header(rec, DeadLetterHeaders.ERROR_CLASS)).isNotBlank();
            assertThat(header(rec, DeadLetterHeaders.ERROR_MESSAGE)).isNotBlank();
        });
    }

    private static String header(ConsumerRecord<byte[], byte[]> rec, String name) {
        var h = rec.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
