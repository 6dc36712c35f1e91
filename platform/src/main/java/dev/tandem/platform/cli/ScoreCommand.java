package dev.tandem.platform.cli;

import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.platform.scoring.LocalScoring;
import dev.tandem.schemas.config.ConfigException;
import dev.tandem.schemas.config.Durations;
import dev.tandem.schemas.kafka.KafkaEndpoints;
import dev.tandem.schemas.topics.TandemTopics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem score}: launches the scoring app ({@code flink-inference}'s {@code ScoringApp}) in a local
 * MiniCluster in this JVM, or uploads its job jar to a running Flink cluster and runs it there
 * ({@code --jobmanager}), until Ctrl-C or SIGTERM:
 * {@code scoring-requests} joined with {@code user-features} and {@code items}, micro-batched through
 * the SavedModel, to {@code predictions} (bad records and requests past {@code --request-deadline} to
 * {@code dead-letters}), exactly once or, with {@code --delivery at-least-once}, as soon as written.
 */
@Command(
        name = "score",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the Flink scoring job in a local MiniCluster (or on a Flink cluster: --jobmanager) until Ctrl-C:",
            "'scoring-requests' joined with 'user-features' and 'items', micro-batched through a SavedModel exported by",
            "`tandem train`, to 'predictions' (exactly once, or at least once with --delivery; malformed records and",
            "requests past --request-deadline to 'dead-letters')."
        })
