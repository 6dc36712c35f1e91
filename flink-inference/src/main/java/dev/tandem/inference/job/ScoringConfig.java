package dev.tandem.inference.job;

import dev.tandem.model.serving.TfSessionOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The scoring job's configuration: batching, parallelism, checkpoints and the model. Read from a
 * properties file with {@code TANDEM_…} environment overrides ({@link #from}).
 *
 * @param maxBatchRows       candidates per model call at most
 * @param maxWait            how long the first buffered request may wait for a batch to fill
 * @param parallelism        job parallelism; 0 keeps the environment's default
 * @param checkpointInterval {@link Duration#ZERO} disables checkpoints (tests with bounded input)
 * @param modelDir           an exported model version directory ({@code <root>/<name>/<version>})
 * @param stages             the model outputs to read, in order (e.g. CART, PURCHASE)
 * @param maxIdLength        longest request, user or item id accepted (longer → dead letter)
 * @param gpu                the TF session's GPU options ({@code scoring.gpu.memory-growth}, {@code scoring.gpu.visible-devices});
 *                           ignored by the CPU build of TensorFlow
 */
public record ScoringConfig(String jobName, int maxBatchRows, Duration maxWait, int parallelism, Duration checkpointInterval,
                            String modelDir, List<String> stages, int maxIdLength, TfSessionOptions gpu) {
    public static final int DEFAULT_MAX_ID_LENGTH = 256;

    public static final String PREFIX = "scoring.";

    public ScoringConfig {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, was " + maxWait);
        }
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, was " + parallelism);
        }
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be >= 1, was " + maxIdLength);
        }
        stages = List.copyOf(stages);
        gpu = gpu == null ? TfSessionOptions.defaults() : gpu;
    }

    public static ScoringConfig defaults() {
        return new ScoringConfig("tandem-scoring", 2048, Duration.ofMillis(5), 0, Duration.ofSeconds(10), null, List.of("CART", "PURCHASE"), DEFAULT_MAX_ID_LENGTH,
                TfSessionOptions.defaults());
    }

    public ScoringConfig withBatching(int rows, Duration wait) {
        return new ScoringConfig(jobName, rows, wait, parallelism, checkpointInterval, modelDir, stages, maxIdLength, gpu);
    }

    public ScoringConfig withParallelism(int p) {
        return new ScoringConfig(jobName, maxBatchRows, maxWait, p, checkpointInterval, modelDir, stages, maxIdLength, gpu);
    }

    public ScoringConfig withCheckpointInterval(Duration d) {
        return new ScoringConfig(jobName, maxBatchRows, maxWait, parallelism, d, modelDir, stages, maxIdLength, gpu);
    }

    public ScoringConfig withModel(String dir, List<String> modelStages) {
        return new ScoringConfig(jobName, maxBatchRows, maxWait, parallelism, checkpointInterval, dir, modelStages, maxIdLength, gpu);
    }

    public ScoringConfig withMaxIdLength(int n) {
        return new ScoringConfig(jobName, maxBatchRows, maxWait, parallelism, checkpointInterval, modelDir, stages, n, gpu);
    }

    public ScoringConfig withGpu(TfSessionOptions options) {
        return new ScoringConfig(jobName, maxBatchRows, maxWait, parallelism, checkpointInterval, modelDir, stages, maxIdLength, options);
    }

    /** {@code scoring.max-batch-rows} etc., each overridable by {@code TANDEM_SCORING_MAX_BATCH_ROWS} etc. */
    public static ScoringConfig from(Properties props, Map<String, String> env) {
        ScoringConfig d = defaults();
        return new ScoringConfig(
                get(props, env, "job-name", d.jobName()),
                Integer.parseInt(get(props, env, "max-batch-rows", String.valueOf(d.maxBatchRows()))),
                Duration.ofMillis(Long.parseLong(get(props, env, "max-wait-ms", String.valueOf(d.maxWait().toMillis())))),
                Integer.parseInt(get(props, env, "parallelism", String.valueOf(d.parallelism()))),
                Duration.ofMillis(Long.parseLong(get(props, env, "checkpoint-interval-ms", String.valueOf(d.checkpointInterval().toMillis())))),
                get(props, env, "model-dir", d.modelDir()),
                Arrays.stream(get(props, env, "stages", String.join(",", d.stages())).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                Integer.parseInt(get(props, env, "max-id-length", String.valueOf(d.maxIdLength()))),
                new TfSessionOptions(bool(get(props, env, "gpu.memory-growth", String.valueOf(d.gpu().gpuMemoryGrowth())), "gpu.memory-growth"),
                        get(props, env, "gpu.visible-devices", d.gpu().visibleDevices())));
    }

    private static boolean bool(String v, String key) {
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(PREFIX + key + " must be true or false, was '" + v + "'");
        };
    }

    private static String get(Properties props, Map<String, String> env, String key, String dflt) {
        String envKey = "TANDEM_" + (PREFIX + key).toUpperCase().replace('.', '_').replace('-', '_');
        String v = env.get(envKey);
        if (v != null) {
            return v;
        }
        return props.getProperty(PREFIX + key, dflt);
    }
}
