package dev.tandem.model.eval;

import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.EncodedBatch;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The two baselines every model is reported next to, fit on the training rows and scored on the
 * validation rows of the same {@link ExampleSet}:
 *
 * <ul>
 *   <li><b>popularity</b>: the item's smoothed rate of the stage among its training exposures,
 *       (positives + α·global rate) / (exposures + α), α = 10 — the global rate for unseen items;</li>
 *   <li><b>logistic regression</b> on the same encoded features (one-hot hashed ids of the candidate,
 *       bags of the sequence's categories and actions, whether the candidate's category / item is in the
 *       sequence, and user_dense), trained by plain SGD with L2, 3 epochs, seeded.</li>
 * </ul>
 * Both return P(reach stage k) for validation rows as float[validationCount · K], task-minor.
 */
public final class Baselines {
    private Baselines() {
    }

    public static float[] popularity(ExampleSet s) {
        int k = s.taskCount();
        int train = s.trainCount();
        double alpha = 10;
        double[] global = new double[k];
        long[] globalN = new long[k];
        Map<String, long[]> stats = new HashMap<>();
        for (int i = 0; i < train; i++) {
            long[] st = stats.computeIfAbsent(s.itemIds()[i], x -> new long[2 * k]);
            for (int t = 0; t < k; t++) {
                if (s.known(i, t)) {
                    st[2 * t]++;
                    globalN[t]++;
                    if (s.label(i, t) > 0) {
                        st[2 * t + 1]++;
                        global[t]++;
                    }
                }
            }
        }
        for (int t = 0; t < k; t++) {
            global[t] = globalN[t] == 0 ? 0 : global[t] / globalN[t];
        }
        float[] out = new float[s.validationCount() * k];
        for (int i = train; i < s.size(); i++) {
            long[] st = stats.get(s.itemIds()[i]);
            for (int t = 0; t < k; t++) {
                double n = st == null ? 0 : st[2 * t];
                double pos = st == null ? 0 : st[2 * t + 1];
                out[(i - train) * k + t] = (float) ((pos + alpha * global[t]) / (n + alpha));
            }
        }
        return out;
    }

    /** Hashed one-hot features of row i into idx/val; returns the count. */
    private static int features(EncodedBatch b, int i, int bits, int[] idx, float[] val) {
        int l = b.spec().sequenceLength();
        int dense = b.spec().denseWidth();
        int n = 0;
        idx[n] = 0;
        val[n++] = 1f; // bias
        idx[n] = slot(1, b.candItem[i], bits);
        val[n++] = 1f;
        idx[n] = slot(2, b.candCategory[i], bits);
        val[n++] = 1f;
        idx[n] = slot(3, b.candBrand[i], bits);
        val[n++] = 1f;
        idx[n] = slot(4, b.candPrice[i], bits);
        val[n++] = 1f;
        int sameCat = 0;
        int sameItem = 0;
        for (int j = 0; j < l; j++) {
            int c = b.seqCategory[i * l + j];
            if (c == 0) {
                continue;
            }
            int a = b.seqAction[i * l + j];
            idx[n] = slot(5, c, bits);
            val[n++] = 1f / l;
            idx[n] = slot(6, a, bits);
            val[n++] = 1f / l;
            if (c == b.candCategory[i]) {
                sameCat++;
                idx[n] = slot(7, a, bits); // actions on the candidate's category
                val[n++] = 1f;
            }
            if (b.seqItem[i * l + j] == b.candItem[i]) {
                sameItem++;
                idx[n] = slot(8, a, bits); // actions on the candidate itself
                val[n++] = 1f;
            }
        }
        idx[n] = 1;
        val[n++] = (float) Math.log1p(sameCat);
        idx[n] = 2;
        val[n++] = (float) Math.log1p(sameItem);
        for (int d = 0; d < dense; d++) {
            idx[n] = 16 + d;
            val[n++] = b.userDense[i * dense + d];
        }
        return n;
    }

    /** Slots below this hold the bias and the numeric features; hashed features never land there. */
    static final int FIXED_SLOTS = 256;

    /**
     * The weight slot of (field, id) in a table of 2^bits: all {@code bits} of a well-mixed hash
     * (murmur3's finalizer), and a slot that falls among the fixed ones moves up past them (2^-12 of
     * the ids, at 20 bits), so every other hashed feature is spread uniformly over the whole table.
     */
    static int slot(int field, int id, int bits) {
        int h = field * 0x9E3779B9 ^ id;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        int s = h & ((1 << bits) - 1);
        return s < FIXED_SLOTS ? s + FIXED_SLOTS : s;
    }

    public static float[] logisticRegression(ExampleSet s, long seed) {
        int k = s.taskCount();
        int bits = 20;
        int train = s.trainCount();
        EncodedBatch b = s.features();
        int maxF = 8 + 4 * b.spec().sequenceLength() + b.spec().denseWidth() + 4;
        int[] idx = new int[maxF];
        float[] val = new float[maxF];
        float[][] w = new float[k][1 << bits];
        double lr = 0.05;
        double l2 = 1e-6;
        Random rng = new Random(seed);
        int[] order = new int[train];
        for (int i = 0; i < train; i++) {
            order[i] = i;
        }
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int i = train - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int r : order) {
                int n = features(b, r, bits, idx, val);
                for (int t = 0; t < k; t++) {
                    if (!s.known(r, t)) {
                        continue;
                    }
                    float[] wt = w[t];
                    double z = 0;
                    for (int f = 0; f < n; f++) {
                        z += wt[idx[f]] * val[f];
                    }
                    double p = 1 / (1 + Math.exp(-z));
                    double g = p - s.label(r, t);
                    for (int f = 0; f < n; f++) {
                        wt[idx[f]] -= (float) (lr * (g * val[f] + l2 * wt[idx[f]]));
                    }
                }
            }
        }
        float[] out = new float[s.validationCount() * k];
        for (int r = train; r < s.size(); r++) {
            int n = features(b, r, bits, idx, val);
            for (int t = 0; t < k; t++) {
                double z = 0;
                for (int f = 0; f < n; f++) {
                    z += w[t][idx[f]] * val[f];
                }
                out[(r - train) * k + t] = (float) (1 / (1 + Math.exp(-z)));
            }
        }
        return out;
    }
}