public final class ScoreCommand implements Callable<Integer> {
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--models",
            required = true,
            paramLabel = "DIR",
            description = "Where `tandem train --out` exported models (<DIR>/<name>/<version>/).")
    Path models;

    @Option(
            names = "--model",
            paramLabel = "NAME/VERSION",
            description = "The model to serve (default: the most recently exported one under --models).")
    String model;

    @Option(
            names = "--max-batch-rows",
            paramLabel = "N",
            defaultValue = "2048",
            description = "Candidates per model call at most (default: ${DEFAULT-VALUE}).")
    int maxBatchRows;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            defaultValue = "5ms",
            converter = DurationConverter.class,
            description =
                    "How long the first buffered request waits for its batch to fill (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            defaultValue = "1",
            description = "Scoring subtasks (one TF session each; default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "1s",
            converter = DurationConverter.class,
            description =
                    "Exactly once, predictions are committed on checkpoints, so read_committed consumers see them up to this late (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(
            names = "--delivery",
            paramLabel = "exactly-once|at-least-once",
            defaultValue = "${env:TANDEM_SCORING_DELIVERY:-exactly-once}",
            description = {
                "exactly-once: predictions, dead letters and shadow predictions in Kafka transactions committed with each",
                "checkpoint (visible up to --checkpoint-interval late, never twice). at-least-once: no transactions, visible in",
                "milliseconds; after a failure a request may be predicted twice (same request id), for stores that keep the",
                "newest prediction per user. Default: ${DEFAULT-VALUE} (env TANDEM_SCORING_DELIVERY)."
            })
    String delivery;

    @Option(
            names = "--request-deadline",
            paramLabel = "DURATION",
            defaultValue = "${env:TANDEM_SCORING_REQUEST_DEADLINE:-}",
            description = {
                "A request older than this (scoring time - its request_time) when its turn to be scored comes is not scored",
                "but sent to 'dead-letters' (reason 'deadline'), so a backlog sheds load, e.g. 500ms or 2s. Default: none",
                "(env TANDEM_SCORING_REQUEST_DEADLINE)."
            })
    String requestDeadline;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR|URI",
            defaultValue = "${env:TANDEM_SCORING_CHECKPOINT_DIR:-}",
            description =
                    "Where checkpoints are kept (retained on a stop or a crash) and resumed from: a start picks up where"
                            + " the last run's newest completed checkpoint left off. Default: .tandem/scoring-checkpoints locally;"
                            + " with --jobmanager, none unless given (a URI the cluster can reach, e.g. s3://…).")
    String checkpointDir;

    @Option(
            names = "--stages",
            paramLabel = "STAGE",
            split = ",",
            defaultValue = "CART,PURCHASE",
            description = "The model outputs to read, in order (default: ${DEFAULT-VALUE}).")
    List<String> stages;

    @Option(
            names = "--gpu-visible-devices",
            paramLabel = "LIST",
            defaultValue = "${env:TANDEM_SCORING_GPU_VISIBLE_DEVICES:-}",
            description =
                    "CUDA device indices each scoring session may use, e.g. 0 or 0,1 (default: all; env TANDEM_SCORING_GPU_VISIBLE_DEVICES). GPU build only (-Pgpu).")
    String gpuVisibleDevices;

    @Option(
            names = "--gpu-memory-growth",
            negatable = true,
            defaultValue = "${env:TANDEM_SCORING_GPU_MEMORY_GROWTH:-true}",
            fallbackValue = "true",
            description =
                    "Sessions grow their GPU memory as needed instead of taking it all at start-up (default: true; env TANDEM_SCORING_GPU_MEMORY_GROWTH).")
    boolean gpuMemoryGrowth;

    @Option(
            names = "--jobmanager",
            paramLabel = "HOST:PORT",
            description = {
                "Submit the job to the running Flink cluster whose JobManager REST API is here (e.g. localhost:8081)",
                "instead of a local MiniCluster: the job jar is uploaded and its ScoringApp run with these settings. The model",
                "directory must be readable at the same path on its JobManager and TaskManagers; the cluster's restart strategy",
                "applies. Ctrl-C cancels the job."
            })
    String jobManager;

    @Option(
            names = "--job-jar",
            paramLabel = "JAR",
            split = ",",
            description = {
                "With --jobmanager: the scoring app's job jar to upload and run (flink-inference's",
                "tandem-flink-inference-<version>-job.jar). Default: the one built in flink-inference/target."
            })
    List<Path> jobJars;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        LocalScoring.JobManager jm = jobManager(cl);
        ScoringConfig config = config(cl, modelDir());
        String flinkVersion = null;
        if (jm != null) {
            try {
                flinkVersion = LocalScoring.flinkVersion(jm, LocalScoring.PROBE_TIMEOUT);
            } catch (IllegalStateException e) {
                throw new CliException(e.getMessage());
            }
        }
        List<Path> shipped = jm == null ? List.of() : List.of(jobJar(cl));
        try {
            LocalScoring.check(Path.of(config.modelDir()), config.stages());
        } catch (Exception e) {
            throw new CliException(
                    "model " + config.modelDir() + " cannot be served: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
        var endpoints = kafka.reachableEndpoints();
        requireTopics(endpoints);
        ScoringConfig.Builder secured = config.toBuilder();
        endpoints.clientProperties().forEach((k, v) -> secured.set(ScoringConfig.KAFKA_PREFIX + k, v));
        config = secured.kafka(endpoints.bootstrapServers(), endpoints.registryUrl())
                .checkpointDir(checkpointDir(jm != null))
                .build();

        PrintWriter out = cl.getOut();
        out.println(
                jm == null
                        ? "scoring job (local MiniCluster)"
                        : "scoring job (Flink " + flinkVersion + " cluster at " + jm + ")");
        out.println("  bootstrap            " + endpoints.bootstrapServers());
        out.println("  registry             " + endpoints.registryUrl());
        out.println("  model                " + config.modelDir());
        out.println("  stages               " + String.join(",", config.stages()));
        out.println("  max-batch-rows       " + config.maxBatchRows());
        out.println("  max-wait             " + config.maxWait().toMillis() + " ms");
        out.println("  parallelism          " + config.parallelism());
        out.println("  checkpoint-interval  " + config.checkpointInterval().toMillis() + " ms");
        out.println("  checkpoint-dir       " + (config.checkpointDir() == null ? "(none)" : config.checkpointDir()));
        out.println("  delivery             " + config.delivery().key());
        out.println("  request-deadline     "
                + (config.requestDeadline() == null ? "(none)" : Durations.format(config.requestDeadline())));
        out.println("  max-id-length        " + config.maxIdLength());
        out.println("  gpu                  memory growth " + config.gpu().gpuMemoryGrowth() + ", visible devices "
                + (config.gpu().visibleDevices().isEmpty()
                        ? "all"
                        : config.gpu().visibleDevices()) + " (used by the GPU build only)");
        if (jm != null) {
            long bytes = shipped.stream().mapToLong(j -> j.toFile().length()).sum();
            out.println(
                    "  job jars             " + shipped.size() + " (" + (bytes >> 20) + " MiB, uploaded on submit)");
        }
        out.println(
                "  in: " + TandemTopics.SCORING_REQUESTS + ", " + TandemTopics.USER_FEATURES + ", " + TandemTopics.ITEMS
                        + "   out: " + TandemTopics.PREDICTIONS + ", " + TandemTopics.DEAD_LETTERS + " ("
                        + config.delivery().key().replace('-', ' ') + ")");
        out.flush();

        Signals signals = Signals.install(null);
        LocalScoring job;
        try {
            job = jm == null ? LocalScoring.start(config) : LocalScoring.submit(jm.toString(), shipped.get(0), config);
        } catch (IllegalStateException e) {
            throw new CliException(e.getMessage());
        } catch (Exception e) {
            throw new CliException("the scoring job did not start: " + e.getMessage(), ExitCodes.FAILURE, e);
        }
        Thread safetyNet = new Thread(
                () -> {
                    try {
                        job.stop(STOP_TIMEOUT);
                    } catch (Exception ignored) {
                        // exiting anyway
                    }
                },
                "tandem-score-shutdown");
        Runtime.getRuntime().addShutdownHook(safetyNet);
        Optional<String> failed = Optional.empty();
        try {
            job.restore().ifPresent(r -> out.println(r.describe()));
            out.println("running. Ctrl-C to stop.");
            out.flush();
            while (!signals.await(500, TimeUnit.MILLISECONDS)) {
                failed = job.failure();
                if (failed.isPresent()) {
                    break;
                }
            }
            if (failed.isEmpty()) {
                out.println("stopping (" + signals.received() + ")…");
                out.flush();
            }
        } finally {
            job.stop(STOP_TIMEOUT);
            DevClusterCommand.removeHook(safetyNet);
        }
        if (failed.isPresent())
            throw new CliException(failed.get() + (TandemCli.verbose() ? "" : " (run with --verbose for its logs)"));
        out.println("scoring job stopped");
        out.flush();
        return ExitCodes.OK;
    }

    private Path modelDir() throws Exception {
        if (model != null && !model.matches("[^/\\\\]+/[^/\\\\]+")) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--model must be NAME/VERSION, was '" + model + "'");
        }
        if (!Files.isDirectory(models)) {
            throw new CliException(
                    "models directory not found: " + models + " (export one with `tandem train --out " + models + "`)");
        }
        return LocalScoring.resolveModel(models, model)
                .orElseThrow(() -> new CliException(
                        model == null
                                ? "no exported model under " + models + " (export one with `tandem train --out "
                                        + models + "`)"
                                : "model not found: " + models.resolve(model) + " (no " + "feature-spec.json there)"));
    }

    /** {@code --jobmanager} parsed, or null for a local MiniCluster; a bad value is a usage error (exit 2). */
    LocalScoring.JobManager jobManager(CommandLine cl) {
        if (jobManager == null) {
            if (jobJars != null && !jobJars.isEmpty())
                throw new CommandLine.ParameterException(cl, "--job-jar needs --jobmanager");
            return null;
        }
        try {
            return LocalScoring.JobManager.parse(jobManager);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }

    /** {@code --job-jar}, else the job jar built next to the scoring app's classes. */
    private Path jobJar(CommandLine cl) {
        if (jobJars == null || jobJars.isEmpty()) {
            return LocalScoring.jobJar()
                    .orElseThrow(() -> new CliException("no job jar built from the current classes: build it with "
                            + "`mvn -B -pl flink-inference -am package -DskipTests` (flink-inference/target/tandem-flink-inference-<version>-job.jar), "
                            + "or name one with --job-jar"));
        }
        if (jobJars.size() > 1) {
            throw new CommandLine.ParameterException(
                    cl,
                    "--job-jar takes one jar, the scoring app's job jar (tandem-flink-inference-<version>-job.jar)");
        }
        if (!Files.isRegularFile(jobJars.get(0))) throw new CliException("job jar not found: " + jobJars.get(0));
        return jobJars.get(0);
    }

    /**
     * A local run keeps its checkpoints beside the features app's state, so {@code kill -9} and a new start resume
     * where the last completed checkpoint left off instead of scoring requests twice or skipping them.
     */
    String checkpointDir(boolean remote) {
        if (checkpointDir != null && !checkpointDir.isBlank()) {
            return checkpointDir.contains("://")
                    ? checkpointDir
                    : Path.of(checkpointDir).toAbsolutePath().toUri().toString();
        }
        return remote
                ? null
                : Path.of(".tandem", "scoring-checkpoints")
                        .toAbsolutePath()
                        .toUri()
                        .toString();
    }

    /** The options as a {@link ScoringConfig}; a bad value is a usage error (exit 2). */
    ScoringConfig config(CommandLine cl, Path modelDir) {
        if (parallelism < 1)
            throw new CommandLine.ParameterException(cl, "--parallelism must be >= 1, was " + parallelism);
        if (checkpointInterval.isZero() || checkpointInterval.isNegative()) {
            throw new CommandLine.ParameterException(
                    cl, "--checkpoint-interval must be > 0 (predictions commit on checkpoints)");
        }
        try {
            return ScoringConfig.builder()
                    .batching(maxBatchRows, maxWait)
                    .parallelism(parallelism)
                    .checkpointInterval(checkpointInterval)
                    .model(modelDir.toString(), stages)
                    .set(ScoringConfig.GPU_MEMORY_GROWTH, Boolean.toString(gpuMemoryGrowth))
                    .set(ScoringConfig.GPU_VISIBLE_DEVICES, gpuVisibleDevices)
                    .set(ScoringConfig.DELIVERY, delivery)
                    .set(ScoringConfig.REQUEST_DEADLINE, requestDeadline == null ? "" : requestDeadline)
                    .build();
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(cl, asFlag(e));
        }
    }

    /** The configuration keys these options set, for usage errors in the options' words. */
    private static final Map<String, String> FLAGS = Map.of(
            ScoringConfig.MAX_BATCH_ROWS,
            "--max-batch-rows",
            ScoringConfig.MAX_WAIT,
            "--max-wait",
            ScoringConfig.PARALLELISM,
            "--parallelism",
            ScoringConfig.CHECKPOINT_INTERVAL,
            "--checkpoint-interval",
            ScoringConfig.STAGES,
            "--stages",
            ScoringConfig.GPU_VISIBLE_DEVICES,
            "--gpu-visible-devices",
            ScoringConfig.DELIVERY,
            "--delivery",
            ScoringConfig.REQUEST_DEADLINE,
            "--request-deadline");

    /** {@code scoring.max.batch.rows = '0': must be >= 1} as {@code --max-batch-rows must be >= 1, was '0'}. */
    static String asFlag(ConfigException e) {
        String flag = FLAGS.getOrDefault(e.key(), e.key());
        String prefix = e.key() + (e.value() == null ? "" : " = '" + e.value() + "'") + ": ";
        String problem = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
        return flag + " " + problem + (e.value() == null ? "" : ", was '" + e.value() + "'");
    }

    static void requireTopics(KafkaEndpoints endpoints) {
        List<String> needed = List.of(
                TandemTopics.SCORING_REQUESTS,
                TandemTopics.USER_FEATURES,
                TandemTopics.ITEMS,
                TandemTopics.PREDICTIONS,
                TandemTopics.DEAD_LETTERS);
        int timeout = (int) KafkaOptions.REACHABILITY_TIMEOUT.toMillis();
        try (Admin admin = Admin.create(endpoints.client(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                timeout,
                AdminClientConfig.CLIENT_ID_CONFIG,
                "tandem-score-check")))) {
            Set<String> existing = admin.listTopics().names().get(timeout, TimeUnit.MILLISECONDS);
            List<String> missing =
                    needed.stream().filter(t -> !existing.contains(t)).toList();
            if (!missing.isEmpty()) {
                throw new CliException("missing topics on " + endpoints.bootstrapServers() + ": "
                        + String.join(", ", missing) + " — `tandem dev-cluster` creates them");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new CliException("cannot list the topics of " + endpoints.bootstrapServers() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted while checking topics");
        }
    }
}
