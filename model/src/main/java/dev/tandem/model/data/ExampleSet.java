package dev.tandem.model.data;

import dev.tandem.model.features.EncodedBatch;
import java.util.List;

/**
 * Training and validation examples in time order of their exposures: rows {@code [0, trainCount)}
 * train, the rest validate. For example i and task k (index into {@link FunnelConfig#targets()}):
 * {@code labels[i·K + k]} is 1 if the user reached that stage for the exposed item within the
 * horizon (reaching a later stage counts as reaching the earlier ones), and {@code mask[i·K + k]}
 * is 0 when the example is censored for that stage (no positive yet and the horizon runs past the
 * end of the data), so it neither trains nor evaluates that stage.
 */
public record ExampleSet(
        FunnelConfig funnel,
        EncodedBatch features,
        float[] labels,
        float[] mask,
        long[] exposureTimeMs,
        String[] userIds,
        String[] itemIds,
        int trainCount,
        DataStats stats) {

    public int size() {
        return features.rows();
    }

    public int taskCount() {
        return funnel.taskCount();
    }

    public int validationCount() {
        return size() - trainCount;
    }

    public float label(int example, int task) {
        return labels[example * taskCount() + task];
    }

    public boolean known(int example, int task) {
        return mask[example * taskCount() + task] > 0;
    }

    public List<String> stageNames() {
        return funnel.targets().stream().map(Enum::name).toList();
    }
}
