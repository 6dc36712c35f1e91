package dev.tandem.model.eval;

import dev.tandem.features.funnel.ItemConversionRates;
import dev.tandem.model.data.ExampleSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two baselines every model is reported next to, under the model's own protocol: fit on the fit
 * rows of an {@link ExampleSet}, every choice made on its selection slice, scored on its validation rows.
 *
 * <ul>
 *   <li><b>popularity</b>: the item's smoothed rate of the stage among its fit exposures,
 *       (positives + α·global rate) / (exposures + α), the global rate for unseen items; α of
 *       {@link #POPULARITY_ALPHAS} with the lowest selection log loss;</li>
 *   <li><b>logistic regression</b> on everything the network is given plus explicit candidate interactions
 *       and the item's conversion rates ({@link LrRows}), its settings chosen on the selection slice
 *       ({@link LogisticRegression}: learning rate, L2 and epochs).</li>
 * </ul>
 * Both give P(reach stage k) for validation rows as float[validationCount · K], task-minor, with what was
 * chosen per stage.
 */
public final class Baselines {
    /** Slots below this hold the bias and the numeric features; hashed features never land there. */
    static final int FIXED_SLOTS = 256;

    static final double[] POPULARITY_ALPHAS = {1, 3, 10, 30, 100};
    static final double POPULARITY_FALLBACK_ALPHA = 10;

    private Baselines() {}

    /** What was chosen for one stage on the selection slice, and the slice's log loss with it (NaN when nothing could be chosen). */
    public record Choice(Map<String, Number> settings, double selectionLogloss) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>(settings);
            m.put("selection_logloss", Double.isFinite(selectionLogloss) ? selectionLogloss : null);
            return m;
        }
    }

    /** A baseline's validation predictions (float[validationCount · K]) and its choice per stage. */
    public record Fit(float[] validation, List<Choice> choices) {}

    public static Fit popularity(ExampleSet s) {
        int k = s.taskCount();
        int train = s.trainCount();
        ItemConversionRates rates = ItemConversionRates.fit(
                s.itemIds(), s.labels(), s.mask(), k, r -> r < s.fitCount(), POPULARITY_FALLBACK_ALPHA);
        float[] out = new float[s.validationCount() * k];
        List<Choice> choices = new ArrayList<>(k);
        for (int t = 0; t < k; t++) {
            double alpha = POPULARITY_FALLBACK_ALPHA;
            double best = Double.NaN;
            for (double a : POPULARITY_ALPHAS) {
                double loss = selectionLoss(s, rates, t, a);
                if (!Double.isNaN(loss) && (Double.isNaN(best) || loss < best - 1e-12)) {
                    best = loss;
                    alpha = a;
                }
            }
            for (int r = train; r < s.size(); r++) {
                out[(r - train) * k + t] = (float) rates.rate(s.itemIds()[r], t, alpha);
            }
            choices.add(new Choice(Map.of("alpha", alpha), best));
        }
        return new Fit(out, choices);
    }

    private static double selectionLoss(ExampleSet s, ItemConversionRates rates, int t, double alpha) {
        double sum = 0;
        long n = 0;
        for (int r = s.fitCount(); r < s.trainCount(); r++) {
            if (s.known(r, t)) {
                double p = Math.min(1 - 1e-7, Math.max(1e-7, rates.rate(s.itemIds()[r], t, alpha)));
                sum += s.label(r, t) > 0.5f ? -Math.log(p) : -Math.log(1 - p);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    public static Fit logisticRegression(ExampleSet s, long seed) {
        return LogisticRegression.fit(s, seed);
    }

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
}
