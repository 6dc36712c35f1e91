package dev.tandem.bench.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.bench.CommittedTopic;
import dev.tandem.inference.ScoringRunner;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.kafka.CatchUpSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A streaming job the scoring bench drives, each in a local MiniCluster of its own: the real scoring job
 * ({@link ScoringBenchJob}) or its Flink-only reference ({@link BareFlinkJob}). What they share: the environment, how
 * their sources read the bench's topics, the wait until the features are loaded, the failure check and the stop.
 */
public abstract class BenchJob implements AutoCloseable {
    private final JobClient client;
    private final int restPort;
    private final String bootstrap;
    private final String group;
    private final List<String> loadedTopics;

    /**
     * @param group        the run's group prefix: a source of topic {@code t} commits its offsets as {@code group.t}
     * @param loadedTopics what {@link #awaitFeaturesLoaded} waits for
     */
    BenchJob(JobClient client, int restPort, String bootstrap, String group, List<String> loadedTopics) {
        this.client = client;
        this.restPort = restPort;
        this.bootstrap = bootstrap;
        this.group = group;
        this.loadedTopics = List.copyOf(loadedTopics);
    }

    /** A local environment and the port of its MiniCluster's REST endpoint, where {@link #checkpoints} reads. */
    record LocalEnvironment(StreamExecutionEnvironment env, int restPort) {}

    /**
     * A local environment with the app's Flink settings for {@code config} ({@code ScoringRunner.flinkConfiguration}:
     * {@code flink.*}, parallelism, checkpoints to {@code scoring.checkpoint.dir} if set, else in the job manager's
     * memory), always starting fresh, restart strategy none (a failure ends the run), and its REST endpoint on a free
     * loopback port.
     */
    static LocalEnvironment localEnvironment(ScoringConfig config) throws IOException {
        return localEnvironment(config, ScoringRunner.Restore.fresh("a bench run"));
    }

