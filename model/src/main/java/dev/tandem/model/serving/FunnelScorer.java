package dev.tandem.model.serving;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.zoo.FunnelGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;

/**
 * Loads an exported model directory and scores encoded batches through its {@code serving_default}
 * signature. Refuses a model whose {@code feature-spec.json} the caller's encoder cannot produce.
 * Intra-op threads 1, inter-op −1 (ops run on the calling thread), as the platform runs TF Java;
 * GPU memory growth and visible devices from {@link TfSessionOptions}.
 */
public final class FunnelScorer implements AutoCloseable {
    private final SavedModelBundle bundle;
    private final SessionFunction fn;
    private final FeatureSpec spec;
    private final List<String> outputs;

    private FunnelScorer(SavedModelBundle bundle, FeatureSpec spec, List<String> outputs) {
        this.bundle = bundle;
        this.fn = bundle.function(Signature.DEFAULT_KEY);
        this.spec = spec;
        this.outputs = outputs;
    }

    /**
     * @param producer the spec of the encoder that will feed this model
     * @param stages   the stages to read, in order (e.g. CART, PURCHASE)
     * @throws FeatureSpec.IncompatibleSpecException when {@code producer} cannot produce the model's features
     */
    public static FunnelScorer load(Path modelDir, FeatureSpec producer, List<String> stages) throws IOException {
        return load(modelDir, producer, stages, TfSessionOptions.defaults());
    }

    /** Like {@link #load(Path, FeatureSpec, List)}, with the session's GPU options (memory growth, visible devices). */
    public static FunnelScorer load(Path modelDir, FeatureSpec producer, List<String> stages, TfSessionOptions options)
            throws IOException {
        FeatureSpec model = FeatureSpec.read(modelDir);
        producer.requireCanProduce(model);
        ConfigProto config = options.toConfigProto();
        SavedModelBundle b = SavedModelBundle.loader(modelDir.toString())
                .withTags(SavedModelBundle.DEFAULT_TAG)
                .withConfigProto(config)
                .load();
        return new FunnelScorer(
                b, model, stages.stream().map(FunnelGraph::outputName).toList());
    }

    public FeatureSpec spec() {
        return spec;
    }

    /** P(reach stage k) for every row: float[rows · K], stage-minor. */
    public float[] score(EncodedBatch batch) {
        int rows = batch.rows();
        int k = outputs.size();
        float[] out = new float[rows * k];
        Map<String, Tensor> in = Feeds.tensors(batch, 0, rows);
        try (Result r = fn.call(in)) {
            float[] col = new float[rows];
            for (int t = 0; t < k; t++) {
                String name = outputs.get(t);
                TFloat32 p = (TFloat32)
                        r.get(name).orElseThrow(() -> new IllegalStateException("model has no output " + name));
                p.copyTo(DataBuffers.of(col, false, false));
                for (int i = 0; i < rows; i++) {
                    out[i * k + t] = col[i];
                }
            }
        } finally {
            Feeds.close(in);
        }
        return out;
    }

    /**
     * Input tensors of one batch size, allocated once and refilled per call (no per-call tensor
     * allocation on the hot path). Close them when done.
     */
    public final class Inputs implements AutoCloseable {
        private final int rows;
        private final Map<String, Tensor> tensors;

        private Inputs(int rows) {
            this.rows = rows;
            this.tensors = Feeds.tensors(new EncodedBatch(spec, rows), 0, rows);
        }

        public int rows() {
            return rows;
        }

        @Override
        public void close() {
            Feeds.close(tensors);
        }
    }

    /** Reusable input tensors for batches of exactly {@code rows} rows. */
    public Inputs newInputs(int rows) {
        if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        return new Inputs(rows);
    }

    /**
     * Like {@link #score(EncodedBatch)}, but copies the batch into {@code in}'s tensors and writes the
     * probabilities into {@code out} (float[rows · K], stage-minor), allocating no input tensors.
     */
    public void score(EncodedBatch batch, Inputs in, float[] out, float[] column) {
        int rows = batch.rows();
        if (rows != in.rows)
            throw new IllegalArgumentException("batch has " + rows + " rows, the inputs are for " + in.rows);
        Feeds.copyInto(batch, rows, in.tensors);
        int k = outputs.size();
        try (Result r = fn.call(in.tensors)) {
            for (int t = 0; t < k; t++) {
                String name = outputs.get(t);
                TFloat32 p = (TFloat32)
                        r.get(name).orElseThrow(() -> new IllegalStateException("model has no output " + name));
                p.copyTo(DataBuffers.of(column, false, false).slice(0, rows));
                for (int i = 0; i < rows; i++) {
                    out[i * k + t] = column[i];
                }
            }
        }
    }

    /**
     * Where the graph runs: scores one padding row with a full trace and counts the executed ops
     * per device (e.g. {@code /job:localhost/replica:0/task:0/device:CPU:0} → its op count). TensorFlow
     * places ops when the session first runs them, so this is the placement real batches get.
     */
    public Map<String, Integer> placement() {
        Map<String, Tensor> in = Feeds.tensors(new EncodedBatch(spec, 1), 0, 1);
        try {
            Session.Runner runner = bundle.session().runner();
            Signature sig = fn.signature();
            in.forEach((key, t) -> runner.feed(sig.getInputs().get(key).name, t));
            outputs.forEach(o -> runner.fetch(sig.getOutputs().get(o).name));
            runner.setOptions(RunOptions.newBuilder()
                    .setTraceLevel(RunOptions.TraceLevel.FULL_TRACE)
                    .build());
            try (Result r = runner.runAndFetchMetadata()) {
                Map<String, Integer> out = new TreeMap<>();
                r.getMetadata()
                        .ifPresent(m -> m.getStepStats()
                                .getDevStatsList()
                                .forEach(d -> out.merge(d.getDevice(), d.getNodeStatsCount(), Integer::sum)));
                return out;
            }
        } finally {
            Feeds.close(in);
        }
    }

    public int stageCount() {
        return outputs.size();
    }

    @Override
    public void close() {
        bundle.close();
    }
}
