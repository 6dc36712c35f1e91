package dev.tandem.platform.scoring;

import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.platform.kafka.AvroSerdes;
import dev.tandem.schemas.Candidate;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.ScoringRequest;
import dev.tandem.schemas.UserFeatures;
import dev.tandem.schemas.registry.SchemaRegistryClient;
import dev.tandem.schemas.registry.SchemaRegistryClients;
import dev.tandem.schemas.serde.TandemAvroDeserializer;
import dev.tandem.schemas.serde.TandemAvroSerializer;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
        return ScoringJob.builder(config.toBuilder().kafka(bootstrap, registryUrl).build())
                .requests(kafka.requests()).rawFeatures(kafka.rawUserFeatures(), kafka.rawItems())
                .predictions(kafka.predictions(TRANSACTIONAL_ID_PREFIX)).deadLetters(kafka.deadLetters(DLQ_TRANSACTIONAL_ID_PREFIX))
                .modelControl(kafka.modelControl(), kafka.predictions(TandemTopics.PREDICTIONS_SHADOW, SHADOW_TRANSACTIONAL_ID_PREFIX))
                .build();
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

    /** Request id prefix of {@link #awaitUserFeaturesRead}'s probes; no client of the platform sends ids like these. */
    public static final String PROBE_REQUEST_PREFIX = "tandem-probe-";
    /** How often probes of partitions not caught up yet are sent again. */
    static final Duration PROBE_EVERY = Duration.ofMillis(250);

    /**
     * Waits until the job has read every committed record {@code user-features} has now, so requests sent
     * after it are scored with their users' features. True when caught up within {@code timeout}; false on
     * timeout or when the job has ended ({@link #failure}).
     *
     * <p>It asks the job itself: for each partition of {@code user-features} it finds the last committed
     * record (its user and that record's {@code as_of}), sends that user a probe request (id
     * {@code tandem-probe-<partition>-<attempt>-<nonce>}, one candidate) to {@code scoring-requests}, and reads
     * {@code predictions} (read_committed). The job keeps each user's newest features, so a probe's
     * {@code features_as_of >= as_of} shows that partition was read up to its last record. Probes of
     * partitions not caught up are sent again every {@link #PROBE_EVERY}; empty partitions are caught up
     * from the start. Probe predictions stay on {@code predictions}: readers skip ids they did not send.
     *
     * <p>Why not the source's committed offsets: flink-connector-kafka 5.0's {@code KafkaPartitionSplitReader}
     * polls with a fixed 10 s timeout and runs the offset commit queued on its split fetcher only after that
     * poll returns, so on an idle topic the commits lag the job's state by up to 10 s (the demo waited
     * ~13 s for state that was complete ~1.6 s after RUNNING).
     *
     * <p>A partition's probe is its last record that decodes as {@code UserFeatures}: tombstones or
     * undecodable records after it (rare on this topic) are not waited for.
     */
    public boolean awaitUserFeaturesRead(String bootstrap, String registryUrl, Duration timeout) throws Exception {
        return awaitRead(bootstrap, registryUrl, TandemTopics.USER_FEATURES, timeout);
    }

    /**
     * {@link #awaitUserFeaturesRead} with the probe users taken from {@code featuresTopic}. The job only
     * joins with {@code user-features}, so any other topic never counts as read (tests use this).
     */
    boolean awaitRead(String bootstrap, String registryUrl, String featuresTopic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SchemaRegistryClient registry = SchemaRegistryClients.forUrl(registryUrl, Map.of())) {
            return awaitRead(bootstrap, registryUrl, registry, featuresTopic, deadline);
        }
    }

    private boolean awaitRead(String bootstrap, String registryUrl, SchemaRegistryClient registry, String featuresTopic, long deadline) {
        Map<Integer, UserFeatures> targets = lastFeatures(bootstrap, registry, featuresTopic, deadline);
        if (targets == null) {
            return false;
        }
        Map<String, Object> consumerProps = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "tandem-scoring-probe");
        Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "tandem-scoring-probe", ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
        Set<Integer> pending = new TreeSet<>(targets.keySet());
        Map<String, Integer> probes = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> predictions = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, ScoringRequest> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                     new TandemAvroSerializer<>(registry, false, AvroSerdes.config(registryUrl)))) {
            List<TopicPartition> out = predictions.partitionsFor(TandemTopics.PREDICTIONS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            predictions.assign(out);
            // only predictions of this call's probes count; position() pins "now" before the first probe goes out
            predictions.seekToEnd(out);
            out.forEach(predictions::position);
            TandemAvroDeserializer<Prediction> de = new TandemAvroDeserializer<>(Prediction.class, registry, false);
            long nextSend = System.nanoTime();
            for (int attempt = 0; !pending.isEmpty(); ) {
                if (failure().isPresent() || System.nanoTime() >= deadline) {
                    return false;
                }
                if (System.nanoTime() >= nextSend) {
                    for (int p : pending) {
                        UserFeatures f = targets.get(p);
                        String id = PROBE_REQUEST_PREFIX + p + "-" + attempt + "-" + nonce;
                        probes.put(id, p);
                        producer.send(new ProducerRecord<>(TandemTopics.SCORING_REQUESTS, f.getUserId(), probe(id, f)));
                    }
                    producer.flush();
                    attempt++;
                    nextSend = System.nanoTime() + PROBE_EVERY.toNanos();
                }
                for (ConsumerRecord<byte[], byte[]> rec : predictions.poll(Duration.ofMillis(50))) {
                    Prediction pr;
                    try {
                        pr = de.deserialize(rec.topic(), rec.value());
                    } catch (RuntimeException e) {
                        continue; // not ours to judge: whoever reads predictions reports it
                    }
                    Integer p = pr == null ? null : probes.get(pr.getRequestId());
                    if (p != null && pr.getFeaturesAsOf() != null && !pr.getFeaturesAsOf().isBefore(targets.get(p).getAsOf())) {
                        pending.remove(p);
                    }
                }
            }
            return true;
        }
    }

    /** A probe for {@code f}'s user: one candidate, the item of their last event (any id would do). */
    private static ScoringRequest probe(String id, UserFeatures f) {
        String item = f.getEvents().isEmpty() ? PROBE_REQUEST_PREFIX + "item" : f.getEvents().get(f.getEvents().size() - 1).getItemId();
        return ScoringRequest.newBuilder().setRequestId(id).setUserId(f.getUserId()).setRequestTime(Instant.now())
                .setCandidates(List.of(Candidate.newBuilder().setItemId(item).build())).build();
    }

    /**
     * Per non-empty partition of {@code topic}, its last committed record that decodes as {@code UserFeatures}
     * (read_committed, up to the last stable offset now); null when {@code deadline} passes first. The tail
     * is read first, the whole partition only when the tail holds none (a transactionally written topic
     * has commit markers between records).
     */
    private static Map<Integer, UserFeatures> lastFeatures(String bootstrap, SchemaRegistryClient registry, String topic, long deadline) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.CLIENT_ID_CONFIG, "tandem-scoring-progress");
        TandemAvroDeserializer<UserFeatures> de = new TandemAvroDeserializer<>(UserFeatures.class, registry, false);
        Map<Integer, UserFeatures> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            // read_committed: the last stable offset, so no read below waits on an open transaction
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                long endOffset = ends.get(tp);
                UserFeatures last = null;
                long lastOffset = -1;
                for (long from : new long[] {Math.max(0, endOffset - 64), 0}) {
                    c.assign(List.of(tp));
                    c.seek(tp, from);
                    while (c.position(tp) < endOffset) {
                        if (System.nanoTime() >= deadline) return null;
                        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                            if (r.offset() >= endOffset || r.offset() < lastOffset || r.value() == null) continue;
                            try {
                                UserFeatures f = de.deserialize(topic, r.value());
                                if (f != null) {
                                    last = f;
                                    lastOffset = r.offset();
                                }
                            } catch (RuntimeException e) {
                                // a bad record: the job sends it to dead-letters, it changes no user's state
                            }
                        }
                    }
                    if (last != null || from == 0) break;
                }
                if (last != null) out.put(tp.partition(), last);
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
