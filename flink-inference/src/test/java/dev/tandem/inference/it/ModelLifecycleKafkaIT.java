package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static dev.tandem.testkit.CommittedRecords.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.ModelVersions;
import dev.tandem.inference.core.BatchScorer;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ModelControlClient;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.model.features.FeatureEncoder;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.ModelCommandType;
import dev.tandem.schemas.ModelControl;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model lifecycle end to end: real SavedModels, a real broker, {@code model-control} commands
 * while requests flow, exactly-once predictions read {@code read_committed}.
 */
class ModelLifecycleKafkaIT {
    private static final int PARALLELISM = 2;
    private static final int USERS = 20;
    private static final List<String> STAGES = TinyModels.STAGES;
    private static final Duration AWAIT = Duration.ofSeconds(60);
    /** Quiet for a few checkpoint intervals: a duplicate committed late would show. */
    private static final Duration QUIET = Duration.ofMillis(1_500);

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(PARALLELISM);

    @TempDir
    static Path models;

    static ModelVersions versions;

    @BeforeAll
    static void realModels() throws Exception {
        versions = ModelVersions.create(models);
    }

    private final Map<String, ScoringRequest> sent = new LinkedHashMap<>();
    private final Map<String, UserFeatures> featuresByUser = new HashMap<>();

