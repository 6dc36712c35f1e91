package dev.tandem.inference.it;

import static dev.tandem.inference.Fixtures.candidate;
import static dev.tandem.inference.Fixtures.features;
import static dev.tandem.inference.Fixtures.item;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.topics.TandemTopics;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A task failure mid-stream, after a completed checkpoint, with predictions of the failed epoch
 * already written into open Kafka transactions: the job restarts from the checkpoint and a
 * read_committed consumer still sees exactly one prediction per request.
 */
class ScoringJobRecoveryIT {
    private static final int PARALLELISM = 2;
    /** Predictions the scoring task passes after the first completed checkpoint before it fails. */
    private static final int FAIL_AFTER = 300;

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension();

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withConfiguration(PARALLELISM, conf());

    private static Configuration conf() {
        Configuration c = new Configuration();
        c.setString("restart-strategy.type", "fixed-delay");
        c.setString("restart-strategy.fixed-delay.attempts", "3");
        c.setString("restart-strategy.fixed-delay.delay", "100 ms");
        return c;
    }

    // the failing operator runs in this JVM (MiniCluster); these survive its restart
    static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    static final AtomicInteger AFTER_CHECKPOINT = new AtomicInteger();
    static final AtomicInteger FAILURES = new AtomicInteger();
    static final AtomicInteger OPENS = new AtomicInteger();

    /**
     * Chained to the scorer (same task): once a checkpoint has completed, throws once after
     * {@link #FAIL_AFTER} more predictions, failing the task that scored them.
     */
    static final class FailOnceAfterCheckpoint extends RichFilterFunction<Prediction> implements CheckpointListener {
        @Override
        public void open(OpenContext ctx) {
            OPENS.incrementAndGet();
        }

        @Override
        public boolean filter(Prediction p) {
            if (CHECKPOINTED.get()
                    && AFTER_CHECKPOINT.incrementAndGet() == FAIL_AFTER
                    && FAILURES.getAndIncrement() == 0) {
                throw new IllegalStateException(
                        "injected failure after " + FAIL_AFTER + " predictions past a checkpoint");
            }
            return false;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }

    @Test
    @Timeout(120)
    void aFailureAfterACheckpointLeavesExactlyOnePredictionPerRequest() throws Exception {
        Map<String, Integer> expected = new HashMap<>();
        try (KafkaProducer<String, Object> producer = KAFKA.avroProducer()) {
            for (int u = 0; u < 30; u += 3) {
                producer.send(
                        new ProducerRecord<>(TandemTopics.USER_FEATURES, "u" + u, features("u" + u, 1_000_000, 3, 3)));
            }
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(TandemTopics.ITEMS, "i" + i, item("i" + i, "c" + i, "b", 1.0 * i)));
            }
            send(producer, 0, 1_000, expected);

            ScoringKafka kafka = new ScoringKafka(KAFKA.bootstrapServers(), KAFKA.registryUrl(), "recovery-it");
            ScoringConfig config = ScoringConfig.builder()
                    .batching(64, Duration.ofMillis(5))
                    .parallelism(PARALLELISM)
                    .checkpointInterval(Duration.ofMillis(200))
                    .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                    .build();
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            ScoringJob.builder(config)
                    .requests(kafka.requests())
                    .features(kafka.userFeatures(), kafka.items())
                    .predictions(kafka.predictions("recovery-it"))
                    .deadLetters(kafka.deadLetters("recovery-it-dlq"))
                    .scorer(new Fixtures.FakeScorerFactory("recovery-it"))
                    .build()
                    .build(env)
                    .filter(new FailOnceAfterCheckpoint())
                    .name("fail-once")
                    .sinkTo(new DiscardingSink<>());
            JobClient job = env.executeAsync(config.jobName());
            try {
                // the second part arrives after a checkpoint, so the failure hits predictions of an open transaction
                await().atMost(Duration.ofSeconds(30)).untilTrue(CHECKPOINTED);
                send(producer, 1_000, 2_000, expected);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> FAILURES.get() == 1 && OPENS.get() >= 2 * PARALLELISM);
                send(producer, 2_000, 3_000, expected); // and the restarted job keeps scoring new requests

                Map<String, Integer> candidates = new HashMap<>();
                Map<String, Integer> seen = readPredictions(expected.size(), candidates);
                assertThat(seen.entrySet().stream()
                                .filter(e -> e.getValue() != 1)
                                .toList())
                        .as("requests predicted more than once")
                        .isEmpty();
                assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                assertThat(candidates).isEqualTo(expected);
                assertThat(FAILURES.get()).as("injected failures").isEqualTo(1);
                assertThat(OPENS.get())
                        .as("scoring tasks opened: every subtask once, then once more after the restart")
                        .isEqualTo(2 * PARALLELISM);
            } finally {
                job.cancel().get();
            }
        }
    }

    private static void send(KafkaProducer<String, Object> producer, int from, int to, Map<String, Integer> expected) {
        for (int r = from; r < to; r++) {
            List<Candidate> c = new ArrayList<>();
            int k = 1 + r % 4;
            for (int j = 0; j < k; j++) {
                c.add(j == 0 ? candidate("i" + r % 5) : candidate("x" + r + "-" + j));
            }
            expected.put("req-" + r, k);
            producer.send(new ProducerRecord<>(
                    TandemTopics.SCORING_REQUESTS,
                    "u" + r % 30,
                    ScoringRequest.newBuilder()
                            .setRequestId("req-" + r)
                            .setUserId("u" + r % 30)
                            .setRequestTime(Instant.ofEpochMilli(2_000_000 + r))
                            .setCandidates(c)
                            .build()));
        }
        producer.flush();
    }

    /** Committed predictions per request id, read until {@code n} have arrived and then a quiet second more (to catch duplicates). */
    private static Map<String, Integer> readPredictions(int n, Map<String, Integer> candidates) {
        Map<String, Integer> seen = new HashMap<>();
        try (CommittedRecords out = KAFKA.committed("recovery-verify", TandemTopics.PREDICTIONS)) {
            out.awaitCount(n, Duration.ofSeconds(40)).drainUntilQuiet(Duration.ofSeconds(1), Duration.ofSeconds(40));
            for (Prediction p : out.values(KAFKA.avroDeserializer(Prediction.class))) {
                seen.merge(p.getRequestId().toString(), 1, Integer::sum);
                candidates.put(p.getRequestId().toString(), p.getCandidates().size());
            }
        }
        return seen;
    }
}
