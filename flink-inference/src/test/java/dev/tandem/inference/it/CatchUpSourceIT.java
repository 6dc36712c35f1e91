package dev.tandem.inference.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.CatchUpSource;
import dev.tandem.schemas.topics.TopicSpec;
import dev.tandem.testkit.CommittedRecords;
import dev.tandem.testkit.TandemClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CatchUpSource} on the real broker and Flink runtime: a job reads a topic through it into an exactly-once
 * Kafka sink, with checkpoints every 200 ms but never while it catches up (interval during backlog 1 h). It is
 * stopped with a savepoint in the middle of the catch-up, more records are written, and the job is restored from the
 * savepoint: it must finish the catch-up where the savepoint's offsets say, go on from exactly there, and
 * checkpoint at the normal interval again. Every record comes out exactly once, the ones written while it was down
 * and after it came back included; a second leg that started from the end offsets at the restart would lose the
 * records written while it was down.
 */
class CatchUpSourceIT {
    private static final String IN = "catch-up-in";
    private static final String OUT = "catch-up-out";
    private static final int BEFORE = 20_000;
    private static final int WHILE_DOWN = 2_000;
    private static final int AFTER = 500;

    @RegisterExtension
    static final TandemClusterExtension KAFKA = new TandemClusterExtension()
            .withoutRegistry()
            .withoutPlatformTopics()
            .withTopics(new TopicSpec(IN, 2, Map.of()), new TopicSpec(OUT, 1, Map.of()));

    /**
     * Per record in the first run, so that the catch-up lasts seconds (~5 s per subtask) and the savepoint is
     * taken inside it; a throttle, not a synchronization: the test waits on the records it sees.
     */
    static volatile long throttleNanos;

    @Test
    @Timeout(240)
    void aRestoreInTheMiddleOfTheCatchUpLosesAndRepeatsNothingAndCheckpointsOnlyAfterIt(@TempDir Path dir)
            throws Exception {
        send(0, BEFORE);
        throttleNanos = 500_000;
        JobClient first = start(null);
        String savepoint;
        int committedAtSavepoint;
        try (CommittedRecords committed = KAFKA.committed("catch-up-it-committed", OUT);
                CommittedRecords written = new CommittedRecords(uncommitted(), OUT)) {
            written.awaitCount(1_000, Duration.ofSeconds(60));
            assertThat(lastStableOffset())
                    .as("no transaction committed while the job catches up (they commit on checkpoints), although "
                            + written.size() + " outputs are written")
                    .isZero();
            savepoint = first.stopWithSavepoint(false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
            // a local environment's cluster ends with its job: the result says the job finished, not failed
            first.getJobExecutionResult().get(30, TimeUnit.SECONDS);
            committedAtSavepoint = committed
                    .drainUntilQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30))
                    .size();
        }
        assertThat(committedAtSavepoint)
                .as("the savepoint was taken in the middle of the catch-up")
                .isBetween(1_000, BEFORE - 1);

        send(BEFORE, BEFORE + WHILE_DOWN);
        throttleNanos = 0;
        JobClient second = start(savepoint);
        try (CommittedRecords committed = KAFKA.committed("catch-up-it-after", OUT)) {
            committed.awaitCount(BEFORE + WHILE_DOWN, Duration.ofSeconds(120));
            send(BEFORE + WHILE_DOWN, BEFORE + WHILE_DOWN + AFTER);
            committed.awaitCount(BEFORE + WHILE_DOWN + AFTER, Duration.ofSeconds(60));
            committed.drainUntilQuiet(Duration.ofSeconds(2), Duration.ofSeconds(30));
            List<String> values = committed.values(new StringDeserializer());
            Set<String> expected = new HashSet<>();
            IntStream.range(0, BEFORE + WHILE_DOWN + AFTER).forEach(i -> expected.add("r" + i));
            assertThat(values).as("every record once").hasSize(expected.size());
            assertThat(new HashSet<>(values)).isEqualTo(expected);
        } finally {
            second.cancel().get();
        }
    }

    private static void send(int from, int to) {
        try (KafkaProducer<byte[], byte[]> p = KAFKA.rawProducer()) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(IN, bytes("k" + i), bytes("r" + i)));
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Properties uncommitted() {
        Properties p = KAFKA.consumerProps("catch-up-it-written");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return p;
    }

    /** Where a read_committed reader of {@link #OUT} must stop: 0 until the first transaction commits. */
    private static long lastStableOffset() {
        TopicPartition out = new TopicPartition(OUT, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                KAFKA.consumerProps("catch-up-it-lso"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return c.endOffsets(List.of(out)).get(out);
        }
    }

    private static JobClient start(String savepoint) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.setString(ScoringJob.BACKLOG_INTERVAL_KEY, "1 h");
        if (savepoint != null) conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        env.enableCheckpointing(200);
        String bootstrap = KAFKA.bootstrapServers();
        CatchUpSource.Builder<String> topic = start -> KafkaSource.<String>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(IN)
                .setGroupId("catch-up-it")
                .setStartingOffsets(start)
                .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(StringDeserializer.class))
                .setProperty("isolation.level", "read_committed");
        Properties producer = new Properties();
        producer.setProperty("transaction.timeout.ms", "60000");
        env.fromSource(CatchUpSource.of(topic), WatermarkStrategy.noWatermarks(), "in", Types.STRING)
                .uid("in")
                .map(new Throttle())
                .uid("throttle")
                .sinkTo(KafkaSink.<String>builder()
                        .setBootstrapServers(bootstrap)
                        .setKafkaProducerConfig(producer)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix("catch-up-it")
                        .setRecordSerializer(KafkaRecordSerializationSchema.<String>builder()
                                .setTopic(OUT)
                                .setValueSerializationSchema(new SimpleStringSchema())
                                .build())
                        .build())
                .uid("out");
        return env.executeAsync("catch-up-it");
    }

    private static final class Throttle implements MapFunction<String, String> {
        @Override
        public String map(String value) {
            long n = throttleNanos;
            if (n > 0) LockSupport.parkNanos(n);
            return value;
        }
    }
}
