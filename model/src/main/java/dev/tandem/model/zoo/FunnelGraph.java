package dev.tandem.model.zoo;

import dev.tandem.model.features.FeatureSpec;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A built funnel model: its input placeholders (named by the feature spec), per-task logits
 * z_k of P(step k | step k−1), the log of P(reach stage k) = Σ_{j≤k} log σ(z_j), and the
 * probabilities P(reach stage k) as the outputs, named {@code p_<stage>}; and, when the auxiliary task
 * is built, the logits [B, category vocabulary] of the next event's category bucket (null otherwise); with
 * {@code itemRates}, the item-rate inputs looked up in the model's table [B, 3 × stages] (null otherwise), a tensor a
 * training step feeds with out-of-fold values in place of the lookup; with {@code dropout}, in the training graph
 * only, the keep probability a training step feeds (1 when not fed).
 */
public record FunnelGraph(
        FeatureSpec spec,
        ModelConfig config,
        List<String> stages,
        Map<String, Placeholder<?>> inputs,
        List<Operand<TFloat32>> logits,
        List<Operand<TFloat32>> logReach,
        List<Operand<TFloat32>> reach,
        Params params,
        Operand<TFloat32> nextCategoryLogits,
        Operand<TFloat32> itemRates,
        Operand<TFloat32> dropoutKeep) {

    /** Whether the auxiliary next-category head was built (training graphs with the task on only). */
    public boolean hasNextCategoryHead() {
        return nextCategoryLogits != null;
    }

    /** The output name of a stage: {@code p_} + the stage in lower case. */
    public static String outputName(String stage) {
        return "p_" + stage.toLowerCase(java.util.Locale.ROOT);
    }
}
