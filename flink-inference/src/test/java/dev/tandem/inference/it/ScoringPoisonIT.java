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
import dev.tandem.schemas.topics.DeadLetterReason;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import dev.tandem.testkit.poison.PoisonCorpus;
import dev.tandem.testkit.poison.PoisonCorpus.Entry;
import dev.tandem.testkit.poison.PoisonCorpus.Kind;
import dev.tandem.testkit.poison.PoisonLedger;
import dev.tandem.testkit.poison.ValidRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The poison corpus ({@link PoisonCorpus}) on the scoring job's four inputs ({@code scoring-requests},
 * {@code user-features}, {@code items}, {@code model-control}), each entry between valid records, on a real broker
 * with exactly-once delivery: every refused entry becomes dead letters with its original key and value and the
 * reason below (one per entry; a refused model one per scoring subtask, as each subtask loads its own model); every
 * legal odd entry and every valid request is scored once; and the job is still running at the end. Models are the
 * test's fake scorer: a missing model is a location it cannot load, a corrupt one a model whose input spec does not
 * match ({@code ModelLifecycleKafkaIT} refuses real corrupt SavedModels the same way).
 */
class ScoringPoisonIT {
    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(PARALLELISM);

    /** The reason the scoring job gives each refused entry, whatever its topic. */
    private static DeadLetterReason reason(Kind kind) {
        if (PoisonCorpus.UNREADABLE.contains(kind)) return DeadLetterReason.DESERIALIZATION;
        return switch (kind) {
            case NULL_VALUE -> DeadLetterReason.NULL_VALUE;
            case HUGE_STRING -> DeadLetterReason.ID_TOO_LONG;
            case MISSING_MODEL, CORRUPT_MODEL -> DeadLetterReason.MODEL_REFUSED;
            default -> throw new AssertionError("no reason for " + kind);
        };
    }

    @Test
    @Timeout(120)
    void everyPoisonRecordIsADeadLetterAndEveryValidRequestIsScored() throws Exception {
        TandemAvroSerializer<Object> ser = KAFKA.avroSerializer();
        PoisonCorpus corpus = new PoisonCorpus(ser);
        Instant t0 = Instant.ofEpochMilli(2_000_000);
        Map<String, List<Entry>> byTopic = Map.of(
                TandemTopics.SCORING_REQUESTS,
                corpus.scoringRequests(ValidRecords.request("r-poison", "u-poison", t0, "i0", "x")),
                TandemTopics.USER_FEATURES,
                corpus.userFeatures(ValidRecords.features("u-poison")),
                TandemTopics.ITEMS,
                corpus.items(ValidRecords.item("i-poison")),
                TandemTopics.MODEL_CONTROL,
                corpus.modelControl(
                        ValidRecords.load("tiny", "v-poison", "fail-load:/models/none"),
                        "fail-load:/models/missing",
                        "mismatch:/models/corrupt"));

        PoisonLedger ledger = new PoisonLedger();
        List<String> validRequests = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.rawProducer()) {
            // the model commands first, so the job has refused the bad models before it stops being watched
            for (Entry e : byTopic.get(TandemTopics.MODEL_CONTROL))
                ledger.send(producer, TandemTopics.MODEL_CONTROL, e);
            int u = 0;
            for (Entry e : byTopic.get(TandemTopics.USER_FEATURES)) {
                send(
                        producer,
                        TandemTopics.USER_FEATURES,
                        "u" + u,
                        ser.serialize(TandemTopics.USER_FEATURES, features("u" + u, 1_000_000 + u, 3, 3)));
                u += 2;
                ledger.send(producer, TandemTopics.USER_FEATURES, e);
            }
            int i = 0;
            for (Entry e : byTopic.get(TandemTopics.ITEMS)) {
                send(
                        producer,
                        TandemTopics.ITEMS,
                        "i" + i,
                        ser.serialize(TandemTopics.ITEMS, item("i" + i, "c" + i, "b", 2.0)));
                i++;
                ledger.send(producer, TandemTopics.ITEMS, e);
            }
            int r = 0;
            for (Entry e : byTopic.get(TandemTopics.SCORING_REQUESTS)) {
                for (int k = 0; k < 3; k++, r++) {
                    String user = "u" + r % 10;
                    validRequests.add("req-" + r);
                    send(
                            producer,
                            TandemTopics.SCORING_REQUESTS,
                            user,
                            ser.serialize(
                                    TandemTopics.SCORING_REQUESTS,
                                    ScoringRequest.newBuilder()
                                            .setRequestId("req-" + r)
                                            .setUserId(user)
                                            .setRequestTime(t0.plusMillis(r))
                                            .setCandidates(List.of(candidate("i" + r % 5), candidate("x" + r)))
                                            .build()));
                }
                ledger.send(producer, TandemTopics.SCORING_REQUESTS, e);
            }
        }
        long legalRequests = byTopic.get(TandemTopics.SCORING_REQUESTS).stream()
                .filter(e -> !e.refused())
                .count();
        int expectedDeadLetters = 0;
        for (Entry e : ledger.refused()) {
            expectedDeadLetters += reason(e.kind()) == DeadLetterReason.MODEL_REFUSED ? PARALLELISM : 1;
        }

