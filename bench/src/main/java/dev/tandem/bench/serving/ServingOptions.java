package dev.tandem.bench.serving;

import dev.tandem.bench.ScenarioCommand;
import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.bench.scoring.CatalogStateOption;
import dev.tandem.bench.scoring.StateBackend;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The flags of {@code tandem bench serving}, apart from its runs. */
abstract class ServingOptions extends ScenarioCommand {
    @Option(
            names = "--quick",
            description = "Small counts and short windows (seconds, for tests); explicit options still win.")
    boolean quick;

    @Option(
            names = "--redis",
            paramLabel = "URI",
            defaultValue = "redis://127.0.0.1:6379/0",
            description = "The Redis to write to, under a key prefix of the run's own (default: ${DEFAULT-VALUE}).")
    String redis;

    @Option(
            names = "--postgres",
            paramLabel = "JDBC_URL",
            defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
            description = "The PostgreSQL to write to, in a schema of the run's own (default: ${DEFAULT-VALUE}).")
    String postgres;

    @Option(
            names = "--postgres-user",
            defaultValue = "postgres",
            description = "PostgreSQL user (default: ${DEFAULT-VALUE}).")
    String postgresUser;

    @Option(
            names = "--postgres-password",
            description = "PostgreSQL password (default: none; env TANDEM_BENCH_POSTGRES_PASSWORD).")
    String postgresPassword = System.getenv("TANDEM_BENCH_POSTGRES_PASSWORD");

    @Option(
            names = "--predictions",
            description =
                    "Predictions each sink and its raw reference store, one per user (default: 50000; quick 2000).")
    Integer predictions;

    @Option(
            names = "--sink-tasks",
            defaultValue = "2",
            description = "tasks.max of each sink connector; the raw references write on as many connections, one"
                    + " thread each (default: ${DEFAULT-VALUE}).")
    int sinkTasks;

    @Option(
            names = "--rate",
            description = "Requests/s of the freshness runs and the bare-Flink reference (default: 2000; quick 500).")
    Double rate;

    @Option(
            names = "--candidates",
            defaultValue = "20",
            description = "Candidates per request and per prediction (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(
            names = "--warmup-seconds",
            description = "Unrecorded seconds before each freshness and latency window (default: 5; quick 1).")
    Double warmupSeconds;

