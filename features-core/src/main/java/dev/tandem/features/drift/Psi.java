package dev.tandem.features.drift;

/**
 * The population stability index of an observed distribution against a reference over the same bins:
 * {@code PSI = Σ_i (q_i − p_i) · ln(q_i / p_i)}, p the reference's share of bin i and q the observed one. 0 when
 * they agree; by the usual reading below 0.1 is stable, 0.1–0.25 a moderate shift, above 0.25 a large one.
 *
 * <p>Smoothed: every bin gets {@value #PSEUDO_COUNT} of a count on both sides before the shares are taken, so an
 * empty bin (a price range the reference never saw) gives a large finite term instead of an infinite one. Bins
 * empty on both sides are left out: they say nothing. Noise alone gives about (bins − 1) / observed count (a χ²
 * over the count), so a PSI over a few hundred values is noisy; callers show the count with it.
 */
public final class Psi {
    /** Added to every bin's count on both sides (Jeffreys' ½). */
    public static final double PSEUDO_COUNT = 0.5;

    private Psi() {}

    /** PSI of {@code observed} against {@code expected} (counts over the same slots); NaN when either is empty. */
    public static double of(long[] expected, long[] observed) {
        if (expected.length != observed.length) {
            throw new IllegalArgumentException(
                    "different bins: " + expected.length + " reference slots, " + observed.length + " observed");
        }
        double e = 0;
        double o = 0;
        int used = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] < 0 || observed[i] < 0) throw new IllegalArgumentException("negative count");
            if (expected[i] == 0 && observed[i] == 0) continue;
            e += expected[i];
            o += observed[i];
            used++;
        }
        if (e == 0 || o == 0) return Double.NaN;
        double eTotal = e + PSEUDO_COUNT * used;
        double oTotal = o + PSEUDO_COUNT * used;
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0 && observed[i] == 0) continue;
            double p = (expected[i] + PSEUDO_COUNT) / eTotal;
            double q = (observed[i] + PSEUDO_COUNT) / oTotal;
            psi += (q - p) * Math.log(q / p);
        }
        return psi;
    }
}
