package dev.tandem.platform.scoring;

import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The Flink scoring job ({@code flink-inference}) in a local MiniCluster in this JVM ({@link #start}),
 * or submitted to a running Flink cluster ({@link #submit}), on Kafka: {@code scoring-requests} +
 * {@code user-features} + {@code items} ─▶ {@code predictions} and {@code dead-letters} (bad records of
 * all three inputs), both exactly once. Used by {@code tandem score} and the demo.
 */
public final class LocalScoring implements AutoCloseable {
    public static final String GROUP_ID = "tandem-scoring";
    public static final String TRANSACTIONAL_ID_PREFIX = "tandem-scoring";
    public static final String DLQ_TRANSACTIONAL_ID_PREFIX = "tandem-scoring-dlq";
    public static final String SHADOW_TRANSACTIONAL_ID_PREFIX = "tandem-scoring-shadow";

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
        job(bootstrap, registryUrl, config).build(env);
        return new LocalScoring(env.executeAsync(config.jobName()));
    }

    /**
     * Submits the job to the running Flink cluster whose JobManager REST endpoint is {@code jobManager}
     * ({@code host:port}), shipping {@code jars} with it: the job's classes and libraries (Flink's own
     * come from the cluster; see {@link #classpathJars}). The cluster's restart strategy applies, so a
     * failure restarts the job from its last checkpoint. {@link #stop} cancels it on the cluster.
     *
     * @throws IllegalArgumentException when {@code jobManager} is not {@code host:port}
     * @throws IllegalStateException    when no Flink REST endpoint answers there (one-line message)
     */
    public static LocalScoring submit(String jobManager, List<Path> jars, String bootstrap, String registryUrl, ScoringConfig config) throws Exception {
        JobManager jm = JobManager.parse(jobManager);
        flinkVersion(jm, PROBE_TIMEOUT);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(jm.host(), jm.port(), new Configuration(),
                jars.stream().map(j -> j.toAbsolutePath().toString()).toArray(String[]::new));
        job(bootstrap, registryUrl, config).build(env);
        return new LocalScoring(env.executeAsync(config.jobName()));
    }

    /** How long {@link #flinkVersion} waits for the JobManager. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    /** A JobManager's REST address. */
    public record JobManager(String host, int port) {
        /** {@code host:port}, e.g. {@code localhost:8081}. */
        public static JobManager parse(String hostPort) {
            int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
            String host = colon > 0 ? hostPort.substring(0, colon) : "";
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(hostPort.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isBlank() || port < 1 || port > 65_535) {
                throw new IllegalArgumentException("--jobmanager must be HOST:PORT, the JobManager's REST address (e.g. localhost:8081), was '"
                        + hostPort + "'");
            }
            return new JobManager(host, port);
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /**
     * The Flink version the JobManager at {@code jm} reports ({@code GET /config}); an
     * {@link IllegalStateException} with one line when nothing, or something that is not Flink's REST
     * API, answers within {@code timeout}. Submitting to a dead address would otherwise retry for minutes.
     */
    public static String flinkVersion(JobManager jm, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + jm + "/config")).timeout(timeout).GET().build();
        HttpResponse<String> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IllegalStateException("cannot reach the Flink JobManager at " + jm + " (connection refused): is the cluster up, and is "
                    + jm.port() + " its REST port (rest.port, default 8081)?");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IllegalStateException("cannot reach the Flink JobManager at " + jm + " (no answer within " + timeout.toMillis() + " ms)");
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot reach the Flink JobManager at " + jm + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reaching the Flink JobManager at " + jm);
        }
        Matcher m = FLINK_VERSION.matcher(res.body());
        if (res.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException(jm + " answers, but not as a Flink JobManager's REST API (GET /config: HTTP " + res.statusCode() + ")");
        }
        return m.group(1);
    }

    private static final Pattern FLINK_VERSION = Pattern.compile("\"flink-version\"\\s*:\\s*\"([^\"]+)\"");

    /**
     * The jars to ship with a remote job by default: every jar on this JVM's class path except Flink's
     * runtime ({@code flink-*}, which the cluster has; connectors and formats, which it has not, are kept).
     */
    public static List<Path> classpathJars() {
        return Stream.of(System.getProperty("java.class.path", "").split(java.io.File.pathSeparator))
                .filter(e -> e.endsWith(".jar"))
                .map(Path::of)
                .filter(Files::isRegularFile)
                .filter(j -> {
                    String n = j.getFileName().toString();
                    return !n.startsWith("flink-") || n.startsWith("flink-connector-") || n.startsWith("flink-avro");
                })
                .toList();
    }

    /**
     * Every input read raw and decoded in the job, so bad records of all three reach dead-letters; the
     * model follows {@code model-control} (a fresh start replays it, so the last activated model serves).
     */
    private static ScoringJob job(String bootstrap, String registryUrl, ScoringConfig config) {
        ScoringKafka kafka = new ScoringKafka(bootstrap, registryUrl, GROUP_ID);
        return ScoringJob.ofRawRecords(kafka.requests(), kafka.rawUserFeatures(), kafka.rawItems(), kafka.predictions(TRANSACTIONAL_ID_PREFIX),
                        kafka.deadLetters(DLQ_TRANSACTIONAL_ID_PREFIX), registryUrl, config)
                .withModelControl(kafka.modelControl(), kafka.predictions(TandemTopics.PREDICTIONS_SHADOW, SHADOW_TRANSACTIONAL_ID_PREFIX));
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
