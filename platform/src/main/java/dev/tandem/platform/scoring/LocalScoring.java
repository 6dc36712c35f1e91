package dev.tandem.platform.scoring;

import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.model.features.FeatureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink scoring job ({@code flink-inference}) in a local MiniCluster in this JVM, on Kafka:
 * {@code scoring-requests} + {@code user-features} + {@code items} ─▶ {@code predictions} and
 * {@code dead-letters}, both exactly once. Used by {@code tandem score} and the demo.
 */
public final class LocalScoring implements AutoCloseable {
    public static final String GROUP_ID = "tandem-scoring";
    public static final String TRANSACTIONAL_ID_PREFIX = "tandem-scoring";
    public static final String DLQ_TRANSACTIONAL_ID_PREFIX = "tandem-scoring-dlq";

    private final JobClient client;

    private LocalScoring(JobClient client) {
        this.client = client;
    }

    /** Submits the job to a fresh local MiniCluster (restart strategy none: a failure ends the job, and {@link #failure} says why). */
    public static LocalScoring start(String bootstrap, String registryUrl, ScoringConfig config) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("restart-strategy.type", "none");
        int parallelism = Math.max(1, config.parallelism());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        ScoringKafka kafka = new ScoringKafka(bootstrap, registryUrl, GROUP_ID);
        new ScoringJob(kafka.requests(), kafka.userFeatures(), kafka.items(), kafka.predictions(TRANSACTIONAL_ID_PREFIX),
                kafka.deadLetters(DLQ_TRANSACTIONAL_ID_PREFIX), registryUrl, config).build(env);
        return new LocalScoring(env.executeAsync(config.jobName()));
    }

    /** Loads the model, scores one padding row, and closes it: any reason it cannot be served, as an exception. */
    public static void check(Path modelDir, List<String> stages) throws Exception {
        try (TfBatchScorer s = TfBatchScorer.load(modelDir, stages)) {
            s.warmUp(1);
        }
    }

    /**
     * {@code models/NAME/VERSION} when {@code nameVersion} is given, else the most recently exported
     * model under {@code models} (by its {@code feature-spec.json}); empty when there is none.
     */
    public static Optional<Path> resolveModel(Path models, String nameVersion) throws IOException {
        if (nameVersion != null) {
            Path dir = models.resolve(nameVersion);
            return Files.isRegularFile(dir.resolve(FeatureSpec.FILE_NAME)) ? Optional.of(dir) : Optional.empty();
        }
        try (Stream<Path> names = Files.list(models)) {
            return names.filter(Files::isDirectory).flatMap(LocalScoring::versions)
                    .filter(v -> Files.isRegularFile(v.resolve(FeatureSpec.FILE_NAME)))
                    .max(Comparator.comparingLong(v -> v.resolve(FeatureSpec.FILE_NAME).toFile().lastModified()));
        }
    }

    private static Stream<Path> versions(Path name) {
        try (Stream<Path> s = Files.list(name)) {
            return s.filter(Files::isDirectory).toList().stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    /**
     * Waits until the job has read every committed record {@code topic} has now, as its source's
     * committed offsets show (committed on each checkpoint). True when caught up within {@code timeout}.
     * The source commits "last record read + 1", which on a transactionally written topic is short of
     * the end offset (the last commit marker), so the target is found by reading the tail.
     */
    public boolean awaitCaughtUp(String bootstrap, String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG, "tandem-scoring-progress"))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            Map<TopicPartition, Long> end = afterLastRecord(bootstrap, ends);
            while (System.nanoTime() < deadline) {
                if (failure().isPresent()) {
                    return false;
                }
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP_ID + "." + topic)
                        .partitionsToOffsetAndMetadata().get();
                boolean caughtUp = end.entrySet().stream().allMatch(e -> {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    return (c == null ? 0 : c.offset()) >= e.getValue();
                });
                if (caughtUp) {
                    return true;
                }
                Thread.sleep(100);
            }
            return false;
        }
    }

    /** Per partition, the offset after its last committed record (0 when it has none below {@code ends}). */
    private static Map<TopicPartition, Long> afterLastRecord(String bootstrap, Map<TopicPartition, Long> ends) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "tandem-scoring-progress");
        Map<TopicPartition, Long> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                TopicPartition tp = e.getKey();
                long endOffset = e.getValue();
                long last = -1;
                for (long from : new long[] {Math.max(0, endOffset - 64), 0}) {
                    c.assign(List.of(tp));
                    c.seek(tp, from);
                    while (c.position(tp) < endOffset) {
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                            if (r.offset() < endOffset) last = Math.max(last, r.offset());
                        }
                    }
                    if (last >= 0 || from == 0) break;
                }
                out.put(tp, last + 1);
            }
        }
        return out;
    }

    /** The job's status, or null when it cannot be asked. */
    public JobStatus status() {
        try {
            return client.getJobStatus().get();
        } catch (Exception e) {
            return null;
        }
    }

    /** Why the job ended, when it ended on its own (failed or finished); empty while it runs. */
    public Optional<String> failure() {
        JobStatus s = status();
        if (s == null || !s.isGloballyTerminalState()) {
            return Optional.empty();
        }
        try {
            client.getJobExecutionResult().get();
            return Optional.of("the scoring job ended (" + s + ")");
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return Optional.of("the scoring job " + s + ": " + t);
        }
    }

    /**
     * Cancels the job (uncommitted transactions are aborted) and waits up to {@code timeout} until it
     * has ended and its MiniCluster has shut down.
     */
    public void stop(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus s = status();
        if (s != null && !s.isGloballyTerminalState()) {
            client.cancel().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            client.getJobExecutionResult().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // cancelled or failed: ended either way
        }
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(30));
    }
}
