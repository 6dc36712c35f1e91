package dev.tandem.inference.core;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.FunnelScorer;
import dev.tandem.model.serving.TfDevices;
import dev.tandem.model.serving.TfSessionOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BatchScorer} over an exported SavedModel directory ({@code <root>/<name>/<version>/}),
 * via {@link FunnelScorer}: one TF session (intra-op 1, inter-op −1), with REUSABLE input tensors.
 *
 * <p>Batch sizes are padded up to a small set of buckets, {@link #buckets}: 1, 2, 3, 4, 6, 8, 12,
 * 16, 24, … (powers of two and 1.5× powers of two) up to {@code maxRows}, and {@code maxRows}
 * itself. {@link #warmUp} allocates the input tensors of every bucket once and runs the model on
 * each, so no batch the operator produces meets an unwarmed shape or allocates input tensors; a
 * batch pays for at most a third more rows than it has (the padding rows hold whatever the batch
 * buffer held before and their outputs are ignored: the funnel models score rows independently).
 * Warming every size from 1 to 2048 instead would cost 2048 session calls and tensor sets per
 * subtask. A request larger than {@code maxRows} (scored alone) gets exact-size tensors, kept for reuse.
 * All tensors are closed in {@link #close}.
 */
public final class TfBatchScorer implements BatchScorer {
    private static final Logger LOG = LoggerFactory.getLogger(TfBatchScorer.class);
    private final FunnelScorer scorer;
    private final FeatureSpec encoderSpec;
    private final List<String> stages;
    private final String name;
    private final String version;
    private final TreeMap<Integer, FunnelScorer.Inputs> inputs = new TreeMap<>();
    private float[] out = new float[0];
    private float[] column = new float[0];
    private int maxRows;

    private TfBatchScorer(
            FunnelScorer scorer, FeatureSpec encoderSpec, List<String> stages, String name, String version) {
        this.scorer = scorer;
        this.encoderSpec = encoderSpec;
        this.stages = List.copyOf(stages);
        this.name = name;
        this.version = version;
    }

    /** Loads {@code modelDir}; the encoder uses the model's own {@code feature-spec.json}. */
    public static TfBatchScorer load(Path modelDir, List<String> stages) throws Exception {
        return load(modelDir, stages, TfSessionOptions.defaults());
    }

    /** Like {@link #load(Path, List)}, with the session's GPU options. */
    public static TfBatchScorer load(Path modelDir, List<String> stages, TfSessionOptions options) throws Exception {
        FeatureSpec spec = FeatureSpec.read(modelDir);
        FunnelScorer s = FunnelScorer.load(modelDir, spec, stages, options);
        Path abs = modelDir.toAbsolutePath().normalize();
        String version = abs.getFileName().toString();
        String name = abs.getParent() != null && abs.getParent().getFileName() != null
                ? abs.getParent().getFileName().toString()
                : "model";
        return new TfBatchScorer(s, spec, stages, name, version);
    }

    /**
     * Loads {@code modelDir} to score rows encoded with {@code producer}, reporting {@code name} and
     * {@code version} in predictions.
     *
     * @throws FeatureSpec.IncompatibleSpecException when {@code producer} cannot produce the model's features
     */
    public static TfBatchScorer load(
            Path modelDir, FeatureSpec producer, List<String> stages, String name, String version) throws Exception {
        return load(modelDir, producer, stages, name, version, TfSessionOptions.defaults());
    }

    /** Like {@link #load(Path, FeatureSpec, List, String, String)}, with the session's GPU options. */
    public static TfBatchScorer load(
            Path modelDir,
            FeatureSpec producer,
            List<String> stages,
            String name,
            String version,
            TfSessionOptions options)
            throws Exception {
        FunnelScorer s = FunnelScorer.load(modelDir, producer, stages, options);
        return new TfBatchScorer(s, producer, stages, name, version);
    }

    public static BatchScorerFactory factory(String modelDir, List<String> stages) {
        return factory(modelDir, stages, TfSessionOptions.defaults());
    }

    /** Each subtask's scorer logs, once when created, the devices TensorFlow sees and where the model's ops ran. */
    public static BatchScorerFactory factory(String modelDir, List<String> stages, TfSessionOptions options) {
        return new Factory(modelDir, List.copyOf(stages), options);
    }

    /** Where one traced call of the model ran: executed ops per device. */
    public Map<String, Integer> placement() {
        return scorer.placement();
    }

    /** The padded batch sizes for batches of up to {@code maxRows} rows, ascending. */
    public static List<Integer> buckets(int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, was " + maxRows);
        }
        TreeSet<Integer> b = new TreeSet<>();
        for (long p = 1; p < maxRows; p <<= 1) {
            b.add((int) p);
            if (p >= 2 && p + p / 2 < maxRows) {
                b.add((int) (p + p / 2));
            }
        }
        b.add(maxRows);
        return List.copyOf(b);
    }

    /** The warmed sizes (after {@link #warmUp}), ascending. */
    public List<Integer> warmedSizes() {
        return List.copyOf(inputs.keySet());
    }

    @Override
    public FeatureSpec spec() {
        return encoderSpec;
    }

    @Override
    public List<String> stages() {
        return stages;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public String modelVersion() {
        return version;
    }

    @Override
    public float[] score(EncodedBatch batch) {
        int rows = batch.rows();
        int k = stages.size();
        if (rows == 0) {
            return new float[0];
        }
        Map.Entry<Integer, FunnelScorer.Inputs> e = rows <= maxRows ? inputs.ceilingEntry(rows) : null;
        int padded = e == null ? rows : e.getKey();
        if (padded > batch.capacity()) {
            padded = rows;
            e = null;
        }
        FunnelScorer.Inputs in = e != null ? e.getValue() : inputs.computeIfAbsent(rows, scorer::newInputs);
        ensureBuffers(padded, k);
        batch.setRows(padded);
        try {
            scorer.score(batch, in, out, column);
        } finally {
            batch.setRows(rows);
        }
        return Arrays.copyOf(out, rows * k);
    }

    /** Allocates the input tensors of every bucket up to {@code maxRows} and scores each once. */
    @Override
    public void warmUp(int maxRows) {
        this.maxRows = Math.max(1, maxRows);
        List<Integer> sizes = buckets(this.maxRows);
        EncodedBatch b = new EncodedBatch(encoderSpec, this.maxRows);
        for (int n : sizes) {
            b.setRows(n);
            inputs.computeIfAbsent(n, scorer::newInputs);
            score(b);
        }
    }

    @Override
    public void close() {
        try {
            inputs.values().forEach(FunnelScorer.Inputs::close);
            inputs.clear();
        } finally {
            scorer.close();
        }
    }

    private void ensureBuffers(int rows, int k) {
        if (column.length < rows) {
            column = new float[rows];
        }
        if (out.length < rows * k) {
            out = new float[rows * k];
        }
    }

    private record Factory(String modelDir, List<String> stages, TfSessionOptions options)
            implements BatchScorerFactory {
        Factory {
            Objects.requireNonNull(modelDir, "modelDir");
            Objects.requireNonNull(options, "options");
        }

        @Override
        public FeatureSpec encoderSpec() throws Exception {
            return FeatureSpec.read(Path.of(modelDir));
        }

        @Override
        public BatchScorer create() throws Exception {
            TfBatchScorer s = load(Path.of(modelDir), stages, options);
            try {
                logDevices(s);
            } catch (RuntimeException e) {
                LOG.warn("could not list TensorFlow's devices ({}); scoring anyway", e.toString());
            }
            return s;
        }

        // Once per subtask: a GPU node whose CUDA libraries do not load falls back to the CPU silently otherwise.
        private void logDevices(TfBatchScorer s) {
            List<TfDevices.Device> devices = TfDevices.visible(options);
            LOG.info(
                    "TensorFlow devices (gpu memory growth {}, visible GPUs {}): {}",
                    options.gpuMemoryGrowth(),
                    options.visibleDevices().isEmpty() ? "all" : options.visibleDevices(),
                    devices.stream()
                            .map(d -> d.name() + " " + d.type()
                                    + (d.memoryBytes() > 0 ? " " + (d.memoryBytes() >> 20) + " MiB" : ""))
                            .toList());
            if (devices.stream().noneMatch(TfDevices.Device::isGpu)) {
                LOG.warn("no GPU visible, scoring on CPU");
            }
            LOG.info("model {}/{} ops per device: {}", s.modelName(), s.modelVersion(), s.placement());
        }

        @Override
        public BatchScorer create(ModelRef model) throws Exception {
            // the same session options as the configured model: a GPU job must not load its next version on the CPU
            return load(
                    ModelLocations.resolve(model.location()),
                    encoderSpec(),
                    stages,
                    model.name(),
                    model.version(),
                    options);
        }
    }
}