    @Option(
            names = "--freshness-seconds",
            description = "Measured seconds of each freshness window (default: 20; quick 2).")
    Double freshnessSeconds;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "20ms",
            converter = DurationConverter.class,
            description =
                    "Checkpoint interval of the exactly-once scoring job and the bare-Flink reference (exactly once commits on it; default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(
            names = "--alo-checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Checkpoint interval of the at-least-once scoring job: visibility does not wait for it, so it"
                    + " is set for recovery, as a deployment would; the app's default (default: ${DEFAULT-VALUE}).")
    Duration aloCheckpointInterval;

    @Option(
            names = "--api-rate",
            defaultValue = "1000",
            description = "Requests/s of the API and raw GET runs, from a second process (default: ${DEFAULT-VALUE}).")
    double apiRate;

    @Option(
            names = "--api-seconds",
            description =
                    "Measured seconds of the API and raw GET runs, each after its warm-up (default: 15; quick 1).")
    Double apiSeconds;

    @Option(
            names = "--api-warmup-seconds",
            description = "Unrecorded seconds before the API and raw GET runs (default: 3; quick 1).")
    Double apiWarmupSeconds;

    @Option(names = "--users", description = "Generated users with features (default: 20000; quick 300).")
    Integer users;

    @Option(names = "--items", description = "Generated catalog items (default: 20000; quick 2000).")
    Integer items;

    @Option(
            names = "--events",
            description =
                    "Generated events: the users' histories and the model's training data (default: 200000; quick 5000).")
    Long events;

    @Option(
            names = "--model",
            paramLabel = "ARCH-ENCODER",
            defaultValue = "mmoe-mean",
            description =
                    "The scoring jobs' model, <architecture>-<sequenceEncoder> of the zoo (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--epochs", defaultValue = "1", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--model-cache",
            paramLabel = "DIR",
            description = "Keep the trained model here and reuse it (default: a temp dir, deleted after).")
    Path modelCache;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description = "Parallelism of the scoring jobs and the bare-Flink reference (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--max-batch-rows",
            defaultValue = "2048",
            description = "The scoring job's maximum batch (default: ${DEFAULT-VALUE}).")
    int maxBatchRows;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            defaultValue = "5ms",
            converter = DurationConverter.class,
            description = "The scoring job's maximum batching wait (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(
            names = "--state-backend",
            defaultValue = "hashmap",
            description =
                    "State backend of the scoring jobs and the bare-Flink reference: hashmap (heap, full snapshots)"
                            + " or rocksdb (incremental checkpoints) (default: ${DEFAULT-VALUE}).")
    StateBackend stateBackend;

    @Mixin
    CatalogStateOption catalogState;

    @Option(names = "--seed", defaultValue = "5", description = "Generator and model seed (default: ${DEFAULT-VALUE}).")
    long seed;

    void applyDefaults() {
        if (predictions == null) predictions = quick ? 2_000 : 50_000;
        if (rate == null) rate = quick ? 500.0 : 2_000.0;
        if (warmupSeconds == null) warmupSeconds = quick ? 1.0 : 5.0;
        if (freshnessSeconds == null) freshnessSeconds = quick ? 2.0 : 20.0;
        if (apiSeconds == null) apiSeconds = quick ? 1.0 : 15.0;
        if (apiWarmupSeconds == null) apiWarmupSeconds = quick ? 1.0 : 3.0;
        if (users == null) users = quick ? 300 : 20_000;
        if (items == null) items = quick ? 2_000 : 20_000;
        if (events == null) events = quick ? 5_000L : 200_000L;
    }

    void validateOptions(CommandLine cl) {
        if (predictions < 10)
            throw new CommandLine.ParameterException(cl, "--predictions must be >= 10, got " + predictions);
        if (sinkTasks < 1) throw new CommandLine.ParameterException(cl, "--sink-tasks must be >= 1, got " + sinkTasks);
        if (candidates < 1)
            throw new CommandLine.ParameterException(cl, "--candidates must be >= 1, got " + candidates);
        if (!(rate > 0) || !(apiRate > 0)) throw new CommandLine.ParameterException(cl, "rates must be > 0");
        if (!(freshnessSeconds > 0) || !(apiSeconds > 0) || warmupSeconds < 0 || apiWarmupSeconds < 0)
            throw new CommandLine.ParameterException(cl, "durations must be > 0");
        if (aloCheckpointInterval.isZero() || aloCheckpointInterval.isNegative())
            throw new CommandLine.ParameterException(cl, "--alo-checkpoint-interval must be > 0");
        if (checkpointInterval.isZero() || checkpointInterval.isNegative())
            throw new CommandLine.ParameterException(cl, "--checkpoint-interval must be > 0");
        if (users < 10 || items < 100)
            throw new CommandLine.ParameterException(cl, "--users must be >= 10 and --items >= 100");
        if (events < 1_000) throw new CommandLine.ParameterException(cl, "--events must be >= 1000, got " + events);
        if (epochs < 1 || parallelism < 1)
            throw new CommandLine.ParameterException(cl, "--epochs and --parallelism must be >= 1");
        if (maxBatchRows < candidates)
            throw new CommandLine.ParameterException(cl, "--max-batch-rows must be >= --candidates");
        int dash = model.indexOf('-');
        if (dash <= 0 || dash == model.length() - 1)
            throw new CommandLine.ParameterException(cl, "--model must be <architecture>-<sequenceEncoder>: " + model);
    }
}
