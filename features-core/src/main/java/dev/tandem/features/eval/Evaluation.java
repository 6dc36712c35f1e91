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
 *
 * <p>How far an AUC can be trusted: {@link #aucInterval} resamples users (a group of rows) with
 * replacement and takes percentiles of the resampled AUCs (a user's rows are not independent: resampling
 * rows would give intervals too narrow). The draws depend only on the seed and the number of users, so
 * intervals of several models' scores on the same rows with the same seed are paired, and
 * {@link #aucDifferenceInterval} gives the interval of one AUC minus another.
 */
public final class Evaluation {
    public static final double EPS = 1e-7;

    private Evaluation() {}

    /** One stage's figures. AUC is NaN when the evaluated examples hold only one class. */
    public record Metrics(
            double auc, double logloss, double ece, long positives, long evaluated, List<CalibrationBin> calibration) {
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
    public record CalibrationBin(double lower, double upper, long count, double meanPredicted, double observedRate) {}

    /**
     * A bootstrap percentile interval around a figure computed on all rows.
     *
     * @param estimate  the figure on the rows as given
     * @param resamples resamples drawn
     * @param undefined resamples on which the figure was undefined (one class only), left out of the percentiles
     */
    public record Interval(double estimate, double lower, double upper, double level, int resamples, int undefined) {
        /** {@code {"lower", "upper"}} (null where undefined), as the model card publishes an interval. */
        public Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lower", Metrics.finiteOrNull(lower));
            m.put("upper", Metrics.finiteOrNull(upper));
            return m;
        }
    }

    /** Dense indices 0..G−1 of the ids (e.g. the user of every row), in order of first appearance. */
    public static int[] groups(String[] ids) {
        Map<String, Integer> index = new java.util.HashMap<>();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = index.computeIfAbsent(ids[i], x -> index.size());
        }
        return out;
    }

    /**
     * The {@code level} (e.g. 0.95) interval of the AUC when the groups of the rows (users) are resampled
     * with replacement {@code resamples} times, seeded.
     *
     * @param group the group of every row (see {@link #groups}); rows with mask 0 are ignored
     */
    public static Interval aucInterval(
            float[] p, float[] y, float[] mask, int[] group, int resamples, double level, long seed) {
        return bootstrap(new float[][] {p}, y, mask, group, resamples, level, seed, auc(p, y, mask));
    }

    /** The interval of AUC(a) − AUC(b) on the same rows, both scored on the same resampled users. */
    public static Interval aucDifferenceInterval(
            float[] a, float[] b, float[] y, float[] mask, int[] group, int resamples, double level, long seed) {
        return bootstrap(
                new float[][] {a, b}, y, mask, group, resamples, level, seed, auc(a, y, mask) - auc(b, y, mask));
    }

    private static Interval bootstrap(
            float[][] scores,
            float[] y,
            float[] mask,
            int[] group,
            int resamples,
            double level,
            long seed,
            double estimate) {
        if (resamples < 1 || !(level > 0 && level < 1) || group.length != y.length) {
            throw new IllegalArgumentException("need resamples >= 1, level in (0, 1) and a group per row (resamples "
                    + resamples + ", level " + level + ", " + group.length + " groups for " + y.length + " rows)");
        }
        // the evaluated rows, their groups renumbered densely among them
        int n = 0;
        for (int i = 0; i < y.length; i++) {
            n += mask == null || mask[i] > 0 ? 1 : 0;
        }
        int[] rows = new int[n];
        int[] g = new int[n];
        Map<Integer, Integer> dense = new java.util.HashMap<>();
        n = 0;
        for (int i = 0; i < y.length; i++) {
            if (mask == null || mask[i] > 0) {
                rows[n] = i;
                g[n++] = dense.computeIfAbsent(group[i], x -> dense.size());
            }
        }
        int groups = dense.size();
        boolean[] pos = new boolean[n];
        for (int j = 0; j < n; j++) {
            pos[j] = y[rows[j]] > 0.5f;
        }
        int[][] order = new int[scores.length][];
        float[][] sorted = new float[scores.length][];
        for (int s = 0; s < scores.length; s++) {
            float[] sc = new float[n];
            for (int j = 0; j < n; j++) {
                sc[j] = scores[s][rows[j]];
            }
            Integer[] o = new Integer[n];
            for (int j = 0; j < n; j++) {
                o[j] = j;
            }
            Arrays.sort(o, (u, v) -> Float.compare(sc[u], sc[v]));
            order[s] = new int[n];
            sorted[s] = new float[n];
            for (int j = 0; j < n; j++) {
                order[s][j] = o[j];
                sorted[s][j] = sc[o[j]];
            }
        }
        java.util.Random rng = new java.util.Random(seed);
        int[] times = new int[groups];
        double[] values = new double[resamples];
        int defined = 0;
        for (int b = 0; b < resamples; b++) {
            Arrays.fill(times, 0);
            for (int d = 0; d < groups; d++) {
                times[rng.nextInt(groups)]++;
            }
            double v = weightedAuc(order[0], sorted[0], pos, g, times);
            if (scores.length == 2) {
                v -= weightedAuc(order[1], sorted[1], pos, g, times);
            }
            if (!Double.isNaN(v)) {
                values[defined++] = v;
            }
        }
        double[] ok = Arrays.copyOf(values, defined);
        Arrays.sort(ok);
        double tail = (1 - level) / 2;
        return new Interval(
                estimate, percentile(ok, tail), percentile(ok, 1 - tail), level, resamples, resamples - defined);
    }

    /** AUC with row j weighted by times[g[j]]: the Mann–Whitney statistic over tie blocks of the sorted scores. */
    private static double weightedAuc(int[] order, float[] sorted, boolean[] pos, int[] g, int[] times) {
        double num = 0;
        double negBelow = 0;
        double posTotal = 0;
        int n = order.length;
        int i = 0;
        while (i < n) {
            int j = i;
            double bp = 0;
            double bn = 0;
            while (j < n && sorted[j] == sorted[i]) {
                int row = order[j];
                double w = times[g[row]];
                if (pos[row]) {
                    bp += w;
                } else {
                    bn += w;
                }
                j++;
            }
            num += bp * (negBelow + bn / 2);
            negBelow += bn;
            posTotal += bp;
            i = j;
        }
        return posTotal == 0 || negBelow == 0 ? Double.NaN : num / (posTotal * negBelow);
    }

    /** Linear interpolation between the order statistics of sorted values; NaN when there are none. */
    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    public static Metrics evaluate(float[] p, float[] y, float[] mask, int bins) {
        return new Metrics(
                auc(p, y, mask),
                logloss(p, y, mask),
                ece(p, y, mask, bins),
                count(y, mask, true),
                count(y, mask, false),
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
            out.add(new CalibrationBin(
                    (double) b / bins,
                    (double) (b + 1) / bins,
                    count[b],
                    count[b] == 0 ? Double.NaN : sumP[b] / count[b],
                    count[b] == 0 ? Double.NaN : sumY[b] / count[b]));
        }
        return out;
    }
}
