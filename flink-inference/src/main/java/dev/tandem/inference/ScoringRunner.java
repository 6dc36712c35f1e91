package dev.tandem.inference;

import dev.tandem.inference.job.ScoringConfig;
import dev.tandem.inference.job.ScoringJob;
import dev.tandem.inference.kafka.ScoringKafka;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the scoring app's job from its {@link ScoringConfig}: Kafka sources and sinks from {@link ScoringKafka},
 * checkpoints to {@code scoring.checkpoint.dir} retained on cancellation and on failure, and a start that
 * resumes from a named savepoint or checkpoint, else from the newest completed checkpoint in that directory
 * ({@link Checkpoints#latest}), else fresh. {@code ScoringApp} calls {@link #run}; {@code tandem score} calls
 * {@link #startLocal} to keep the job's handle in its own JVM.
 */
public final class ScoringRunner {
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(30);

    private ScoringRunner() {}

    /** Where a start resumes from, and why: what {@link #describe()} prints. */
    public record Restore(String path, boolean claimed, String reason) {
        public static Restore fresh(String reason) {
            return new Restore(null, false, reason);
        }

        public boolean fresh() {
            return path == null;
        }

        public String describe() {
            return fresh() ? "starting fresh (" + reason + ")" : "resuming from " + path + " (" + reason + ")";
        }
    }

    /**
     * {@code fromSavepoint} when given (never claimed: a savepoint someone took stays theirs); else the newest
     * completed checkpoint in {@code config.checkpointDir()}, claimed (the job owns it and deletes it once a newer
     * one completes, so the directory does not fill up with one retained checkpoint per run); else a fresh start.
     */
    public static Restore restore(ScoringConfig config, String fromSavepoint) throws IOException {
        if (fromSavepoint != null && !fromSavepoint.isBlank())
            return new Restore(fromSavepoint, false, "--from-savepoint");
        if (config.checkpointDir() == null) {
            return Restore.fresh(ScoringConfig.CHECKPOINT_DIR
                    + " is not set: checkpoints go where the Flink configuration says, nothing is resumed");
        }
        Optional<String> latest = Checkpoints.latest(config.checkpointDir());
        return latest.map(p -> new Restore(p, true, "the newest completed checkpoint in " + config.checkpointDir()))
                .orElseGet(() -> Restore.fresh("no completed checkpoint in " + config.checkpointDir()));
    }

    /** Flink's switch for RocksDB's bloom filters, which {@link #flinkConfiguration} turns on unless it is set. */
    public static final String ROCKSDB_BLOOM_FILTER_KEY = "state.backend.rocksdb.use-bloom-filter";

    /**
     * The Flink settings of the job: {@code flink.*} pass-through, the default parallelism, checkpoint storage in
     * {@code scoring.checkpoint.dir} kept on cancellation (a failed job keeps its checkpoints anyway), RocksDB's bloom
     * filters on unless set, and the restore path.
     */
    public static Configuration flinkConfiguration(ScoringConfig config, Restore restore) {
        Configuration conf = Configuration.fromMap(config.flinkConfiguration());
        // Flink leaves them off. The join reads each user's previous features on every update, and while the job
        // loads the topic nearly every read is of a user not stored yet, which a filter answers without reading the
        // files: a 1M-user load 1.6x faster (docs/scaling.md). The heap backend ignores the key.
        if (!conf.containsKey(ROCKSDB_BLOOM_FILTER_KEY)) conf.setString(ROCKSDB_BLOOM_FILTER_KEY, "true");
        if (config.parallelism() > 0) conf.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism());
        if (config.checkpointDir() != null) {
            conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
        }
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (!restore.fresh()) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restore.path());
            conf.set(
                    StateRecoveryOptions.RESTORE_MODE,
                    restore.claimed() ? RecoveryClaimMode.CLAIM : RecoveryClaimMode.NO_CLAIM);
        }
        return conf;
    }

    /**
     * The job on Kafka: every input read raw and decoded in the job, so bad records of all three reach
     * dead-letters; the model follows {@code model-control} (a fresh start replays it, so the last activated
     * model serves); predictions, dead letters and shadow predictions written as {@code scoring.delivery} says (exactly
     * once: in transactions named after {@code scoring.transactional.id.prefix}).
     */
    public static ScoringJob job(ScoringConfig config) {
        ScoringKafka kafka = ScoringKafka.of(config);
        String tx = config.transactionalIdPrefix();
        return ScoringJob.builder(config)
                .requests(kafka.requests())
                .rawFeatures(kafka.rawUserFeatures(), kafka.rawItems())
                .predictions(kafka.predictions(tx))
                .deadLetters(kafka.deadLetters(tx + "-dlq"))
                .modelControl(kafka.modelControl(), kafka.shadowPredictions(tx + "-shadow"))
                .catalogReplay(kafka.catalogReplay(config.maxIdLength()))
                .build();
    }

    /**
     * Starts the job in a local MiniCluster in this JVM ({@code extra}, e.g. {@code restart-strategy.type: none},
     * wins over the configuration's {@code flink.*}) and returns its handle; {@link Restore#describe()} of
     * {@code restore} says where it started from.
     */
    public static JobClient startLocal(ScoringConfig config, Restore restore, Configuration extra) throws Exception {
        Configuration conf = flinkConfiguration(config, restore);
        conf.addAll(extra);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(Math.max(1, config.parallelism()), conf);
        job(config).build(env);
        return env.executeAsync(config.jobName());
    }

    /**
     * What {@code ScoringApp} runs: in a Flink client (the context environment of {@code flink run} or a REST jar
     * run) it submits the job and returns as the client does; with plain {@code java} it runs the job in a local
     * MiniCluster until it ends, or until SIGTERM / Ctrl-C cancels it (its last checkpoint is kept).
     */
    static void run(ScoringConfig config, String fromSavepoint, PrintStream out) throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config, Restore.fresh("")));
        // a restore path the client already has (flink run -s, the REST API's savepointPath, the Kubernetes operator's
        // upgrade) is the cluster's decision: the newest checkpoint here must not override it
        Optional<String> given = env.getConfiguration().getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        Restore restore;
        if ((fromSavepoint == null || fromSavepoint.isBlank()) && given.isPresent()) {
            restore = new Restore(
                    given.get(),
                    false,
                    "named by the Flink configuration: flink run -s, a REST run's savepointPath or the operator");
        } else {
            restore = restore(config, fromSavepoint);
            if (!restore.fresh())
                env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config, restore));
        }
        out.println(restore.describe());
        out.flush();
        job(config).build(env);
        if (!(env instanceof LocalStreamEnvironment)) {
            JobExecutionResult r = env.execute(config.jobName());
            out.println("scoring job " + r.getJobID() + " submitted");
            out.flush();
            return;
        }
        JobClient client = env.executeAsync(config.jobName());
        CountDownLatch ended = new CountDownLatch(1);
        Thread cancel = new Thread(
                () -> {
                    try {
                        client.cancel().get(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        ended.await(CANCEL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        // exiting anyway
                    }
                },
                "scoring-app-shutdown");
        Runtime.getRuntime().addShutdownHook(cancel);
        out.println("scoring job " + client.getJobID()
                + " running in a local MiniCluster; SIGTERM or Ctrl-C cancels it, keeping its last checkpoint");
        out.flush();
        try {
            client.getJobExecutionResult().get();
            out.println("scoring job " + client.getJobID() + " finished");
        } catch (ExecutionException e) {
            if (!shuttingDown(cancel)) throw e;
            out.println("scoring job " + client.getJobID() + " cancelled");
        } finally {
            ended.countDown();
            out.flush();
        }
    }

    /**
     * Why the job behind {@code client} ended, once it has ended (failed, or finished on its own, which a streaming job
     * should not), as one line; empty while it runs or when it cannot be asked.
     */
    public static Optional<String> failure(JobClient client) {
        JobStatus s;
        try {
            s = client.getJobStatus().get();
        } catch (Exception e) {
            return Optional.empty();
        }
        if (s == null || !s.isGloballyTerminalState()) return Optional.empty();
        try {
            client.getJobExecutionResult().get();
            return Optional.of("the scoring job ended (" + s + ")");
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null) t = t.getCause();
            return Optional.of("the scoring job " + s + ": " + t);
        }
    }

    private static boolean shuttingDown(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
