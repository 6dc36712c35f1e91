package dev.tandem.model.zoo;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Which model to build and how to train it. Read from JSON ({@link #fromJson}); a malformed file is
 * refused with the name of the offending field. Absent fields take the defaults of
 * {@link #defaults()}.
 *
 * @param name              the model's name (the directory under the output root)
 * @param architecture      an {@link Architecture} code: {@code shared_bottom}, {@code mmoe} or {@code ple}
 * @param sequenceEncoder   a {@link SequenceEncoder} code: {@code mean} (masked mean pool), {@code target_attention}
 *                          (DIN-style, masked) or {@code transformer} (one self-attention block, then target attention)
 * @param embeddingDim      width of every embedding
 * @param useItemId         whether hashed item ids enter the model (false: an ID-free metadata item tower)
 * @param hidden            shared-bottom layers, and the layers of every expert (MMoE, PLE)
 * @param experts           MMoE experts; PLE shared experts
 * @param taskExperts       PLE task-specific experts per task
 * @param towerHidden       per-task tower layers
 * @param attentionHidden   hidden width of the target-attention scorer
 * @param taskSeGating      per-task squeeze-and-excitation gating of the task's input
 * @param fieldAttention    AutoInt: one self-attention layer over the feature fields (candidate embeddings, pooled
 *                          sequence, item tower, projections of the dense inputs), flattened into the shared input
 * @param taskSequences     DTRN: each task's tower also gets its own query's attention over each action's
 *                          sub-sequence (views, carts, purchases) of the behaviour sequence
 * @param wide              Wide &amp; Deep: add a linear logit over the dense inputs ({@code user_dense},
 *                          {@code cand_history}) to every stage's logit, trained jointly
 * @param wideLearningRateScale the wide part's Adam learning rate is {@code learningRate} times this
 * @param wideCrosses       the wide part also gets hashed one-hots and crosses (candidate item, category, brand,
 *                          price; the sequence's categories and actions; the actions and time gaps of events on the
 *                          candidate's category and item, candidate category × action), one weight per task each
 * @param itemRates         the candidate item's smoothed conversion rate per stage, from the training rows, as inputs
 *                          of the deep and the wide part; the exported model carries them as a table by hashed item
 *                          id (a new item gets the global rates)
 * @param dropout           dropout rate of the shared input and of every hidden layer, in training only; absent (null):
 *                          chosen from the number of fit examples n when training starts, 0.5 · √min(1, 10,000 / n)
 * @param l2                L2 weight on the deep part's weight matrices and embedding rows (added to their gradients);
 *                          absent: 0.001 · min(1, 10,000 / n). The exported config holds the values used
 * @param learningRate      Adam learning rate
 * @param batchSize         mini-batch size
 * @param epochs            maximum epochs
 * @param patience          early stopping: epochs without a better selection-slice loss before stopping
 * @param seed              seed of the initial weights and of the shuffling
 * @param auxiliary         optional auxiliary tasks trained jointly, e.g. {@code {"next_category": {"weight": 0.1}}}; null: none
 */
@JsonPropertyOrder({
    "name",
    "architecture",
    "sequenceEncoder",
    "embeddingDim",
    "useItemId",
    "hidden",
    "experts",
    "taskExperts",
    "towerHidden",
    "attentionHidden",
    "taskSeGating",
    "fieldAttention",
    "taskSequences",
    "wide",
    "wideLearningRateScale",
    "wideCrosses",
    "itemRates",
    "dropout",
    "l2",
    "learningRate",
    "batchSize",
    "epochs",
    "patience",
    "seed",
    "auxiliary"
})
public record ModelConfig(
        String name,
        String architecture,
        String sequenceEncoder,
        Integer embeddingDim,
        Boolean useItemId,
        List<Integer> hidden,
        Integer experts,
        Integer taskExperts,
        List<Integer> towerHidden,
        Integer attentionHidden,
        Boolean taskSeGating,
        Boolean fieldAttention,
        Boolean taskSequences,
        Boolean wide,
        Double wideLearningRateScale,
        Boolean wideCrosses,
        Boolean itemRates,
        Double dropout,
        Double l2,
        Double learningRate,
        Integer batchSize,
        Integer epochs,
        Integer patience,
        Long seed,
        // absent from the JSON when off, so configs and cards of models without it stay as they were
        @JsonInclude(JsonInclude.Include.NON_NULL) Auxiliary auxiliary) {

    /** Auxiliary tasks: only the training graph has them; the exported serving graph does not. */
    public record Auxiliary(@JsonProperty("next_category") NextCategory nextCategory) {}

    /**
     * A softmax head predicting the category bucket of the user's next event after the exposure,
     * its cross-entropy added to the funnel loss times {@code weight}.
     */
    public record NextCategory(Double weight) {
        public NextCategory {
            weight = weight == null ? 0.1 : weight;
            require(
                    weight > 0 && weight <= 100 && Double.isFinite(weight),
                    "auxiliary.next_category.weight",
                    "must be in (0, 100], was " + weight);
        }
    }

    public static final String FILE_NAME = "model-config.json";
    /** The default of {@link #wide()}. */
    public static final boolean DEFAULT_WIDE = true;
    /** The default of {@link #wideCrosses()}. */
    public static final boolean DEFAULT_WIDE_CROSSES = false;
    /** The default of {@link #itemRates()}. */
    public static final boolean DEFAULT_ITEM_RATES = true;
    /** {@link Architecture#codes()}: the accepted {@code architecture} values. */
    public static final List<String> ARCHITECTURES = Architecture.codes();
    /** {@link SequenceEncoder#codes()}: the accepted {@code sequenceEncoder} values. */
    public static final List<String> SEQUENCE_ENCODERS = SequenceEncoder.codes();

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public ModelConfig {
        name = name == null ? "funnel" : name;
        architecture = architecture == null ? Architecture.MMOE.code() : architecture;
        sequenceEncoder = sequenceEncoder == null ? SequenceEncoder.TARGET_ATTENTION.code() : sequenceEncoder;
        embeddingDim = embeddingDim == null ? 16 : embeddingDim;
        useItemId = useItemId == null ? Boolean.TRUE : useItemId;
        hidden = hidden == null ? List.of(64) : List.copyOf(hidden);
        experts = experts == null ? 4 : experts;
        taskExperts = taskExperts == null ? 1 : taskExperts;
        towerHidden = towerHidden == null ? List.of(32) : List.copyOf(towerHidden);
        attentionHidden = attentionHidden == null ? 32 : attentionHidden;
        taskSeGating = taskSeGating == null ? Boolean.FALSE : taskSeGating;
        fieldAttention = fieldAttention == null ? Boolean.FALSE : fieldAttention;
        taskSequences = taskSequences == null ? Boolean.FALSE : taskSequences;
        wide = wide == null ? DEFAULT_WIDE : wide;
        wideLearningRateScale = wideLearningRateScale == null ? 10.0 : wideLearningRateScale;
        wideCrosses = wideCrosses == null ? DEFAULT_WIDE_CROSSES : wideCrosses;
        itemRates = itemRates == null ? DEFAULT_ITEM_RATES : itemRates;
        learningRate = learningRate == null ? 0.003 : learningRate;
        batchSize = batchSize == null ? 256 : batchSize;
        epochs = epochs == null ? 10 : epochs;
        patience = patience == null ? 2 : patience;
        seed = seed == null ? 42L : seed;
        require(
                !name.isBlank() && name.matches("[A-Za-z0-9._-]+"),
                "name",
                "must be letters, digits, '.', '_' or '-', was '" + name + "'");
        require(
                ARCHITECTURES.contains(architecture),
                "architecture",
                "must be one of " + ARCHITECTURES + ", was '" + architecture + "'");
        require(
                SEQUENCE_ENCODERS.contains(sequenceEncoder),
                "sequenceEncoder",
                "must be one of " + SEQUENCE_ENCODERS + ", was '" + sequenceEncoder + "'");
        require(embeddingDim >= 1 && embeddingDim <= 512, "embeddingDim", "must be in [1, 512], was " + embeddingDim);
        require(
                !hidden.isEmpty() && hidden.stream().allMatch(h -> h != null && h >= 1 && h <= 4096),
                "hidden",
                "must be 1 to n widths in [1, 4096], was " + hidden);
        require(
                towerHidden.stream().allMatch(h -> h != null && h >= 1 && h <= 4096),
                "towerHidden",
                "widths must be in [1, 4096], was " + towerHidden);
        require(experts >= 1 && experts <= 64, "experts", "must be in [1, 64], was " + experts);
        require(taskExperts >= 1 && taskExperts <= 64, "taskExperts", "must be in [1, 64], was " + taskExperts);
        require(
                attentionHidden >= 1 && attentionHidden <= 1024,
                "attentionHidden",
                "must be in [1, 1024], was " + attentionHidden);
        require(
                learningRate > 0 && learningRate < 1 && Double.isFinite(learningRate),
                "learningRate",
                "must be in (0, 1), was " + learningRate);
        require(
                wideLearningRateScale > 0 && wideLearningRateScale <= 1000 && Double.isFinite(wideLearningRateScale),
                "wideLearningRateScale",
                "must be in (0, 1000], was " + wideLearningRateScale);
        require(dropout == null || (dropout >= 0 && dropout <= 0.9), "dropout", "must be in [0, 0.9], was " + dropout);
        require(l2 == null || (l2 >= 0 && l2 <= 1), "l2", "must be in [0, 1], was " + l2);
        require(batchSize >= 1 && batchSize <= 65_536, "batchSize", "must be in [1, 65536], was " + batchSize);
        require(epochs >= 1 && epochs <= 10_000, "epochs", "must be in [1, 10000], was " + epochs);
        require(patience >= 0, "patience", "must be >= 0, was " + patience);
    }

    /** {@link #architecture()} as its enum (the constructor accepted only known codes). */
    public Architecture architectureType() {
        return Architecture.of(architecture);
    }

    /** {@link #sequenceEncoder()} as its enum (the constructor accepted only known codes). */
    public SequenceEncoder sequenceEncoderType() {
        return SequenceEncoder.of(sequenceEncoder);
    }

    public static ModelConfig defaults() {
        return new ModelConfig(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null);
    }

    /** The weight of the auxiliary next-category loss, 0 when the task is off. */
    public double nextCategoryWeight() {
        return auxiliary == null || auxiliary.nextCategory() == null
                ? 0
                : auxiliary.nextCategory().weight();
    }

    /** With the auxiliary next-category task at {@code weight}, or without it for 0. */
    public ModelConfig withNextCategoryTask(double weight) {
        return copy(c -> {
            c.auxiliary = weight == 0 ? null : new Auxiliary(new NextCategory(weight));
        });
    }

    public ModelConfig withArchitecture(String arch, String encoder) {
        return copy(c -> {
            c.architecture = arch;
            c.sequenceEncoder = encoder;
        });
    }

    public ModelConfig withTraining(double lr, int batch, int maxEpochs, int patienceEpochs, long rngSeed) {
        return copy(c -> {
            c.learningRate = lr;
            c.batchSize = batch;
            c.epochs = maxEpochs;
            c.patience = patienceEpochs;
            c.seed = rngSeed;
        });
    }

    public ModelConfig withName(String n) {
        return copy(c -> {
            c.name = n;
        });
    }

    public ModelConfig withItemId(boolean use) {
        return copy(c -> {
            c.useItemId = use;
        });
    }

    public ModelConfig withWide(boolean w) {
        return copy(c -> {
            c.wide = w;
        });
    }

    public ModelConfig withWideCrosses(boolean on) {
        return copy(c -> {
            c.wideCrosses = on;
        });
    }

    /** Examples at and above which the automatic regularisation starts to weaken. */
    public static final int REGULARIZATION_EXAMPLES = 10_000;

    /** {@link #dropout()}, 0 while it is still to be chosen. */
    public double dropoutRate() {
        return dropout == null ? 0 : dropout;
    }

    /** {@link #l2()}, 0 while it is still to be chosen. */
    public double l2Weight() {
        return l2 == null ? 0 : l2;
    }

    /** Whether dropout or L2 are still to be chosen from the data ({@link #withRegularizationFor}). */
    public boolean regularizationAutomatic() {
        return dropout == null || l2 == null;
    }

    /**
     * With the absent dropout and L2 chosen for {@code fitExamples}: a small log needs strong regularisation, a large
     * one little (a prior's weight against a mean loss shrinks as 1/n). Measured on the generated log (7,624 fit rows)
     * and the Taobao sample (4,478): model/README.md.
     */
    public ModelConfig withRegularizationFor(int fitExamples) {
        double scale = Math.min(1.0, REGULARIZATION_EXAMPLES / (double) Math.max(1, fitExamples));
        double rate = Math.round(0.5 * Math.sqrt(scale) * 1000) / 1000.0;
        double weight = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3g", 0.001 * scale));
        return copy(c -> {
            c.dropout = dropout != null ? dropout : rate;
            c.l2 = l2 != null ? l2 : weight;
        });
    }

    /** Another regularisation: dropout rate and L2 weight. */
    public ModelConfig withRegularization(double dropoutRate, double l2Weight) {
        return copy(c -> {
            c.dropout = dropoutRate;
            c.l2 = l2Weight;
        });
    }

    public ModelConfig withItemRates(boolean on) {
        return copy(c -> {
            c.itemRates = on;
        });
    }

    /** Another size: embedding width, shared (expert) layers, tower layers. */
    public ModelConfig withSize(int embedding, List<Integer> hiddenLayers, List<Integer> towerLayers) {
        return copy(c -> {
            c.embeddingDim = embedding;
            c.hidden = hiddenLayers;
            c.towerHidden = towerLayers;
        });
    }

    /** Its linear part alone: architecture {@code linear}, no auxiliary task (it has no shared layers to shape). */
    public ModelConfig linearPart() {
        return copy(c -> {
            c.architecture = Architecture.LINEAR.code();
            c.auxiliary = null;
        });
    }

    public ModelConfig withFieldAttention(boolean on) {
        return copy(c -> {
            c.fieldAttention = on;
        });
    }

    public ModelConfig withTaskSequences(boolean on) {
        return copy(c -> {
            c.taskSequences = on;
        });
    }

    public ModelConfig withTaskSeGating(boolean se) {
        return copy(c -> {
            c.taskSeGating = se;
        });
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Eight hex digits of a hash of {@link #toJson()}: equal configs have equal fingerprints, and a cache keyed by it
     * (the demo's models) retrains when any setting, or a default, changes.
     */
    public String fingerprint() {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return String.format(java.util.Locale.ROOT, "%08x", crc.getValue());
    }

    /** @throws IllegalArgumentException naming the field of a malformed config */
    public static ModelConfig fromJson(String json) {
        try {
            return JSON.readValue(json, ModelConfig.class);
        } catch (ValueInstantiationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("invalid model config: " + c.getMessage(), e);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(
                    "invalid model config: field '" + fieldPath(e) + "': " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid model config JSON: " + e.getMessage(), e);
        }
    }

    public static ModelConfig read(Path file) throws IOException {
        return fromJson(Files.readString(file));
    }

    private static String fieldPath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static void require(boolean ok, String field, String message) {
        if (!ok) {
            throw new IllegalArgumentException("field '" + field + "' " + message);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelConfig m && toJson().equals(m.toJson());
    }

    @Override
    public int hashCode() {
        return Objects.hash(toJson());
    }

    /** A copy with some components changed: the components are listed once here, not in every {@code withX}. */
    private ModelConfig copy(java.util.function.Consumer<ModelConfigCopy> change) {
        ModelConfigCopy c = new ModelConfigCopy(this);
        change.accept(c);
        return c.build();
    }
}
