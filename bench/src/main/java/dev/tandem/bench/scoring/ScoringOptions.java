package dev.tandem.bench.scoring;

import dev.tandem.bench.ScenarioCommand;
import dev.tandem.bench.cli.DurationConverter;
import dev.tandem.model.zoo.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The flags of {@code tandem bench scoring}, apart from its runs so each file stays about one thing. */
abstract class ScoringOptions extends ScenarioCommand {
    static final String DEFAULT_MODEL = "mmoe-mean";

    @Option(
            names = "--model",
            split = ",",
            paramLabel = "ARCH-ENCODER",
            description =
                    "Model(s) of the zoo, <architecture>-<sequenceEncoder> (e.g. mmoe-mean, ple-target_attention), or 'all' (default: "
                            + DEFAULT_MODEL + ").")
    List<String> models = new ArrayList<>(List.of(DEFAULT_MODEL));

    @Option(
            names = "--quick",
            description = "Small counts and short windows (seconds, for tests); explicit options still win.")
    boolean quick;

    @Option(
            names = "--requests",
            description = "Requests pre-filled for the throughput runs (default: 2000000; quick 600).")
    Integer requests;

    @Option(
            names = "--candidates",
            defaultValue = "20",
            description = "Candidates per request (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--users", description = "Generated users (default: 20000; quick 100).")
    Integer users;

    @Option(names = "--items", description = "Generated catalog items (default: 20000; quick 500).")
    Integer items;

    @Option(
            names = "--events",
            description = "Generated events: the users' histories and the training data (default: 200000; quick 2500).")
    Long events;

    @Option(
            names = "--epochs",
            defaultValue = "1",
            description = "Training epochs of each bench model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--max-batch-rows",
            defaultValue = "2048",
            description = "The job's maximum batch, also among the raw TF batch sizes (default: ${DEFAULT-VALUE}).")
    int maxBatchRows;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            defaultValue = "5ms",
            converter = DurationConverter.class,
            description = "The job's maximum batching wait (default: ${DEFAULT-VALUE}).")
    Duration maxWait;

    @Option(
            names = "--parallelism",
            defaultValue = "2",
            description =
                    "Job parallelism (one TF session per subtask) and raw TF threads (default: ${DEFAULT-VALUE}, both cores here).")
    int parallelism;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "1s",
            converter = DurationConverter.class,
            description = "Checkpoint interval of the throughput runs (default: ${DEFAULT-VALUE}, as tandem score).")
    Duration checkpointInterval;

    @Option(
            names = "--latency-checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "20ms",
            converter = DurationConverter.class,
            description =
                    "Checkpoint interval of the latency runs: read_committed predictions wait for it (default: ${DEFAULT-VALUE}).")
    Duration latencyCheckpointInterval;

    @Option(
            names = "--latency-only",
            description =
                    "Only the latency and swap runs (no throughput, raw TF or record-by-record runs): for tuning the latency.")
    boolean latencyOnly;

    @Option(names = "--rate", description = "Requests/s of the latency runs (default: 2000; quick 300).")
    Double rate;

    @Option(
            names = "--warmup-seconds",
            description = "Unrecorded seconds at --rate before the latency window (default: 5; quick 0.5).")
    Double warmupSeconds;

    @Option(
            names = "--latency-seconds",
            description = "Measured seconds of each latency window (default: 20; quick 1).")
    Double latencySeconds;

    @Option(
            names = "--raw-seconds",
            description =
                    "Measured seconds of the raw TF ceiling per batch size, after a third as warm-up (default: 2; quick 0.15).")
    Double rawSeconds;

    @Option(
            names = "--raw-batches",
            split = ",",
            paramLabel = "ROWS,…",
            defaultValue = "128,256,512,1024,2048,4096",
            description =
                    "Batch sizes the raw TF ceiling is measured at, the best reported (default: ${DEFAULT-VALUE}); --max-batch-rows is always included.")
    List<Integer> rawBatches;

    @Option(
            names = "--per-record-seconds",
            description = "At most this long for the record-by-record run (default: 20; quick 1).")
    Double perRecordSeconds;

    @Option(
            names = "--model-cache",
            paramLabel = "DIR",
            description =
                    "Keep the bench's trained models here and reuse them, <DIR>/bench-<model>/<settings>-v1|v2 (default: a temp dir, deleted after).")
    Path modelCache;

    @Option(
            names = "--seed",
            defaultValue = "5",
            description = "Generator, request and model seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Model config JSON the --model architectures start from (absent fields take the defaults;"
                    + " architecture, encoder, learning rate, batch, epochs and seed are the bench's), e.g."
                    + " {\"itemRates\": false}.")
    Path config;

    /** The config the bench's models start from: --config, else the defaults. */
    ModelConfig baseConfig(CommandLine cl) {
        if (config == null) return ModelConfig.defaults();
        try {
            return ModelConfig.read(config);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CommandLine.ParameterException(cl, "--config " + config + ": " + e.getMessage());
        }
    }
}