    @Test
    @Timeout(240)
    void corruptModelsAreRefusedWhileScoringGoesOnAndASwapMidStreamLosesAndDuplicatesNothing() throws Exception {
        ScoringKafka kafka = new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "lifecycle-it");
        ScoringConfig config = ScoringConfig.builder()
                .batching(64, Duration.ofMillis(10))
                .parallelism(PARALLELISM)
                .checkpointInterval(Duration.ofMillis(300))
                .model(versions.v1().toString(), STAGES)
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .features(kafka.userFeatures(), kafka.items())
                .predictions(kafka.predictions("lifecycle-it"))
                .deadLetters(kafka.deadLetters("lifecycle-it-dlq"))
                .modelControl(
                        kafka.modelControl(), kafka.predictions(TandemTopics.PREDICTIONS_SHADOW, "lifecycle-it-shadow"))
                .build()
                .build(env);

        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer();
                CommittedRecords predictions = KAFKA.committed("verify-predictions", TandemTopics.PREDICTIONS);
                CommittedRecords shadow = KAFKA.committed("verify-shadow", TandemTopics.PREDICTIONS_SHADOW);
                CommittedRecords dead = KAFKA.committed("verify-dead", TandemTopics.DEAD_LETTERS);
                ModelControlClient control = new ModelControlClient(KAFKA.bootstrapServers(), KAFKA.registryUrl())) {
            for (int u = 0; u < USERS; u += 2) {
                UserFeatures f = features("u" + u, 1_000_000, 3 + u % 4, 1);
                featuresByUser.put("u" + u, f);
                producer.send(new ProducerRecord<>(TandemTopics.USER_FEATURES, "u" + u, f));
            }
            producer.flush();
            JobClient job = env.executeAsync("model-lifecycle-it");
            try {
                TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
                // 1. v1 serves
                send(producer, 60);
                predictions.awaitCount(sent.size(), AWAIT);
                assertThat(versions(predictions, de)).containsOnlyKeys("v1");

                // 2. corrupt models are refused while requests keep being scored by v1
                ModelControl badPb = ModelControlClient.activate("tiny", "v-garbage", versions.garbage());
                ModelControl badSpec = ModelControlClient.activate("tiny", "v-mismatch", versions.mismatch());
                ModelControl badScheme =
                        ModelControlClient.command(ModelCommandType.LOAD, "tiny", "v-s3", "s3://models/tiny/v9");
                control.send(badPb, badSpec, badScheme);
                send(producer, 40);
                dead.awaitCount(3 * PARALLELISM, AWAIT); // every scoring subtask refuses each one
                send(producer, 40);
                predictions.awaitCount(sent.size(), AWAIT);
                assertThat(versions(predictions, de)).containsOnlyKeys("v1");
                TandemAvroDeserializer<ModelControl> controlDe = KAFKA.avroDeserializer(ModelControl.class);
                Map<String, List<ConsumerRecord<byte[], byte[]>>> refusedById = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : dead.records()) {
                    assertThat(header(r, DeadLetterHeaders.TOPIC)).isEqualTo(TandemTopics.MODEL_CONTROL);
                    assertThat(header(r, DeadLetterHeaders.REASON)).isEqualTo("model-refused");
                    ModelControl original =
                            controlDe.deserialize(TandemTopics.MODEL_CONTROL, r.value()); // the original record's bytes
                    refusedById
                            .computeIfAbsent(original.getCommandId().toString(), k -> new ArrayList<>())
                            .add(r);
                }
                assertThat(refusedById).hasSize(3);
                assertThat(refusedById.values()).allSatisfy(l -> assertThat(l).hasSize(PARALLELISM));
                assertThat(header(
                                refusedById
                                        .get(badSpec.getCommandId().toString())
                                        .get(0),
                                DeadLetterHeaders.ERROR_MESSAGE))
                        .contains("sequenceLength");
                assertThat(header(
                                refusedById
                                        .get(badScheme.getCommandId().toString())
                                        .get(0),
                                DeadLetterHeaders.ERROR_MESSAGE))
                        .contains("s3:");
                assertThat(header(
                                refusedById.get(badPb.getCommandId().toString()).get(0), DeadLetterHeaders.ERROR_CLASS))
                        .isNotBlank();

                // 3. swap to v2 mid-stream: requests keep flowing until every subtask serves v2
                control.send(
                        ModelControlClient.load("tiny", "v2", versions.v2()),
                        ModelControlClient.activate("tiny", "v2"));
                boolean allV2 = false;
                for (int chunk = 0; chunk < 60 && !allV2; chunk++) {
                    int from = sent.size();
                    send(producer, USERS);
                    predictions.awaitCount(sent.size(), AWAIT);
                    allV2 = byRequest(predictions, de).entrySet().stream()
                            .filter(e -> requestIndex(e.getKey()) >= from)
                            .allMatch(e ->
                                    e.getValue().getModelVersion().toString().equals("v2"));
                }
                assertThat(allV2).as("every subtask switched to v2").isTrue();
                int afterSwitch = sent.size();
                send(producer, 60);
                predictions.awaitCount(sent.size(), AWAIT);

                // 4. shadow v1 (still loaded for rollback) next to v2: the primary predictions do not change
                control.send(ModelControlClient.shadow("tiny", "v1", null));
                int beforeShadow = sent.size();
                for (int chunk = 0; chunk < 60 && shadow.size() == 0; chunk++) {
                    send(producer, USERS);
                    predictions.awaitCount(sent.size(), AWAIT);
                    shadow.poll();
                }
                predictions.drainUntilQuiet(QUIET, AWAIT);
                shadow.drainUntilQuiet(QUIET, AWAIT);

                // exactly one committed prediction per request, none lost, none duplicated
                Map<String, Prediction> byRequest = byRequest(predictions, de);
                assertThat(predictions.records()).hasSize(sent.size());
                assertThat(byRequest.keySet()).containsExactlyInAnyOrderElementsOf(sent.keySet());
                byRequest.forEach((id, p) -> {
                    int i = requestIndex(id);
                    if (i < 140) {
                        assertThat(p.getModelVersion().toString()).as(id).isEqualTo("v1");
                    } else if (i >= afterSwitch) {
                        assertThat(p.getModelVersion().toString()).as(id).isEqualTo("v2");
                    }
                });
                // per user (one partition each, in commit order): v1 … v1 v2 … v2, never back
                Map<String, List<String>> perUser = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : predictions.records()) {
                    Prediction p = de.deserialize(r.topic(), r.value());
                    perUser.computeIfAbsent(p.getUserId().toString(), k -> new ArrayList<>())
                            .add(p.getModelVersion().toString());
                }
                perUser.forEach((user, vs) -> {
                    int first = vs.indexOf("v2");
                    assertThat(first).as(user + " switched").isNotNegative();
                    assertThat(vs.subList(first, vs.size()))
                            .as(user + ": " + vs)
                            .containsOnly("v2");
                });

                List<Prediction> shadows = new ArrayList<>(byRequest(shadow, de).values());
                assertThat(shadow.records()).hasSameSizeAs(shadows); // no duplicates
                assertThat(shadows).isNotEmpty().allSatisfy(p -> {
                    assertThat(p.getModelVersion().toString()).isEqualTo("v1");
                    assertThat(requestIndex(p.getRequestId().toString())).isGreaterThanOrEqualTo(beforeShadow);
                    assertThat(byRequest
                                    .get(p.getRequestId().toString())
                                    .getModelVersion()
                                    .toString())
                            .isEqualTo("v2");
                });

                // every value is what its model gives offline, and the two models do differ
                int differ = 0;
                try (BatchScorer s1 = TfBatchScorer.load(versions.v1(), STAGES);
                        BatchScorer s2 = TfBatchScorer.load(versions.v2(), STAGES)) {
                    for (Prediction p : byRequest.values()) {
                        BatchScorer mine = p.getModelVersion().toString().equals("v1") ? s1 : s2;
                        BatchScorer other = mine == s1 ? s2 : s1;
                        float[] want = offline(mine, p);
                        float[] alt = offline(other, p);
                        assertValues(p, want);
                        for (int i = 0; i < want.length; i++) {
                            differ += Math.abs(want[i] - alt[i]) > 1e-4 ? 1 : 0;
                        }
                    }
                    for (Prediction p : shadows) {
                        assertValues(p, offline(s1, p));
                    }
                }
                assertThat(differ).as("v1 and v2 score differently").isPositive();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static void assertValues(Prediction p, float[] want) {
        assertThat(p.getCandidates()).hasSize(want.length / 2);
        for (int i = 0; i < p.getCandidates().size(); i++) {
            List<Float> got = p.getCandidates().get(i).getProbabilities();
            assertThat(got.get(0)).as(p.getRequestId() + " cart").isCloseTo(want[2 * i], within(1e-5f));
            assertThat(got.get(1)).as(p.getRequestId() + " purchase").isCloseTo(want[2 * i + 1], within(1e-5f));
        }
    }

    private float[] offline(BatchScorer s, Prediction p) {
        ScoringRequest r = sent.get(p.getRequestId().toString());
        UserFeatures f = p.getFeaturesAsOf() == null ? null : featuresByUser.get(r.getUserId());
        return s.score(Fixtures.encode(new FeatureEncoder(s.spec()), r, f));
    }

    private void send(KafkaProducer<String, Object> producer, int n) {
        for (int k = 0; k < n; k++) {
            int r = sent.size();
            List<Candidate> c = new ArrayList<>();
            for (int j = 0; j < 1 + r % 5; j++) {
                c.add(
                        j == 0
                                ? candidate(item("i" + r % 40, "c" + r % 6, "b" + r % 4, 10.0 + r % 40))
                                : candidate("i" + (r + j) % 40));
            }
            String user = "u" + r % USERS;
            ScoringRequest req = ScoringRequest.newBuilder()
                    .setRequestId("req-" + r)
                    .setUserId(user)
                    .setRequestTime(Instant.ofEpochMilli(2_000_000 + r * 1_000L))
                    .setCandidates(c)
                    .build();
            sent.put(req.getRequestId(), req);
            producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, user, req));
        }
        producer.flush();
    }

    private static int requestIndex(String id) {
        return Integer.parseInt(id.substring("req-".length()));
    }

    private static Map<String, Integer> versions(CommittedRecords c, TandemAvroDeserializer<Prediction> de) {
        Map<String, Integer> out = new HashMap<>();
        byRequest(c, de).values().forEach(p -> out.merge(p.getModelVersion().toString(), 1, Integer::sum));
        return out;
    }

    /** The last prediction committed per request id, in commit order. */
    private static Map<String, Prediction> byRequest(CommittedRecords c, TandemAvroDeserializer<Prediction> de) {
        Map<String, Prediction> out = new LinkedHashMap<>();
        for (Prediction p : c.values(de)) {
            out.put(p.getRequestId().toString(), p);
        }
        return out;
    }
}
