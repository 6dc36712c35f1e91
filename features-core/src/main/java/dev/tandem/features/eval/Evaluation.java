package dev.tandem.features.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Metrics of binary probabilities, pure Java: ROC AUC (ties get half credit, via average
 * ranks), log loss (probabilities clipped to [1e-7, 1 − 1e-7]), expected calibration error over
 * equal-width bins, and the calibration table behind it. Examples with weight 0 are ignored
 * (censored ones). Offline evaluation (the model card) and online grading of predictions use this
 * same code, so their figures agree on the same data.
 */
public final class Evaluation {
    public static final double EPS = 1e-7;

    private Evaluation() {
    }

    /** One stage's figures. AUC is NaN when the evaluated examples hold only one class. */
    public record Metrics(double auc, double logloss, double ece, long positives, long evaluated, List<CalibrationBin> calibration) {
        /**
         * The figures of one stage as the model card's {@code stages.<stage>} object (and whatever grades
         * predictions online) publishes them: auc, logloss, ece (null where undefined), positives, evaluated.
         */
        public Map<String, Object> figures() {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("auc", finiteOrNull(auc));
            s.put("logloss", finiteOrNull(logloss));
            s.put("ece", finiteOrNull(ece));
            s.put("positives", positives);
            s.put("evaluated", evaluated);
            return s;
        }

        private static Double finiteOrNull(double d) {
            return Double.isFinite(d) ? d : null;
        }
    }

    /** One bin of the calibration table: [lower, upper) of predicted probability. */
    public record CalibrationBin(double lower, double upper, long count, double meanPredicted, double observedRate) {
    }

    public static Metrics evaluate(float[] p, float[] y, float[] mask, int bins) {
        return new Metrics(auc(p, y, mask), logloss(p, y, mask), ece(p, y, mask, bins), count(y, mask, true), count(y, mask, false),
                calibration(p, y, mask, bins));
    }

    private static long count(float[] y, float[] mask, boolean positivesOnly) {
        long n = 0;
        for (int i = 0; i < y.length; i++) {
            if (mask == null || mask[i] > 0) {
                if (!positivesOnly || y[i] > 0.5f) {
                    n++;
                }
            }
        }
        return n;
    }

    /** ROC AUC = P(score of a random positive > score of a random negative), ties counted as ½. */
    public static double auc(float[] p, float[] y, float[] mask) {
        int n = 0;
        for (int i = 0; i < p.length; i++) {
            if (mask == null || mask[i] > 0) {
                n++;
            }
        }
        double[] score = new double[n];
        boolean[] pos = new boolean[n];
        int k = 0;
        for (int i = 0; i < p.length; i++) {
            if (mask == null || mask[i] > 0) {
                score[k] = p[i];
                pos[k] = y[i] > 0.5f;
                k++;
            }
        }
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(score[a], score[b]));
        double rankSumPos = 0;
        long nPos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[idx[j + 1]] == score[idx[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1; // 1-based
            for (int t = i; t <= j; t++) {
                if (pos[idx[t]]) {
                    rankSumPos += avgRank;
                    nPos++;
                }
            }
            i = j + 1;
        }
        long nNeg = n - nPos;
        if (nPos == 0 || nNeg == 0) {
            return Double.NaN;
        }
        return (rankSumPos - nPos * (nPos + 1) / 2.0) / ((double) nPos * nNeg);
    }

    public static double logloss(float[] p, float[] y, float[] mask) {
        double sum = 0;
        long n = 0;
        for (int i = 0; i < p.length; i++) {
            if (mask != null && mask[i] <= 0) {
                continue;
            }
            double q = Math.min(1 - EPS, Math.max(EPS, p[i]));
            sum += y[i] > 0.5f ? -Math.log(q) : -Math.log(1 - q);
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Σ_bins (count/n) · |mean predicted − observed rate|. */
    public static double ece(float[] p, float[] y, float[] mask, int bins) {
        List<CalibrationBin> table = calibration(p, y, mask, bins);
        long n = table.stream().mapToLong(CalibrationBin::count).sum();
        if (n == 0) {
            return Double.NaN;
        }
        double e = 0;
        for (CalibrationBin b : table) {
            if (b.count() > 0) {
                e += (double) b.count() / n * Math.abs(b.meanPredicted() - b.observedRate());
            }
        }
        return e;
    }

    public static List<CalibrationBin> calibration(float[] p, float[] y, float[] mask, int bins) {
        long[] count = new long[bins];
        double[] sumP = new double[bins];
        double[] sumY = new double[bins];
        for (int i = 0; i < p.length; i++) {
            if (mask != null && mask[i] <= 0) {
                continue;
            }
            int b = Math.min(bins - 1, Math.max(0, (int) (p[i] * bins)));
            count[b]++;
            sumP[b] += p[i];
            sumY[b] += y[i] > 0.5f ? 1 : 0;
        }
        List<CalibrationBin> out = new ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            out.add(new CalibrationBin((double) b / bins, (double) (b + 1) / bins, count[b],
                    count[b] == 0 ? Double.NaN : sumP[b] / count[b], count[b] == 0 ? Double.NaN : sumY[b] / count[b]));
        }
        return out;
    }
}
