package dev.tandem.inference.it;

import static dev.tandem.testkit.CommittedRecords.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.Fixtures;
import dev.tandem.inference.MiniClusters;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringConfig.Delivery;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.DeadLetterHeaders;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code scoring.delivery} and {@code scoring.request.deadline} on a real broker. The checkpoint interval and the
 * minimum pause between checkpoints are 10 min, so no periodic checkpoint can complete while a test runs: at least
 * once, predictions and dead letters reach a {@code read_committed} reader anyway (and the request group has no
 * committed offset, the proof that no checkpoint completed); exactly once, they sit in open transactions (a
 * {@code read_uncommitted} reader sees them, a {@code read_committed} reader's end offsets stay at 0) until a
 * checkpoint is triggered by hand. A request older than the deadline is dead-lettered ({@code deadline}, original
 * bytes) and never predicted. Each test has its own topics.
 */
class DeliveryModesKafkaIT {
    private static final Duration NEVER = Duration.ofMinutes(10);
    private static final int PARTITIONS = 2;
    private static final int REQUESTS = 40;

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension()
            .withTopics(topics("alo").toArray(TopicSpec[]::new))
            .withTopics(topics("eo").toArray(TopicSpec[]::new));

    @RegisterExtension
    static final MiniClusterExtension MINI = MiniClusters.withoutRestarts(2);

    private static List<TopicSpec> topics(String mode) {
        return List.of(
                new TopicSpec("requests-" + mode, PARTITIONS, Map.of()),
                new TopicSpec("predictions-" + mode, PARTITIONS, Map.of()),
                new TopicSpec("dead-letters-" + mode, PARTITIONS, Map.of()));
    }

    /** Requests sent: {@link #REQUESTS} fresh ones ({@code fresh-<i>}), one a day old ({@code stale}, its bytes kept). */
    private record Sent(List<String> fresh, byte[] staleValue) {}

    @Test
    @Timeout(180)
    void atLeastOnceIsVisibleToReadCommittedReadersWithoutACheckpoint() throws Exception {
        ScoringConfig config = config("alo", Delivery.AT_LEAST_ONCE);
        JobClient job = start(config);
        try {
            Sent sent = sendRequests("alo");

            List<Prediction> predictions;
            try (CommittedRecords out = KAFKA.committed("alo-verify", "predictions-alo")) {
                out.awaitCount(REQUESTS, Duration.ofSeconds(60));
                predictions = out.values(KAFKA.avroDeserializer(Prediction.class));
            }
            assertThat(predictions)
                    .extracting(p -> p.getRequestId().toString())
                    .containsExactlyInAnyOrderElementsOf(sent.fresh());
            List<ConsumerRecord<byte[], byte[]>> dead;
            try (CommittedRecords out = KAFKA.committed("alo-verify-dlq", "dead-letters-alo")) {
                dead = out.awaitCount(1, Duration.ofSeconds(60)).records();
            }
            assertDeadlineDeadLetter(dead, sent, "requests-alo");
            assertThat(committedOffsets(config.groupId() + ".requests-alo"))
                    .as("no checkpoint completed: the source commits offsets only on one")
                    .isEmpty();
        } finally {
            job.cancel().get();
        }
    }

    @Test
    @Timeout(180)
    void exactlyOnceIsVisibleToReadCommittedReadersOnlyAfterTheCheckpoint(@InjectMiniCluster MiniCluster mini)
            throws Exception {
        ScoringConfig config = config("eo", Delivery.EXACTLY_ONCE);
        JobClient job = start(config);
        try {
            Sent sent = sendRequests("eo");

            // written, in transactions not yet committed
            try (CommittedRecords written = new CommittedRecords(readUncommitted("eo-written"), "predictions-eo")) {
                written.awaitCount(REQUESTS, Duration.ofSeconds(60));
            }
            try (CommittedRecords written =
                    new CommittedRecords(readUncommitted("eo-written-dlq"), "dead-letters-eo")) {
                written.awaitCount(1, Duration.ofSeconds(60));
            }
            assertThat(readCommittedEndOffsets("predictions-eo"))
                    .as("the last stable offset stays before the open transactions")
                    .isZero();
            assertThat(readCommittedEndOffsets("dead-letters-eo")).isZero();

            mini.triggerCheckpoint(job.getJobID(), CheckpointType.FULL).get(60, TimeUnit.SECONDS);

            try (CommittedRecords out = KAFKA.committed("eo-verify", "predictions-eo")) {
                assertThat(out.awaitCount(REQUESTS, Duration.ofSeconds(60))
                                .values(KAFKA.avroDeserializer(Prediction.class)))
                        .extracting(p -> p.getRequestId().toString())
                        .containsExactlyInAnyOrderElementsOf(sent.fresh());
            }
            try (CommittedRecords out = KAFKA.committed("eo-verify-dlq", "dead-letters-eo")) {
                assertDeadlineDeadLetter(
                        out.awaitCount(1, Duration.ofSeconds(60)).records(), sent, "requests-eo");
            }
        } finally {
            job.cancel().get();
        }
    }

    private static ScoringConfig config(String mode, Delivery delivery) {
        return ScoringConfig.builder()
                .kafka(KAFKA.bootstrapServers(), KAFKA.registryUrl())
                .batching(16, Duration.ofMillis(5))
                .parallelism(2)
                .checkpointInterval(NEVER)
                .delivery(delivery)
                .requestDeadline(NEVER) // generous: only the day-old request can be past it, however slow the machine
                .groupId("delivery-it-" + mode)
                .transactionalIdPrefix("delivery-it-" + mode)
                .requestsStartingOffsets(ScoringConfig.RequestOffsets.EARLIEST)
                .set(ScoringConfig.TOPIC_SCORING_REQUESTS, "requests-" + mode)
                .set(ScoringConfig.TOPIC_PREDICTIONS, "predictions-" + mode)
                .set(ScoringConfig.TOPIC_DEAD_LETTERS, "dead-letters-" + mode)
                .build();
    }

    private static JobClient start(ScoringConfig config) throws Exception {
        ScoringKafka kafka = ScoringKafka.of(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringJob.builder(config)
                .requests(kafka.requests())
                .features(kafka.userFeatures(), kafka.items())
                .predictions(kafka.predictions(config.transactionalIdPrefix()))
                .deadLetters(kafka.deadLetters(config.transactionalIdPrefix() + "-dlq"))
                .scorer(new Fixtures.FakeScorerFactory("delivery-it-" + config.delivery()))
                .build()
                .build(env);
        // the first periodic checkpoint comes a random delay in [min pause, interval] after the start: here 10 min
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(NEVER.toMillis());
        return env.executeAsync(config.jobName());
    }

    private static Sent sendRequests(String mode) {
        TandemAvroSerializer<ScoringRequest> ser = KAFKA.avroSerializer();
        String topic = "requests-" + mode;
        List<String> fresh = new ArrayList<>();
        byte[] staleValue = null;
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.rawProducer()) {
            for (int i = 0; i < REQUESTS; i++) {
                if (i == REQUESTS / 2) { // in the middle of the fresh ones, so it may share a batch with some
                    long dayOld = Instant.now().minus(Duration.ofDays(1)).toEpochMilli();
                    staleValue = send(producer, ser, topic, Fixtures.request("stale", "u-stale", dayOld, "i1", "i2"));
                }
                String id = "fresh-" + i;
                fresh.add(id);
                send(producer, ser, topic, Fixtures.request(id, "u" + i % 7, System.currentTimeMillis(), "i1", "i2"));
            }
            producer.flush();
        }
        return new Sent(fresh, staleValue);
    }

    private static byte[] send(
            KafkaProducer<byte[], byte[]> producer,
            TandemAvroSerializer<ScoringRequest> ser,
            String topic,
            ScoringRequest r) {
        byte[] value = ser.serialize(topic, r);
        producer.send(new ProducerRecord<>(topic, r.getUserId().toString().getBytes(StandardCharsets.UTF_8), value));
        return value;
    }

    private static void assertDeadlineDeadLetter(
            List<ConsumerRecord<byte[], byte[]>> dead, Sent sent, String requestsTopic) {
        assertThat(dead).singleElement().satisfies(rec -> {
            assertThat(header(rec, DeadLetterHeaders.REASON)).isEqualTo("deadline");
            assertThat(header(rec, DeadLetterHeaders.TOPIC)).isEqualTo(requestsTopic);
            assertThat(header(rec, DeadLetterHeaders.ERROR_MESSAGE)).contains("stale", "deadline");
            assertThat(CommittedRecords.key(rec)).isEqualTo("u-stale");
            assertThat(rec.value()).isEqualTo(sent.staleValue());
        });
    }

    private static Properties readUncommitted(String group) {
        Properties p = KAFKA.consumerProps(group);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return p;
    }

    /** What a read_committed reader may read of {@code topic}: the sum of its partitions' last stable offsets. */
    private static long readCommittedEndOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                KAFKA.consumerProps("end-offsets"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) parts.add(new TopicPartition(topic, p));
            return c.endOffsets(parts).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    /** The partitions {@code group} has committed offsets for (none when the group was never created). */
    private static Set<TopicPartition> committedOffsets(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            return admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS)
                    .keySet();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) return Set.of();
            throw e;
        }
    }
}
