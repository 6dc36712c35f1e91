package dev.tandem.datasets.generator;

import java.util.SplittableRandom;

/**
 * Walker's alias method: O(1) draws from a fixed discrete distribution. Popularity and
 * activity draws happen for every generated event, so a binary search per draw would dominate.
 */
final class AliasTable {
    private final double[] prob;
    private final int[] alias;

    AliasTable(double[] weights) {
        int n = weights.length;
        if (n == 0) throw new IllegalArgumentException("no weights");
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) throw new IllegalArgumentException("bad weight " + w);
            sum += w;
        }
        if (sum <= 0) throw new IllegalArgumentException("weights sum to zero");
        prob = new double[n];
        alias = new int[n];
        double[] scaled = new double[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int ns = 0;
        int nl = 0;
        for (int i = 0; i < n; i++) {
            scaled[i] = weights[i] * n / sum;
            if (scaled[i] < 1.0) small[ns++] = i;
            else large[nl++] = i;
        }
        while (ns > 0 && nl > 0) {
            int s = small[--ns];
            int l = large[--nl];
            prob[s] = scaled[s];
            alias[s] = l;
            scaled[l] = scaled[l] + scaled[s] - 1.0;
            if (scaled[l] < 1.0) small[ns++] = l;
            else large[nl++] = l;
        }
        // Leftovers are 1.0 up to rounding error.
        while (nl > 0) prob[large[--nl]] = 1.0;
        while (ns > 0) prob[small[--ns]] = 1.0;
    }

    int sample(SplittableRandom rnd) {
        int i = rnd.nextInt(prob.length);
        return rnd.nextDouble() < prob[i] ? i : alias[i];
    }

    int size() {
        return prob.length;
    }
}
