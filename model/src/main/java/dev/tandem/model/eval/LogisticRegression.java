package dev.tandem.model.eval;

import dev.tandem.model.data.ExampleSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One logistic regression per funnel target over {@link LrRows}' features (2^20 hashed weights), fit
 * on the fit rows by AdaGrad with L2; the learning rate, the L2 strength and the number of epochs are
 * the ones with the lowest log loss on the selection slice (each setting of the grid runs until the
 * slice's loss has not improved for {@link #PATIENCE} epochs, at most {@link #MAX_EPOCHS}). Seeded: the
 * same data and seed give the same predictions.
 */
final class LogisticRegression {
    static final int BITS = 20;
    static final double[] RATE_GRID = {0.01, 0.03, 0.1};
    static final double[] L2_GRID = {1e-6, 1e-4, 1e-2};
    static final int MAX_EPOCHS = 8;
    static final int PATIENCE = 2;
    /** What is used when a target has no known selection row to choose with. */
    static final double FALLBACK_RATE = 0.03;

    static final double FALLBACK_L2 = 1e-6;
    static final int FALLBACK_EPOCHS = 3;

    private LogisticRegression() {}

    static Baselines.Fit fit(ExampleSet s, long seed) {
        LrRows rows = LrRows.of(s, BITS);
        int k = s.taskCount();
        int train = s.trainCount();
        float[] out = new float[s.validationCount() * k];
        List<Baselines.Choice> choices = new ArrayList<>(k);
        for (int t = 0; t < k; t++) {
            double bestLoss = Double.POSITIVE_INFINITY;
            double bestRate = FALLBACK_RATE;
            double bestL2 = FALLBACK_L2;
            int bestEpochs = FALLBACK_EPOCHS;
            float[] bestW = null;
            boolean canChoose = known(s, t, s.fitCount(), train) > 0;
            for (double[] setting : canChoose ? grid() : new double[][] {{FALLBACK_RATE, FALLBACK_L2}}) {
                double rate = setting[0];
                double l2 = setting[1];
                float[] w = new float[1 << BITS];
                float[] g2 = new float[1 << BITS];
                int[] order = fitOrder(s, t);
                Random rng = new Random(seed); // every setting sees the same row orders
                int sinceBest = 0;
                double runBest = Double.POSITIVE_INFINITY;
                int epochs = canChoose ? MAX_EPOCHS : FALLBACK_EPOCHS;
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    shuffle(order, rng);
                    for (int r : order) {
                        step(rows, r, s.label(r, t), w, g2, rate, l2);
                    }
                    if (!canChoose) {
                        continue;
                    }
                    double loss = selectionLoss(rows, s, t, w);
                    if (bestW == null || loss < bestLoss - 1e-9) {
                        bestLoss = loss;
                        bestRate = rate;
                        bestL2 = l2;
                        bestEpochs = epoch;
                        bestW = w.clone();
                    }
                    if (loss < runBest - 1e-9) {
                        runBest = loss;
                        sinceBest = 0;
                    } else if (++sinceBest >= PATIENCE) {
                        break;
                    }
                }
                if (!canChoose) {
                    bestW = w;
                }
            }
            Map<String, Number> chosen = new LinkedHashMap<>();
            chosen.put("learning_rate", bestRate);
            chosen.put("l2", bestL2);
            chosen.put("epochs", bestEpochs);
            choices.add(new Baselines.Choice(chosen, bestLoss));
            for (int r = train; r < s.size(); r++) {
                out[(r - train) * k + t] = (float) sigmoid(dot(rows, r, bestW));
            }
        }
        return new Baselines.Fit(out, choices);
    }

    private static double[][] grid() {
        double[][] g = new double[RATE_GRID.length * L2_GRID.length][];
        int i = 0;
        for (double rate : RATE_GRID) {
            for (double l2 : L2_GRID) {
                g[i++] = new double[] {rate, l2};
            }
        }
        return g;
    }

    private static int known(ExampleSet s, int t, int from, int to) {
        int n = 0;
        for (int r = from; r < to; r++) {
            n += s.known(r, t) ? 1 : 0;
        }
        return n;
    }

    private static int[] fitOrder(ExampleSet s, int t) {
        int[] order = new int[known(s, t, 0, s.fitCount())];
        int n = 0;
        for (int r = 0; r < s.fitCount(); r++) {
            if (s.known(r, t)) {
                order[n++] = r;
            }
        }
        return order;
    }

    private static void shuffle(int[] order, Random rng) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
    }

    private static double dot(LrRows rows, int r, float[] w) {
        double z = 0;
        for (int f = rows.start[r]; f < rows.start[r + 1]; f++) {
            z += w[rows.slot[f]] * rows.value[f];
        }
        return z;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, z))));
    }

    /** One AdaGrad step on row r; L2 acts on the weights the row touches. */
    private static void step(LrRows rows, int r, float y, float[] w, float[] g2, double rate, double l2) {
        double g = sigmoid(dot(rows, r, w)) - y;
        for (int f = rows.start[r]; f < rows.start[r + 1]; f++) {
            int i = rows.slot[f];
            double gi = g * rows.value[f] + l2 * w[i];
            g2[i] += (float) (gi * gi);
            w[i] -= (float) (rate * gi / Math.sqrt(g2[i] + 1e-8));
        }
    }

    private static double selectionLoss(LrRows rows, ExampleSet s, int t, float[] w) {
        double sum = 0;
        long n = 0;
        for (int r = s.fitCount(); r < s.trainCount(); r++) {
            if (!s.known(r, t)) {
                continue;
            }
            double p = Math.min(1 - 1e-7, Math.max(1e-7, sigmoid(dot(rows, r, w))));
            sum += s.label(r, t) > 0.5f ? -Math.log(p) : -Math.log(1 - p);
            n++;
        }
        return sum / n;
    }
}
