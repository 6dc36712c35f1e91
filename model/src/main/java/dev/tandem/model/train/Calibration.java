package dev.tandem.model.train;

import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.zoo.ModelZoo;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Temperature scaling of a funnel model, stage by stage, on held-out rows: P(reach stage t) is the product of the
 * stages' sigmoids σ(z_1)…σ(z_t), so each stage's logit z_t is recovered from consecutive reach probabilities and
 * multiplied by the s_t (an inverse temperature) that minimises the log loss of the calibrated P(reach t), with the
 * earlier stages already calibrated. s = 1 is among the candidates, so the held-out log loss of every stage can only
 * improve; the ranking within a stage does not change (s > 0). Why: a network trained to early stopping, and above all
 * one with a wide part learning faster than the rest, comes out over- or under-confident, and online monitoring
 * (ECE, the estimated AUC before labels) reads its probabilities as probabilities.
 */
public final class Calibration {
    static final double MIN_SCALE = 0.05;
    static final double MAX_SCALE = 5.0;
    private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    private Calibration() {}

    /**
     * Fits the kept epoch's inverse temperatures on the rows [from, from + n) (the selection slice) and writes them
     * into the model's variables (so the exported graph outputs calibrated probabilities) and into {@code best}; says
     * what it did on {@code progress}.
     *
     * @return the calibrated predictions of those rows, as the exported model gives them
     */
    static float[] apply(
            TrainingGraph g,
            ExampleSet data,
            Map<String, float[]> best,
            int from,
            int n,
            List<String> stages,
            Consumer<String> progress) {
        int k = stages.size();
        float[] ps = Trainer.predict(g, data.features(), from, n, k);
        float[] y = new float[n * k];
        float[] m = new float[n * k];
        System.arraycopy(data.labels(), from * k, y, 0, n * k);
        System.arraycopy(data.mask(), from * k, m, 0, n * k);
        double before = Trainer.loss(data, ps, from);
        double[] scale = inverseTemperatures(ps, y, m, k);
        for (int t = 0; t < k; t++) {
            String name = ModelZoo.INVERSE_TEMPERATURE + t;
            if (best.containsKey(name)) best.put(name, new float[] {(float) scale[t]});
        }
        g.model.params().assign(g.session, best);
        float[] calibrated = Trainer.predict(g, data.features(), from, n, k);
        double after = Trainer.loss(data, calibrated, from);
        StringBuilder line =
                new StringBuilder("calibration (temperature scaling on the selection slice): inverse temperature");
        for (int t = 0; t < k; t++) line.append(String.format(Locale.ROOT, " %s %.3f", stages.get(t), scale[t]));
        progress.accept(line.append(String.format(Locale.ROOT, "; selection loss %.4f → %.4f", before, after))
                .toString());
        return calibrated;
    }

    /**
     * @param reach  row-major [rows × stages] P(reach stage t) as the model outputs them
     * @param labels row-major reached (1) or not (0) per stage
     * @param mask   row-major 1 where the label is known (censored rows are 0)
     * @return the inverse temperature of each stage, in [{@value #MIN_SCALE}, {@value #MAX_SCALE}]; 1 for a stage with
     *     no known label of either class
     */
    public static double[] inverseTemperatures(float[] reach, float[] labels, float[] mask, int stages) {
        int rows = reach.length / stages;
        double[] scale = new double[stages];
        double[] before = new double[rows]; // calibrated P(reach t − 1); 1 before the first stage
        java.util.Arrays.fill(before, 1.0);
        double[] z = new double[rows];
        for (int t = 0; t < stages; t++) {
            boolean pos = false;
            boolean neg = false;
            for (int i = 0; i < rows; i++) {
                double prev = t == 0 ? 1.0 : reach[i * stages + t - 1];
                double cond = prev <= 0 ? Evaluation.EPS : reach[i * stages + t] / prev;
                cond = Math.min(1 - Evaluation.EPS, Math.max(Evaluation.EPS, cond));
                z[i] = Math.log(cond / (1 - cond));
                if (mask[i * stages + t] > 0) {
                    if (labels[i * stages + t] > 0.5f) pos = true;
                    else neg = true;
                }
            }
            final int stage = t;
            scale[t] = pos && neg
                    ? minimise(s -> loss(s, z, before, labels, mask, stage, stages), MIN_SCALE, MAX_SCALE)
                    : 1.0;
            for (int i = 0; i < rows; i++) before[i] = before[i] * sigmoid(scale[t] * z[i]);
        }
        return scale;
    }

    /** Mean log loss of stage t's calibrated P(reach) over the rows whose label is known. */
    static double loss(double s, double[] z, double[] before, float[] labels, float[] mask, int t, int stages) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < z.length; i++) {
            if (mask[i * stages + t] <= 0) continue;
            double q = before[i] * sigmoid(s * z[i]);
            q = Math.min(1 - Evaluation.EPS, Math.max(Evaluation.EPS, q));
            sum -= labels[i * stages + t] > 0.5f ? Math.log(q) : Math.log(1 - q);
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    /** Golden-section search for the minimum in log-space, then s = 1 if it is as good: never worse than no scaling. */
    static double minimise(java.util.function.DoubleUnaryOperator f, double lo, double hi) {
        double a = Math.log(lo);
        double b = Math.log(hi);
        double c = b - GOLDEN * (b - a);
        double d = a + GOLDEN * (b - a);
        double fc = f.applyAsDouble(Math.exp(c));
        double fd = f.applyAsDouble(Math.exp(d));
        for (int i = 0; i < 60 && b - a > 1e-4; i++) {
            if (fc < fd) {
                b = d;
                d = c;
                fd = fc;
                c = b - GOLDEN * (b - a);
                fc = f.applyAsDouble(Math.exp(c));
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + GOLDEN * (b - a);
                fd = f.applyAsDouble(Math.exp(d));
            }
        }
        double best = Math.exp((a + b) / 2);
        return f.applyAsDouble(best) < f.applyAsDouble(1.0) ? best : 1.0;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
