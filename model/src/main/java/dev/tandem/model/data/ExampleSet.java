package dev.tandem.model.data;

import dev.tandem.features.interaction.CandidateInteractions;
import dev.tandem.model.features.EncodedBatch;
import java.util.List;

/**
 * Training and validation examples in time order of their exposures, in three consecutive parts:
 * rows {@code [0, fitCount)} fit a model, rows {@code [fitCount, trainCount)} (the end of the training
 * period) choose among fits (early stopping, a baseline's regularization), the rest validate and are
 * reported, never used for a choice. For example i and task k (index into {@link FunnelConfig#targets()}):
 * {@code labels[i·K + k]} is 1 if the user reached that stage for the exposed item within the
 * horizon (reaching a later stage counts as reaching the earlier ones), and {@code mask[i·K + k]}
 * is 0 when the example is censored for that stage (no positive yet and the horizon runs past the
 * end of the data), so it neither trains nor evaluates that stage. {@code exposureEventIds[i]} is the
 * event id of example i's exposure (how a generated log's ground truth is joined).
 * {@code nextCategory[i]} is the category bucket of the user's next event after the exposure (the
 * auxiliary task's label), 0 when there is none. {@code interactions[i·W, (i+1)·W)} are the
 * {@link CandidateInteractions} of the exposed item in the user's history just before the exposure
 * (W = {@link #interactionLayout()}{@code .width()}). {@code candidatePrices[i]} and {@code userRecencyHours[i]}
 * are the raw numbers behind example i's price bucket and recency input ({@code DriftFeatures}: NaN when unknown):
 * what the model card's drift reference bins.
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
        int fitCount,
        int trainCount,
        DataStats stats,
        int[] nextCategory,
        float[] interactions,
        double[] candidatePrices,
        double[] userRecencyHours) {

    public ExampleSet {
        if (fitCount < 0 || fitCount > trainCount || trainCount > features.rows()) {
            throw new IllegalArgumentException("need 0 <= fitCount <= trainCount <= rows, was " + fitCount + ", "
                    + trainCount + ", " + features.rows());
        }
        if (candidatePrices.length != features.rows() || userRecencyHours.length != features.rows()) {
            throw new IllegalArgumentException("need a price and a recency per row");
        }
    }

    public int size() {
        return features.rows();
    }

    public int taskCount() {
        return funnel.taskCount();
    }

    /** Rows of the selection slice: the last training rows, where fits are compared. */
    public int selectionCount() {
        return trainCount - fitCount;
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

    /** The columns of {@link #interactions()}: the funnel's stages counted on the item and its category. */
    public CandidateInteractions interactionLayout() {
        return new CandidateInteractions(funnel.stages());
    }

    /**
     * The same examples without the training rows {@code drop} selects (selection and validation rows are
     * kept): e.g. hold a set of items out of fitting to measure cold start. Stats are carried over.
     */
    public ExampleSet withoutTrainingRows(java.util.function.IntPredicate drop) {
        int k = taskCount();
        int w = interactionLayout().width();
        int keptFit = 0;
        for (int i = 0; i < fitCount; i++) {
            if (!drop.test(i)) keptFit++;
        }
        int n = keptFit + selectionCount() + validationCount();
        EncodedBatch f = new EncodedBatch(features.spec(), Math.max(1, n));
        float[] l = new float[n * k];
        float[] m = new float[n * k];
        long[] t = new long[n];
        String[] u = new String[n];
        String[] it = new String[n];
        String[] ids = new String[n];
        int[] next = new int[n];
        float[] x = new float[n * w];
        double[] price = new double[n];
        double[] recency = new double[n];
        int r = 0;
        for (int i = 0; i < size(); i++) {
            if (i < fitCount && drop.test(i)) continue;
            features.copyRow(i, f, r);
            System.arraycopy(labels, i * k, l, r * k, k);
            System.arraycopy(mask, i * k, m, r * k, k);
            System.arraycopy(interactions, i * w, x, r * w, w);
            t[r] = exposureTimeMs[i];
            u[r] = userIds[i];
            it[r] = itemIds[i];
            ids[r] = exposureEventIds[i];
            next[r] = nextCategory[i];
            price[r] = candidatePrices[i];
            recency[r] = userRecencyHours[i];
            r++;
        }
        f.setRows(n);
        return new ExampleSet(
                funnel, f, l, m, t, u, it, ids, keptFit, keptFit + selectionCount(), stats, next, x, price, recency);
    }

    public List<String> stageNames() {
        return funnel.targets().stream().map(Enum::name).toList();
    }
}
