package dev.tandem.platform.scoring;

import dev.tandem.inference.ScoringApp;
import dev.tandem.inference.ScoringRunner;
import dev.tandem.inference.core.TfBatchScorer;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;

/**
 * Launches the scoring app of {@code flink-inference} for {@code tandem score} and the demo, and keeps a handle on
 * its job: {@link #start} runs it in a local MiniCluster in this JVM (the app's own {@link ScoringRunner}: the same
 * Kafka sources and sinks, offsets and checkpoint resume, with restart strategy none, so a failure ends the job and
 * {@link #failure} says why); {@link #submit} uploads the job jar to a running Flink cluster and runs its
 * {@link ScoringApp} with the configuration as program arguments, as {@code flink run} would.
 *
 * <p>Why in this JVM rather than a child JVM: the job keeps its state on the heap (no RocksDB backend is on the
 * class path, so nothing clashes with Kafka Streams' {@code rocksdbjni}), the demo needs the job's status and
 * failure as they happen, a {@code kill -9} of the CLI cannot orphan a child, and the JVM that trained or checked
 * the model already has TensorFlow's natives loaded.
 */
public final class LocalScoring implements AutoCloseable {
    /** How long {@link #flinkVersion} waits for the JobManager. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    /** A running job, local or on a cluster. */
    private interface Handle {
        JobStatus status();

        /** Why the job ended, once it has ended (failed, or finished on its own); empty while it runs. */
        Optional<String> failure();

        void stop(Duration timeout) throws Exception;
    }

    private final Handle job;
    private final ScoringConfig config;
    private final Optional<ScoringRunner.Restore> restore;

    private LocalScoring(Handle job, ScoringConfig config, Optional<ScoringRunner.Restore> restore) {
        this.job = job;
        this.config = config;
        this.restore = restore;
    }

    /**
     * Runs the app's job in a fresh local MiniCluster, resuming from the newest completed checkpoint in
     * {@code config.checkpointDir()} if there is one ({@link #restore()} says which).
     */
    public static LocalScoring start(ScoringConfig config) throws Exception {
        Configuration conf = new Configuration();
        conf.setString("restart-strategy.type", "none");
        ScoringRunner.Restore restore = ScoringRunner.restore(config, null);
        JobClient client = ScoringRunner.startLocal(config, restore, conf);
        return new LocalScoring(new LocalHandle(client), config, Optional.of(restore));
    }

    /**
     * Uploads {@code jobJar} to the Flink cluster whose JobManager REST endpoint is {@code jobManager}
     * ({@code host:port}) and runs {@link ScoringApp} from it with {@code config} as {@code --set KEY=VALUE} arguments
     * (the settings that differ from the defaults; the cluster's {@code TANDEM_*} variables apply under them). The
     * cluster's restart strategy and checkpoint settings apply; {@link #stop} cancels the job there.
     *
     * @throws IllegalArgumentException when {@code jobManager} is not {@code host:port}
     * @throws IllegalStateException    when no Flink REST endpoint answers there, or the app refuses to start (one line)
     */
    public static LocalScoring submit(String jobManager, Path jobJar, ScoringConfig config) throws Exception {
        FlinkRest rest = new FlinkRest(JobManager.parse(jobManager), PROBE_TIMEOUT);
        rest.version();
        String jar = rest.upload(jobJar);
        String jobId;
        try {
            jobId = rest.run(jar, ScoringApp.class.getName(), programArguments(config));
        } finally {
            rest.delete(jar);
        }
        return new LocalScoring(new RemoteHandle(rest, jobId), config, Optional.empty());
    }