    /** As {@link #localEnvironment(ScoringConfig)}, starting from {@code restore} (a checkpoint or savepoint). */
    static LocalEnvironment localEnvironment(ScoringConfig config, ScoringRunner.Restore restore) throws IOException {
        Configuration conf = ScoringRunner.flinkConfiguration(config, restore);
        conf.setString("restart-strategy.type", "none");
        // checkpointsSince reads the history: the default keeps only the last 10
        conf.setString("web.checkpoints.history", Integer.toString(CHECKPOINT_HISTORY));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, port);
        conf.set(RestOptions.BIND_PORT, Integer.toString(port));
        return new LocalEnvironment(
                StreamExecutionEnvironment.createLocalEnvironment(Math.max(1, config.parallelism()), conf), port);
    }

    /**
     * The job's checkpoints so far, from its REST endpoint ({@code /jobs/:id/checkpoints}): how many completed and
     * failed, and over the completed ones the duration (trigger → all acknowledged) and the bytes each wrote
     * ({@code checkpointed_size}: all state with a heap backend, only new files with incremental RocksDB). Empty if
     * the endpoint does not answer.
     */
    public Optional<CheckpointStats> checkpoints() {
        return checkpointsJson().map(j -> {
            JsonNode d = j.path("summary").path("end_to_end_duration");
            JsonNode b = j.path("summary").path("checkpointed_size");
            JsonNode st = j.path("summary").path("state_size");
            return new CheckpointStats(
                    j.path("counts").path("completed").asLong(),
                    j.path("counts").path("failed").asLong(),
                    d.path("p50").asDouble(),
                    d.path("p99").asDouble(),
                    d.path("max").asDouble(),
                    b.path("avg").asDouble(),
                    st.path("avg").asDouble(),
                    failureOf(j),
                    null);
        });
    }

    /** Checkpoints the REST endpoint keeps in its history, for {@link #checkpointsSince}: 100 s at every 10 ms. */
    static final int CHECKPOINT_HISTORY = 10_000;

    /**
     * As {@link #checkpoints()}, over the checkpoints triggered at or after {@code epochMs} only (a measured window, not
     * the load before it), from the endpoint's history of the last {@value #CHECKPOINT_HISTORY}. Empty if the endpoint
     * does not answer or none completed in the window.
     */
    public Optional<CheckpointStats> checkpointsSince(long epochMs) {
        return checkpointsBetween(epochMs, Long.MAX_VALUE);
    }

    /** As {@link #checkpointsSince}, over the checkpoints triggered at or after {@code fromMs} and before {@code toMs}. */
    public Optional<CheckpointStats> checkpointsBetween(long fromMs, long toMs) {
        return checkpointsJson().flatMap(j -> {
            java.util.List<Double> durations = new java.util.ArrayList<>();
            java.util.List<JsonNode> completed = new java.util.ArrayList<>();
            double written = 0;
            double state = 0;
            long failed = 0;
            for (JsonNode h : j.path("history")) {
                long triggered = h.path("trigger_timestamp").asLong();
                if (triggered < fromMs || triggered >= toMs) continue;
                String status = h.path("status").asText();
                if ("FAILED".equals(status)) failed++;
                if (!"COMPLETED".equals(status)) continue;
                completed.add(h);
                durations.add(h.path("end_to_end_duration").asDouble());
                written += h.path("checkpointed_size").asDouble();
                state += h.path("state_size").asDouble();
            }
            if (durations.isEmpty()) return Optional.empty();
            java.util.Collections.sort(durations);
            int n = durations.size();
            return Optional.of(new CheckpointStats(
                    n,
                    failed,
                    quantile(durations, 0.50),
                    quantile(durations, 0.99),
                    durations.get(n - 1),
                    written / n,
                    state / n,
                    failed > 0 ? failureOf(j) : "",
                    CheckpointPhases.of(completed, this::rest).orElse(null)));
        });
    }

    /** {@code /jobs/:id/checkpoints} of the job's REST endpoint; empty if it does not answer. */
    private Optional<JsonNode> checkpointsJson() {
        return rest("/checkpoints");
    }

    /** GET {@code /jobs/:id} + {@code path} of the job's REST endpoint; empty if it does not answer. */
    private Optional<JsonNode> rest(String path) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + restPort + "/jobs/" + client.getJobID() + path))
                                    .timeout(java.time.Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(new ObjectMapper().readTree(r.body())) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** Nearest rank on sorted values. */
    static double quantile(java.util.List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** The newest failed checkpoint's message, or of the history's newest failed one; "" if none says. */
    private static String failureOf(JsonNode j) {
        String m = j.path("latest").path("failed").path("failure_message").asText("");
        if (!m.isBlank()) return m;
        for (JsonNode h : j.path("history")) {
            if ("FAILED".equals(h.path("status").asText())) {
                m = h.path("failure_message").asText("");
                if (!m.isBlank()) return m;
            }
        }
        JsonNode f = j.path("latest").path("failed");
        return f.isMissingNode() || f.isNull() ? "" : f.toString();
    }

    /**
     * See {@link #checkpoints()}; durations in ms, sizes in bytes (averages over the completed checkpoints); {@code
     * phases} where the slowest spent their time (null from {@link #checkpoints()}, or if the endpoint did not say).
     */
    public record CheckpointStats(
            long completed,
            long failed,
            double durationP50Ms,
            double durationP99Ms,
            double durationMaxMs,
            double checkpointedBytesAvg,
            double stateBytesAvg,
            String lastFailure,
            CheckpointPhases phases) {
        /** {@code checkpoints: 412 completed (0 failed), duration p50 / p99 / max 31 / 95 / 140 ms, 1.2 MB written each, state 1.2 MB} */
        public String describe() {
            return String.format(
                            java.util.Locale.ROOT,
                            "checkpoints: %,d completed (%d failed), duration p50 / p99 / max %.0f / %.0f / %.0f ms, %.2f MB"
                                    + " written each, state %.2f MB",
                            completed,
                            failed,
                            durationP50Ms,
                            durationP99Ms,
                            durationMaxMs,
                            checkpointedBytesAvg / 1e6,
                            stateBytesAvg / 1e6)
                    + (failed > 0 && !lastFailure.isBlank()
                            ? "; the last failed: "
                                    + lastFailure.strip().lines().findFirst().orElse("")
                            : "")
                    + (phases != null ? "; " + phases.describe() : "");
        }
    }

    /** {@link #source(String, String, String, KafkaRecordDeserializationSchema, OffsetsInitializer)} from the earliest offset. */
    static <T> KafkaSource<T> source(
            String bootstrap, String group, String topic, KafkaRecordDeserializationSchema<T> de) {
        return source(bootstrap, group, topic, de, OffsetsInitializer.earliest());
    }

    /** {@code topic} read_committed from {@code from}, offsets committed to {@code group.topic} on each checkpoint. */
    static <T> KafkaSource<T> source(
            String bootstrap,
            String group,
            String topic,
            KafkaRecordDeserializationSchema<T> de,
            OffsetsInitializer from) {
        return builder(bootstrap, group, topic, de).from(from).build();
    }

    /**
     * {@code topic} as the app reads the topics its state is rebuilt from: to the end it has at the start, reported
     * as backlog (Flink checkpoints at its interval during backlog meanwhile), then on ({@link CatchUpSource}).
     */
    static <T> Source<T, ?, ?> catchUp(
            String bootstrap, String group, String topic, KafkaRecordDeserializationSchema<T> de) {
        return CatchUpSource.of(builder(bootstrap, group, topic, de));
    }

    private static <T> CatchUpSource.Builder<T> builder(
            String bootstrap, String group, String topic, KafkaRecordDeserializationSchema<T> de) {
        return from -> KafkaSource.<T>builder()
                .setDeserializer(de)
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                .setGroupId(group + "." + topic)
                .setStartingOffsets(from)
                .setProperty("isolation.level", "read_committed");
    }

    /**
     * Waits until the job has read every record of its features (and items) topics as they are now (their end
     * offsets, as the sources' committed offsets show on a checkpoint): requests sent after that meet every user's
     * features.
     */
    public boolean awaitFeaturesLoaded(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-bench-scoring-progress"))) {
            Map<String, Map<TopicPartition, Long>> ends = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c =
                    CommittedTopic.consumer(bootstrap, "tandem-bench-scoring-progress")) {
                for (String topic : loadedTopics) ends.put(topic, afterLastRecord(c, topic));
            }
            while (System.nanoTime() < deadline) {
                failure().ifPresent(f -> {
                    throw new IllegalStateException(f);
                });
                boolean all = true;
                for (Map.Entry<String, Map<TopicPartition, Long>> e : ends.entrySet()) {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                                    group + "." + e.getKey())
                            .partitionsToOffsetAndMetadata()
                            .get();
                    for (Map.Entry<TopicPartition, Long> pe : e.getValue().entrySet()) {
                        OffsetAndMetadata c = committed.get(pe.getKey());
                        if ((c == null ? 0 : c.offset()) < pe.getValue()) all = false;
                    }
                }
                if (all) return true;
                Thread.sleep(50);
            }
            return false;
        }
    }

    /**
     * Per partition, the offset after its last record a read_committed reader sees: what a source has committed once it
     * read everything. Not the end offset: a topic written in transactions (the features app's) ends with a commit
     * marker, which a reader never reports as its position.
     */
    static Map<TopicPartition, Long> afterLastRecord(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                .map(pi -> new TopicPartition(topic, pi.partition()))
                .toList();
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        Map<TopicPartition, Long> after = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long e = end.get(tp);
            long last = -1;
            // markers come one per transaction: a window of a few hundred offsets holds the last record
            for (long from = Math.max(0, e - 256); last < 0; from = Math.max(0, from - 4096)) {
                c.assign(List.of(tp));
                c.seek(tp, from);
                while (c.position(tp) < e) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) last = r.offset();
                }
                if (from == 0) break;
            }
            after.put(tp, last + 1);
        }
        return after;
    }

    /** Why the job ended, when it ended on its own; empty while it runs. */
    public Optional<String> failure() {
        return ScoringRunner.failure(client);
    }

    /** Cancels the job (open transactions are aborted) and waits for it and its MiniCluster to end. */
    @Override
    public void close() throws Exception {
        try {
            if (!client.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState()) {
                client.cancel().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // already gone
        }
        try {
            client.getJobExecutionResult().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // cancelled or failed: ended either way
        }
    }
}
