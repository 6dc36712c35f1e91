package dev.tandem.features.funnel;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntPredicate;

/**
 * Per item and funnel target, the smoothed rate at which its exposures reached that target:
 * {@code (positives + α·global) / (exposures + α)}, where {@code global} is the rate over every counted
 * exposure; an item never counted gets the global rate. Fit on the rows a caller chooses (training rows
 * only: a rate fit on the rows it is then used on would carry their labels). Labels and masks are laid out
 * as {@link FunnelLabels#label} writes them: {@code k} targets per row, mask 0 = unknown (not counted).
 */
public final class ItemConversionRates {
    private final int k;
    private final double alpha;
    private final double[] global;
    private final Map<String, long[]> byItem;

    private ItemConversionRates(int k, double alpha, double[] global, Map<String, long[]> byItem) {
        this.k = k;
        this.alpha = alpha;
        this.global = global;
        this.byItem = byItem;
    }

    /**
     * @param items  the exposed item of every row
     * @param rows   counts row r when {@code rows.test(r)}
     * @param alpha  the prior's weight in exposures (≥ 0)
     */
    public static ItemConversionRates fit(
            String[] items, float[] labels, float[] mask, int k, IntPredicate rows, double alpha) {
        Objects.requireNonNull(items, "items");
        if (!(alpha >= 0) || k < 1 || labels.length != items.length * k || mask.length != labels.length) {
            throw new IllegalArgumentException(
                    "need alpha >= 0, k >= 1 and k labels and masks per item (k " + k + ", items " + items.length
                            + ", labels " + labels.length + ", mask " + mask.length + ", alpha " + alpha + ")");
        }
        double[] pos = new double[k];
        long[] n = new long[k];
        Map<String, long[]> byItem = new HashMap<>();
        for (int r = 0; r < items.length; r++) {
            if (!rows.test(r)) {
                continue;
            }
            long[] st = byItem.computeIfAbsent(items[r], x -> new long[2 * k]);
            for (int t = 0; t < k; t++) {
                if (mask[r * k + t] > 0) {
                    st[2 * t]++;
                    n[t]++;
                    if (labels[r * k + t] > 0.5f) {
                        st[2 * t + 1]++;
                        pos[t]++;
                    }
                }
            }
        }
        double[] global = new double[k];
        for (int t = 0; t < k; t++) {
            global[t] = n[t] == 0 ? 0 : pos[t] / n[t];
        }
        return new ItemConversionRates(k, alpha, global, byItem);
    }

    public int targets() {
        return k;
    }

    public double alpha() {
        return alpha;
    }

    public double globalRate(int target) {
        return global[Objects.checkIndex(target, k)];
    }

    /** Counted exposures of the item for the target (0 when never seen). */
    public long exposures(String item, int target) {
        long[] st = byItem.get(item);
        return st == null ? 0 : st[2 * Objects.checkIndex(target, k)];
    }

    public double rate(String item, int target) {
        return rate(item, target, alpha);
    }

    /** The rate with another prior weight (the counts are the same): how a caller tunes α without refitting. */
    public double rate(String item, int target, double alpha) {
        long[] st = byItem.get(item);
        double g = global[Objects.checkIndex(target, k)];
        if (st == null) {
            return g;
        }
        double n = st[2 * target];
        return n + alpha == 0 ? g : (st[2 * target + 1] + alpha * g) / (n + alpha);
    }
}