        ScoringKafka kafka = new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "poison-it");
        ScoringConfig config = ScoringConfig.builder()
                .batching(32, Duration.ofMillis(5))
                .parallelism(PARALLELISM)
                .checkpointInterval(Duration.ofMillis(300))
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .rawFeatures(kafka.rawUserFeatures(), kafka.rawItems())
                .modelControl(kafka.modelControl(), kafka.shadowPredictions("poison-it-shadow"))
                .predictions(kafka.predictions("poison-it"))
                .deadLetters(kafka.deadLetters("poison-it-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("poison-it"))
                .build()
                .build(env);
        JobClient job = env.executeAsync("scoring-poison-it");
        try (CommittedRecords dead = KAFKA.committed("poison-dead", TandemTopics.DEAD_LETTERS);
                CommittedRecords predictions = KAFKA.committed("poison-predictions", TandemTopics.PREDICTIONS)) {
            predictions.awaitCount(validRequests.size() + (int) legalRequests, Duration.ofSeconds(60));
            dead.awaitCount(expectedDeadLetters, Duration.ofSeconds(30));
            // a second dead letter or prediction of the same record would come within a few checkpoints
            predictions.drainUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(20));
            dead.drainUntilQuiet(Duration.ofMillis(1_500), Duration.ofSeconds(20));

            Map<Entry, List<ConsumerRecord<byte[], byte[]>>> matched = ledger.match(dead.records());
            assertThat(matched).as("dead letters of records not in the corpus").doesNotContainKey(null);
            for (Entry e : ledger.sent()) {
                List<ConsumerRecord<byte[], byte[]>> letters = matched.getOrDefault(e, List.of());
                if (!e.refused()) {
                    assertThat(letters)
                            .as("%s is processed, not dead-lettered", e)
                            .isEmpty();
                    continue;
                }
                DeadLetterReason expected = reason(e.kind());
                assertThat(letters)
                        .as("dead letters of %s", e)
                        .hasSize(expected == DeadLetterReason.MODEL_REFUSED ? PARALLELISM : 1);
                for (ConsumerRecord<byte[], byte[]> d : letters) {
                    assertThat(d.key()).as("key of %s", e).isEqualTo(e.key());
                    assertThat(d.value()).as("value of %s", e).isEqualTo(e.value());
                    assertThat(header(d, DeadLetterHeaders.REASON))
                            .as("reason for %s", e)
                            .isEqualTo(expected.code());
                    assertThat(header(d, DeadLetterHeaders.ERROR_MESSAGE))
                            .as("message for %s", e)
                            .isNotBlank();
                }
            }

            TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
            Map<String, Integer> perRequest = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> rec : predictions.records()) {
                perRequest.merge(de.deserialize(rec.topic(), rec.value()).getRequestId(), 1, Integer::sum);
            }
            assertThat(predictions.records()).hasSize(validRequests.size() + (int) legalRequests);
            for (String id : validRequests)
                assertThat(perRequest.get(id)).as("predictions of %s", id).isEqualTo(1);
            assertThat(perRequest.get("r-poison"))
                    .as("the legal odd requests, all under the corpus's request id")
                    .isEqualTo((int) legalRequests);
            assertThat(job.getJobStatus().get().isTerminalState())
                    .as("the job is still running")
                    .isFalse();
        } finally {
            job.cancel().get();
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
    }
}
