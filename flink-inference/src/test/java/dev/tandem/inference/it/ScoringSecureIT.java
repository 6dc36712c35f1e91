package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.KafkaAcls;
import dev.tandem.testkit.TandemClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scoring job on a secured broker (TLS, SCRAM-SHA-512, ACLs) with its {@code kafka.*} settings naming its own
 * principal: sources, exactly-once sinks and their transactions work with only the scoring grant; the same job under
 * the features app's principal is refused.
 */
class ScoringSecureIT {
    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension()
            .secured(List.of(
                    KafkaAcls.scoring("scoring", "tandem-scoring"),
                    KafkaAcls.features("features", "tandem-features"),
                    KafkaAcls.tools("tools", "tandem-cli")));

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    private static final int REQUESTS = 50;

    @BeforeAll
    static void inputs() throws Exception {
        try (KafkaProducer<String, Object> operator = KAFKA.avroProducer()) {
            for (int u = 0; u < 5; u++)
                operator.send(
                        new ProducerRecord<>(TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_000_000, 3, 3)));
            for (int i = 0; i < 3; i++)
                operator.send(new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i, "b", 1.0 + i)));
            operator.flush();
        }
        // the requests come from the CLI tools' principal, as `tandem score`'s load generator would send them
        java.util.Properties p = KAFKA.producerProps();
        p.putAll(KAFKA.clientProperties("tools"));
        try (KafkaProducer<String, Object> tools =
                new KafkaProducer<>(p, new StringSerializer(), KAFKA.avroSerializer())) {
            for (int r = 0; r < REQUESTS; r++)
                tools.send(new ProducerRecord<>(
                        TandemTopics.SCORING_REQUESTS,
                        "u" + r % 5,
                        ScoringRequest.newBuilder()
                                .setRequestId("req-" + r)
                                .setUserId("u" + r % 5)
                                .setRequestTime(Instant.ofEpochMilli(2_000_000 + r))
                                .setCandidates(List.of(candidate(item("i" + r % 3, "c", "b", 2.0)), candidate("x" + r)))
                                .build()));
            tools.flush();
        }
    }

    @Test
    @Timeout(180)
    void theJobScoresEveryRequestExactlyOnceUnderItsOwnPrincipal() throws Exception {
        run("scoring");
        Set<String> requests = new HashSet<>();
        int records = 0;
        try (CommittedRecords out = KAFKA.committed("verify", TandemTopics.PREDICTIONS)) {
            out.awaitCount(REQUESTS, Duration.ofSeconds(30))
                    .drainUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(30));
            TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
            for (ConsumerRecord<byte[], byte[]> rec : out.records()) {
                records++;
                requests.add(
                        de.deserialize(rec.topic(), rec.value()).getRequestId().toString());
            }
        }
        assertThat(records).isEqualTo(REQUESTS);
        assertThat(requests).hasSize(REQUESTS);
    }

    @Test
    @Timeout(180)
    void underTheFeaturesAppsPrincipalTheJobIsRefused() {
        assertThatThrownBy(() -> run("features")).rootCause().isInstanceOf(AuthorizationException.class);
    }

    private static void run(String principal) throws Exception {
        ScoringConfig.Builder b = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(10))
                .parallelism(2)
                .checkpointInterval(Duration.ofMillis(300))
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl());
        KAFKA.clientProperties(principal).forEach((k, v) -> b.set(ScoringConfig.KAFKA_PREFIX + k, v));
        ScoringConfig config = b.build();
        ScoringKafka kafka = ScoringKafka.of(config).boundedToLatest();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .features(kafka.userFeatures(), kafka.items())
                .predictions(kafka.predictions(config.transactionalIdPrefix()))
                .deadLetters(kafka.deadLetters(config.transactionalIdPrefix() + "-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("secure-it"))
                .build()
                .execute(StreamExecutionEnvironment.getExecutionEnvironment());
    }
}
