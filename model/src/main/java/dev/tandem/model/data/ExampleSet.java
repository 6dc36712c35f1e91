package dev.tandem.model.data;

import dev.tandem.model.features.EncodedBatch;
import java.util.List;

/**
 * Training and validation examples in time order of their exposures: rows {@code [0, trainCount)}
 * train, the rest validate. For example i and task k (index into {@link FunnelConfig#targets()}):
 * {@code labels[i·K + k]} is 1 if the user reached that stage for the exposed item within the
 * horizon (reaching a later stage counts as reaching the earlier ones), and {@code mask[i·K + k]}
 * is 0 when the example is censored for that stage (no positive yet and the horizon runs past the
 * end of the data), so it neither trains nor evaluates that stage. {@code exposureEventIds[i]} is the
 * event id of example i's exposure (how a generated log's ground truth is joined).
 * {@code nextCategory[i]} is the category bucket of the user's next event after the exposure (the
 * auxiliary task's label), 0 when there is none.
 */
public record ExampleSet(
        FunnelConfig funnel,
        EncodedBatch features,
        float[] labels,
        float[] mask,
        long[] exposureTimeMs,
        String[] userIds,
        String[] itemIds,
        String[] exposureEventIds,
        int trainCount,
        DataStats stats,
        int[] nextCategory) {

    /** Without next-category labels (every example masked out of the auxiliary task). */
    public ExampleSet(FunnelConfig funnel, EncodedBatch features, float[] labels, float[] mask, long[] exposureTimeMs, String[] userIds,
                      String[] itemIds, String[] exposureEventIds, int trainCount, DataStats stats) {
        this(funnel, features, labels, mask, exposureTimeMs, userIds, itemIds, exposureEventIds, trainCount, stats, new int[features.rows()]);
    }

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

    /**
     * The same examples without the training rows {@code drop} selects (validation rows are kept):
     * e.g. hold a set of items out of training to measure cold start. Stats are carried over.
     */
    public ExampleSet withoutTrainingRows(java.util.function.IntPredicate drop) {
        int k = taskCount();
        int keptTrain = 0;
        for (int i = 0; i < trainCount; i++) {
            if (!drop.test(i)) keptTrain++;
        }
        int n = keptTrain + validationCount();
        EncodedBatch f = new EncodedBatch(features.spec(), Math.max(1, n));
        float[] l = new float[n * k];
        float[] m = new float[n * k];
        long[] t = new long[n];
        String[] u = new String[n];
        String[] it = new String[n];
        String[] ids = new String[n];
        int[] next = new int[n];
        int r = 0;
        for (int i = 0; i < size(); i++) {
            if (i < trainCount && drop.test(i)) continue;
            features.copyRow(i, f, r);
            System.arraycopy(labels, i * k, l, r * k, k);
            System.arraycopy(mask, i * k, m, r * k, k);
            t[r] = exposureTimeMs[i];
            u[r] = userIds[i];
            it[r] = itemIds[i];
            ids[r] = exposureEventIds[i];
            next[r] = nextCategory[i];
            r++;
        }
        f.setRows(n);
        return new ExampleSet(funnel, f, l, m, t, u, it, ids, keptTrain, stats, next);
    }

    public List<String> stageNames() {
        return funnel.targets().stream().map(Enum::name).toList();
    }
}