    /** {@code --set KEY=VALUE} for every setting that differs from the defaults. */
    static List<String> programArguments(ScoringConfig config) {
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, String> e : config.changes().entrySet()) {
            args.add("--set");
            args.add(e.getKey() + "=" + e.getValue());
        }
        return args;
    }

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
                throw new IllegalArgumentException(
                        "--jobmanager must be HOST:PORT, the JobManager's REST address (e.g. localhost:8081), was '"
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
        return new FlinkRest(jm, timeout).version();
    }

    /**
     * The job jar built next to the scoring app's classes: {@code flink-inference/target/*-job.jar} beside
     * {@code target/classes} or beside the module's jar, or, from {@code platform/target/lib/} (how {@code ./tandem}
     * runs), in the source tree's {@code flink-inference/target/}; empty when none was built, or only one older than
     * the classes (a build with {@code -Dtandem.skipJobJar} leaves the last one behind: it must not be shipped).
     */
    public static Optional<Path> jobJar() {
        Path origin;
        try {
            origin = Path.of(ScoringApp.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException | NullPointerException | SecurityException e) {
            return Optional.empty();
        }
        long built = (Files.isDirectory(origin)
                        ? origin.resolve(ScoringApp.class.getName().replace('.', '/') + ".class")
                        : origin)
                .toFile()
                .lastModified();
        List<Path> dirs = new ArrayList<>();
        dirs.add(origin.getParent()); // target/classes → target; a jar → its directory
        Path lib = origin.getParent();
        if (!Files.isDirectory(origin)
                && lib != null
                && lib.getParent() != null
                && lib.getParent().getParent() != null
                && lib.getParent().getParent().getParent() != null) {
            dirs.add(lib.getParent()
                    .getParent()
                    .getParent()
                    .resolve("flink-inference")
                    .resolve("target")); // platform/target/lib → root
        }
        for (Path d : dirs) {
            if (d == null || !Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                Optional<Path> jar = s.filter(
                                p -> p.getFileName().toString().matches("tandem-flink-inference-.*-job\\.jar"))
                        .filter(p -> p.toFile().lastModified() >= built)
                        .max(Comparator.comparingLong(p -> p.toFile().lastModified()));
                if (jar.isPresent()) return jar;
            } catch (IOException e) {
                // not readable: look further
            }
        }
        return Optional.empty();
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
            return names.filter(Files::isDirectory)
                    .flatMap(LocalScoring::versions)
                    .filter(v -> Files.isRegularFile(v.resolve(FeatureSpec.FILE_NAME)))
                    .max(Comparator.comparingLong(
                            v -> v.resolve(FeatureSpec.FILE_NAME).toFile().lastModified()));
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
     * Waits until the job has read every committed record {@code user-features} has now, so requests sent after it
     * are scored with their users' features: probe requests ask the job itself ({@link FeaturesProbe}). True when
     * caught up within {@code timeout}; false on timeout or when the job has ended ({@link #failure}).
     */
    public boolean awaitUserFeaturesRead(String bootstrap, String registryUrl, Duration timeout) throws Exception {
        return awaitUserFeaturesRead(new KafkaEndpoints(bootstrap, registryUrl), timeout);
    }

    /** The same, the probes using {@code endpoints}' client settings (a secured cluster's principal). */
    public boolean awaitUserFeaturesRead(KafkaEndpoints endpoints, Duration timeout) throws Exception {
        return new FeaturesProbe(config.topics(), this::failure, endpoints.clientProperties())
                .awaitUserFeaturesRead(endpoints.bootstrapServers(), endpoints.registryUrl(), timeout);
    }

    /**
     * {@link #awaitUserFeaturesRead} with the probe users taken from {@code featuresTopic}. The job only
     * joins with {@code user-features}, so any other topic never counts as read (tests use this).
     */
    boolean awaitRead(String bootstrap, String registryUrl, String featuresTopic, Duration timeout) throws Exception {
        return new FeaturesProbe(config.topics(), this::failure, Map.of())
                .awaitRead(bootstrap, registryUrl, featuresTopic, timeout);
    }

    /**
     * Where a local job started from (a checkpoint it resumed, or fresh and why), in the scoring app's words; empty for
     * a job on a cluster, where the cluster decides.
     */
    public Optional<ScoringRunner.Restore> restore() {
        return restore;
    }

    /** The job's status, or null when it cannot be asked. */
    public JobStatus status() {
        return job.status();
    }

    /** Why the job ended, when it ended on its own (failed or finished); empty while it runs. */
    public Optional<String> failure() {
        return job.failure();
    }

    /**
     * Cancels the job (exactly once, uncommitted transactions are aborted; at least once, what was written stays; a
     * checkpoint directory keeps its last checkpoint) and
     * waits up to {@code timeout} until it has ended (and a local MiniCluster has shut down).
     */
    public void stop(Duration timeout) throws Exception {
        job.stop(timeout);
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ofSeconds(30));
    }

    private record LocalHandle(JobClient client) implements Handle {
        @Override
        public JobStatus status() {
            try {
                return client.getJobStatus().get();
            } catch (Exception e) {
                return null;
            }
        }

        @Override
        public Optional<String> failure() {
            return ScoringRunner.failure(client);
        }

        @Override
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
    }

    private record RemoteHandle(FlinkRest rest, String jobId) implements Handle {
        @Override
        public JobStatus status() {
            try {
                return JobStatus.valueOf(rest.state(jobId));
            } catch (RuntimeException e) {
                return null;
            }
        }

        @Override
        public Optional<String> failure() {
            JobStatus s = status();
            if (s == null || !s.isGloballyTerminalState()) return Optional.empty();
            String cause = s == JobStatus.FAILED ? rest.rootException(jobId) : null;
            return Optional.of(
                    cause == null ? "the scoring job ended (" + s + ")" : "the scoring job " + s + ": " + cause);
        }

        @Override
        public void stop(Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            JobStatus s = status();
            if (s != null && !s.isGloballyTerminalState()) rest.cancel(jobId);
            // the REST API has no "wait for the end": ask until it is over
            while (System.nanoTime() < deadline) {
                s = status();
                if (s == null || s.isGloballyTerminalState()) return;
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }
}
