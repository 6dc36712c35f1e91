package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.ScoringRunner;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.testdata.TinyModels;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobMessageParameters;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatistics;
import org.apache.flink.runtime.rest.messages.checkpoints.CheckpointingStatisticsHeaders;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersHeaders;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring job ({@link ScoringRunner#job}: Kafka in, exactly-once Kafka out, the tiny TF model) rescaled from
 * parallelism 1 to 2 through a savepoint, on a MiniCluster of two task managers with one slot each: the first part
 * of the requests goes in, the job is stopped with a savepoint while it is still scoring them, the same job starts
 * from the savepoint with parallelism 2 and the rest goes in. (Before the first part, requests go in one per user
 * until every user's features have been used: at the start the features source races the requests source.)
 *
 * <p>Asserted:
 * <ol>
 *   <li>read_committed, every request has exactly one prediction (none lost, none twice) with all its candidates,
 *       and nothing is dead-lettered;</li>
 *   <li>the second run restored the savepoint (its checkpoint statistics name it), its join and scorer ran with
 *       parallelism 2, and it took a slot on both task managers (the first run: parallelism 1, one slot);</li>
 *   <li>the users' features survived the rescale in the join's keyed state, redistributed over the new key groups:
 *       the restored sources do not read {@code user-features} again, yet every prediction scored after the restart
 *       carries the {@code features_as_of} of its user's features, sent before the savepoint (and none for the users
 *       that never had features).</li>
 * </ol>
 */
class ScoringRescaleIT {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringRescaleIT.class);

    private static final int USERS = 40;
    private static final int ITEMS = 5;
    private static final int BEFORE = 600;
    private static final int AFTER = 600;
    private static final long AS_OF = 1_700_000_000_000L;
    /** Read on until nothing more is committed for a few checkpoint intervals, so a duplicate would show. */
    private static final Duration QUIET = Duration.ofMillis(1_500);

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(noRestarts())
            .setNumberTaskManagers(2)
            .setNumberSlotsPerTaskManager(1)
            .build());

    @TempDir
    Path dir;

    private static Configuration noRestarts() {
        Configuration c = new Configuration();
        c.setString("restart-strategy.type", "none");
        return c;
    }

    /** Users {@code u0..u39}; every fourth one ({@code u3}, {@code u7}, …) never has features. */
    private static boolean hasFeatures(int user) {
        return user % 4 != 3;
    }

    /** Each user's own as_of, so a prediction shows whose features it used. */
    private static Instant asOf(int user) {
        return Instant.ofEpochMilli(AS_OF + user * 1_000L);
    }

    @Test
    @Timeout(240)
    void rescaledFromOneToTwoThroughASavepointExactlyOnePredictionPerRequestAndTheFeaturesKept(
            @InjectClusterClient RestClusterClient<?> client) throws Exception {
        long started = System.nanoTime();
        Path model = TinyModels.train(dir.resolve("models"), "v1", 3);
        ScoringConfig one = ScoringConfig.builder()
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .model(model.toString(), TinyModels.STAGES)
                .batching(64, Duration.ofMillis(5))
                .parallelism(1)
                .checkpointInterval(Duration.ofMillis(300))
                .groupId("rescale-it")
                .transactionalIdPrefix("rescale-it")
                // a second run that did NOT resume from the savepoint would predict every request again: the check
                // has teeth
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .build();
        ScoringConfig two = one.toBuilder().parallelism(2).build();

        Map<String, Integer> candidates = new HashMap<>();
        Map<String, Instant> expectedAsOf = new HashMap<>();
        Map<String, Prediction> firstPrediction = new HashMap<>();
        Map<String, Integer> predictionsPerRequest = new TreeMap<>();
        TandemAvroDeserializer<Prediction> de = KAFKA.avroDeserializer(Prediction.class);
        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer();
                CommittedRecords out = KAFKA.committed("rescale-verify", TandemTopics.PREDICTIONS)) {
            for (int u = 0; u < USERS; u++) {
                if (hasFeatures(u)) {
                    producer.send(new ProducerRecord<>(
                            TandemTopics.USER_FEATURES, "u" + u, features("u" + u, asOf(u).toEpochMilli(), 4, 1)));
                }
            }
            for (int i = 0; i < ITEMS; i++) {
                producer.send(
                        new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i % 3, "b", 1.0 + i)));
            }
            producer.flush();

            // -------- run 1: parallelism 1. Requests one per user at a time, until every user's features are in the
            // join's keyed state (the features and requests sources race at the start: a user's first requests may
            // be scored without them); then BEFORE more, stopped with a savepoint while they are being scored
            JobClient first = start(one, ScoringRunner.Restore.fresh("the first run"));
            Set<String> featuredUsers = java.util.stream.IntStream.range(0, USERS)
                    .filter(ScoringRescaleIT::hasFeatures)
                    .mapToObj(u -> "u" + u)
                    .collect(Collectors.toSet());
            Set<String> usedFeatures = new java.util.HashSet<>();
            int sent = 0;
            while (!usedFeatures.containsAll(featuredUsers)) {
                assertThat(sent)
                        .as("requests sent before every user's features were used")
                        .isLessThan(100 * USERS);
                send(producer, sent, sent + USERS, candidates, expectedAsOf);
                sent += USERS;
                int total = sent;
                out.pollUntil(Duration.ofSeconds(90), () -> {
                    tally(out, de, firstPrediction, predictionsPerRequest);
                    return predictionsPerRequest.size() >= total;
                });
                firstPrediction.values().stream()
                        .filter(p -> p.getFeaturesAsOf() != null)
                        .forEach(p -> usedFeatures.add(p.getUserId().toString()));
            }
            int warmUp = sent;
            send(producer, sent, sent + BEFORE, candidates, expectedAsOf);
            sent += BEFORE;
            out.pollUntil(Duration.ofSeconds(90), () -> {
                tally(out, de, firstPrediction, predictionsPerRequest);
                return predictionsPerRequest.size() >= warmUp + BEFORE / 10;
            });
            Map<String, Integer> parallelismBefore = assertParallelism(client, first.getJobID(), 1);
            assertThat(usedSlotsPerTaskManager(client))
                    .as("slots in use per task manager")
                    .containsExactlyInAnyOrder(0, 1);
            int beforeSavepoint = predictionsPerRequest.size();
            String savepoint = first.stopWithSavepoint(
                            false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> first.getJobStatus().get().isGloballyTerminalState());
            assertThat(first.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
            LOG.info("savepoint {} after {} of {} requests predicted", savepoint, beforeSavepoint, sent);

            // -------- run 2: the same job from the savepoint, parallelism 2; the rest of the requests
            Instant restarted = Instant.now();
            Map<String, Integer> parallelismAfter = Map.of();
            JobClient second = start(two, new ScoringRunner.Restore(savepoint, false, "rescale to 2"));
            try {
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .ignoreExceptions() // the statistics are not served while the job initializes
                        .until(() -> savepoint.equals(restoredFrom(client, second.getJobID())));
                send(producer, sent, sent + AFTER, candidates, expectedAsOf);
                out.pollUntil(Duration.ofSeconds(120), () -> {
                    tally(out, de, firstPrediction, predictionsPerRequest);
                    return predictionsPerRequest.size() >= candidates.size()
                            || second.getJobStatus().join().isGloballyTerminalState();
                });
                assertThat(second.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
                out.drainUntilQuiet(QUIET, Duration.ofSeconds(30));
                tally(out, de, firstPrediction, predictionsPerRequest);
                parallelismAfter = assertParallelism(client, second.getJobID(), 2);
                assertThat(usedSlotsPerTaskManager(client))
                        .as("slots in use per task manager")
                        .containsExactly(1, 1);
            } finally {
                second.cancel().get();
            }
            String summary = String.format(
                    "%d requests (%d until every user's features were used), %d predicted before the savepoint"
                            + " %s, %d records on %s; parallelism before %s, after %s; %.1f s",
                    candidates.size(),
                    warmUp,
                    beforeSavepoint,
                    savepoint,
                    out.records(TandemTopics.PREDICTIONS).size(),
                    TandemTopics.PREDICTIONS,
                    parallelismBefore,
                    parallelismAfter,
                    (System.nanoTime() - started) / 1e9);
            LOG.info("ScoringRescaleIT {}", summary);
            // the test log is at WARN: the numbers of the last run stay beside the reports
            java.nio.file.Files.writeString(
                    Path.of("target", "scoring-rescale-it.txt"), summary + System.lineSeparator());

            // -------- exactly one prediction per request, with every candidate
            assertThat(predictionsPerRequest.entrySet().stream()
                            .filter(e -> e.getValue() != 1)
                            .toList())
                    .as("requests predicted more than once; %s", summary)
                    .isEmpty();
            assertThat(predictionsPerRequest.keySet())
                    .as("requests with a prediction; %s", summary)
                    .containsExactlyInAnyOrderElementsOf(candidates.keySet());
            firstPrediction.forEach((id, p) ->
                    assertThat(p.getCandidates()).as("candidates of %s", id).hasSize(candidates.get(id)));

            // -------- the features: after the restart every prediction used its user's (pre-savepoint) features
            long afterRestart = 0;
            for (Map.Entry<String, Prediction> e : firstPrediction.entrySet()) {
                Prediction p = e.getValue();
                Instant want = expectedAsOf.get(e.getKey());
                if (!p.getTimings().getScoredAt().isBefore(restarted)) {
                    afterRestart++;
                    assertThat(p.getFeaturesAsOf())
                            .as("features_as_of of %s (user %s), scored after the restart", e.getKey(), p.getUserId())
                            .isEqualTo(want);
                } else {
                    assertThat(p.getFeaturesAsOf())
                            .as("features_as_of of %s (user %s)", e.getKey(), p.getUserId())
                            .isIn(null, want);
                }
            }
            assertThat(afterRestart).as("predictions scored after the restart").isGreaterThanOrEqualTo(AFTER);
        }

        try (CommittedRecords dead = KAFKA.committed("rescale-verify-dlq", TandemTopics.DEAD_LETTERS)) {
            dead.drainUntilQuiet(QUIET, Duration.ofSeconds(30));
            assertThat(dead.records()).as("dead letters").isEmpty();
        }
    }

    private static JobClient start(ScoringConfig config, ScoringRunner.Restore restore) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(ScoringRunner.flinkConfiguration(config, restore));
        ScoringRunner.job(config).build(env);
        return env.executeAsync(config.jobName());
    }

    /**
     * Requests {@code req-from..req-to-1}, user {@code u(r % USERS)}, one to three candidates; records their
     * candidate counts and the as_of of their user's features (null: none).
     */
    private static void send(
            KafkaProducer<String, Object> producer,
            int from,
            int to,
            Map<String, Integer> candidates,
            Map<String, Instant> expectedAsOf) {
        for (int r = from; r < to; r++) {
            int user = r % USERS;
            List<Candidate> c = new ArrayList<>();
            int k = 1 + r % 3;
            for (int j = 0; j < k; j++) c.add(candidate("i" + (r + j) % ITEMS));
            String id = "req-" + r;
            candidates.put(id, k);
            expectedAsOf.put(id, hasFeatures(user) ? asOf(user) : null);
            producer.send(new ProducerRecord<>(
                    TandemTopics.SCORING_REQUESTS,
                    "u" + user,
                    ScoringRequest.newBuilder()
                            .setRequestId(id)
                            .setUserId("u" + user)
                            .setRequestTime(Instant.ofEpochMilli(AS_OF + 3_600_000L + r))
                            .setCandidates(c)
                            .build()));
        }
        producer.flush();
    }

    /** Adds the predictions collected since the last call to the per-request counts (first one kept). */
    private static void tally(
            CommittedRecords out,
            TandemAvroDeserializer<Prediction> de,
            Map<String, Prediction> first,
            Map<String, Integer> counts) {
        int seen = counts.values().stream().mapToInt(Integer::intValue).sum();
        List<ConsumerRecord<byte[], byte[]>> all = out.records(TandemTopics.PREDICTIONS);
        for (ConsumerRecord<byte[], byte[]> r : all.subList(seen, all.size())) {
            Prediction p = de.deserialize(r.topic(), r.value());
            String id = p.getRequestId().toString();
            counts.merge(id, 1, Integer::sum);
            first.putIfAbsent(id, p);
        }
    }

    /** The join and scorer vertex of the running job has {@code parallelism}, no vertex more; returns them all. */
    private static Map<String, Integer> assertParallelism(RestClusterClient<?> client, JobID job, int parallelism)
            throws Exception {
        JobDetailsInfo details = client.getJobDetails(job).get();
        Map<String, Integer> byVertex = details.getJobVertexInfos().stream()
                .collect(Collectors.toMap(
                        JobDetailsInfo.JobVertexDetailsInfo::getName,
                        JobDetailsInfo.JobVertexDetailsInfo::getParallelism,
                        (a, b) -> a,
                        TreeMap::new));
        LOG.info("job {} vertices {}", job, byVertex);
        assertThat(byVertex.entrySet().stream()
                        .filter(e -> e.getKey().contains("join-features"))
                        .map(Map.Entry::getValue)
                        .toList())
                .as("parallelism of the join and scorer: %s", byVertex)
                .containsExactly(parallelism);
        assertThat(byVertex.values()).as("vertices: %s", byVertex).allMatch(p -> p <= parallelism);
        assertThat(details.getJobVertexInfos())
                .as("vertices running")
                .allMatch(v -> v.getExecutionState().toString().equals("RUNNING"));
        return byVertex;
    }

    /** Per task manager, its slots in use, sorted. */
    private static List<Integer> usedSlotsPerTaskManager(RestClusterClient<?> client) throws Exception {
        return client
                .sendRequest(
                        TaskManagersHeaders.getInstance(),
                        EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance())
                .get()
                .getTaskManagerInfos()
                .stream()
                .map((TaskManagerInfo tm) -> tm.getNumberSlots() - tm.getNumberAvailableSlots())
                .sorted()
                .toList();
    }

    /** The external path of the checkpoint or savepoint {@code job} restored, or null. */
    private static String restoredFrom(RestClusterClient<?> client, JobID job) throws Exception {
        JobMessageParameters params =
                CheckpointingStatisticsHeaders.getInstance().getUnresolvedMessageParameters();
        params.jobPathParameter.resolve(job);
        CheckpointingStatistics stats = client.sendRequest(
                        CheckpointingStatisticsHeaders.getInstance(), params, EmptyRequestBody.getInstance())
                .get();
        CheckpointingStatistics.RestoredCheckpointStatistics restored =
                stats.getLatestCheckpoints().getRestoredCheckpointStatistics();
        return restored == null ? null : Objects.toString(restored.getExternalPath(), null);
    }
}
