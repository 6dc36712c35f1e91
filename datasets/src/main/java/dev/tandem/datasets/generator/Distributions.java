package dev.tandem.datasets.generator;

import java.util.SplittableRandom;

/** The few continuous distributions the generator needs, on a caller-owned random source. */
final class Distributions {
    private Distributions() {}

    /** Standard normal by Box-Muller; one value per call keeps the draw order simple and deterministic. */
    static double normal(SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    static double logNormal(SplittableRandom rnd, double median, double sigma) {
        return median * Math.exp(sigma * normal(rnd));
    }

    static double exponential(SplittableRandom rnd, double mean) {
        return -mean * Math.log(1.0 - rnd.nextDouble());
    }

    /** Number of trials until the first success, at least 1, with the given mean. */
    static int geometric(SplittableRandom rnd, double mean) {
        if (mean <= 1.0) return 1;
        double p = 1.0 / mean;
        return 1 + (int) Math.floor(Math.log(1.0 - rnd.nextDouble()) / Math.log(1.0 - p));
    }

    /**
     * Gamma(shape, 1) by Marsaglia-Tsang; normalised gamma draws are a Dirichlet sample, which is
     * how users get uneven preferences over their favourite categories.
     */
    static double gamma(SplittableRandom rnd, double shape) {
        if (shape < 1.0) {
            return gamma(rnd, shape + 1.0) * Math.pow(rnd.nextDouble(), 1.0 / shape);
        }
        double d = shape - 1.0 / 3.0;
        double c = 1.0 / Math.sqrt(9.0 * d);
        while (true) {
            double x = normal(rnd);
            double v = 1.0 + c * x;
            if (v <= 0) continue;
            v = v * v * v;
            double u = rnd.nextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
            if (Math.log(u) < 0.5 * x * x + d * (1.0 - v + Math.log(v))) return d * v;
        }
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** Zipf weights 1/rank^s for ranks 1..n, in rank order. */
    static double[] zipf(int n, double s) {
        double[] w = new double[n];
        for (int i = 0; i < n; i++) w[i] = 1.0 / Math.pow(i + 1, s);
        return w;
    }

    /** Fisher-Yates, so "rank" and "id" are unrelated (the most popular item is not item 1). */
    static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
