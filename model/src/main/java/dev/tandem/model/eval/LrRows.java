package dev.tandem.model.eval;

import dev.tandem.features.funnel.ItemConversionRates;
import dev.tandem.features.interaction.CandidateInteractions;
import dev.tandem.features.interaction.CandidateInteractions.Scope;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.data.ItemRateInputs;
import dev.tandem.model.data.OutOfFoldItemRates;
import dev.tandem.model.features.EncodedBatch;
import java.util.Arrays;

/**
 * Every row of an {@link ExampleSet} as the logistic regression sees it, built once (compressed sparse
 * rows: slot and value per feature). What the network is given, plus explicit candidate interactions:
 *
 * <ul>
 *   <li>numeric (fixed slots below {@link Baselines#FIXED_SLOTS}): bias; log1p of the encoded sequence's
 *       events on the candidate's category and item; {@code user_dense}; per funnel action on the item and
 *       on its category, log1p(count) and a recency 1 / (1 + log1p(hours)) (0 when never) from the user's
 *       kept history ({@link CandidateInteractions}); the share of views in the candidate's category; the
 *       hours since the last event and the history's length, scaled; per target the item's smoothed
 *       conversion rate, its log and log1p(exposures);</li>
 *   <li>hashed one-hots: the candidate's item, category, brand, price bucket, category × price bucket; bags
 *       of the sequence's categories and actions; per sequence event on the candidate's category / item, its
 *       action and action × time-gap bucket; per funnel action and scope, a count bucket and an hours-since
 *       bucket (never included); buckets of the view share and of the hours since the last event; per
 *       target, buckets of the item's rate relative to the global one and of its exposures.</li>
 * </ul>
 * The item rates come from the fit rows only: a fit row gets the rates of the other users' fit rows (five
 * folds by user, so no row sees its own label or its user's), every other row the rates of all fit rows.
 */
final class LrRows {
    static final double RATE_ALPHA = ItemRateInputs.ALPHA;
    private static final float[] HOUR_BOUNDS = {0.05f, 0.25f, 1, 3, 12, 24, 72, 168};
    private static final float[] SHARE_BOUNDS = {1e-6f, 0.1f, 0.25f, 0.5f, 0.75f, 0.999f};

    final int[] start;
    final int[] slot;
    final float[] value;
    final int bits;

    private LrRows(int[] start, int[] slot, float[] value, int bits) {
        this.start = start;
        this.slot = slot;
        this.value = value;
        this.bits = bits;
    }

    static LrRows of(ExampleSet s, int bits) {
        int n = s.size();
        int k = s.taskCount();
        String[] items = s.itemIds();
        OutOfFoldItemRates rates = OutOfFoldItemRates.fit(s, items, RATE_ALPHA);
        Featurizer fz = new Featurizer(s, bits);
        int[] start = new int[n + 1];
        int[] slot = new int[n * 64];
        float[] value = new float[n * 64];
        int used = 0;
        for (int r = 0; r < n; r++) {
            fz.row(r, rates.forRow(r));
            if (used + fz.n > slot.length) {
                slot = Arrays.copyOf(slot, Math.max(2 * slot.length, used + fz.n));
                value = Arrays.copyOf(value, slot.length);
            }
            System.arraycopy(fz.idx, 0, slot, used, fz.n);
            System.arraycopy(fz.val, 0, value, used, fz.n);
            used += fz.n;
            start[r + 1] = used;
        }
        return new LrRows(start, slot, value, bits);
    }

    /** Writes one row's features into reused buffers. */
    private static final class Featurizer {
        private final ExampleSet s;
        private final EncodedBatch b;
        private final CandidateInteractions layout;
        private final int bits;
        private final int l;
        private final int dense;
        private final int width;
        private final int actions;
        private final int k;
        private final float[] itemRates;
        final int[] idx;
        final float[] val;
        int n;
        private int fixed;

        Featurizer(ExampleSet s, int bits) {
            this.s = s;
            this.b = s.features();
            this.layout = s.interactionLayout();
            this.bits = bits;
            this.l = b.spec().sequenceLength();
            this.dense = b.spec().denseWidth();
            this.width = layout.width();
            this.actions = layout.actions().size();
            this.k = s.taskCount();
            int numeric = 3 + dense + 4 * actions + 3 + 3 * k;
            if (numeric > Baselines.FIXED_SLOTS) {
                throw new IllegalArgumentException("the logistic regression has " + Baselines.FIXED_SLOTS
                        + " numeric slots, this feature spec needs " + numeric + " (user_dense " + dense + " wide)");
            }
            int max = numeric + 5 + 6 * l + 2 * (2 * actions) + 2 + 2 * k + 8;
            itemRates = new float[ItemRateInputs.PER_TARGET * k];
            idx = new int[max];
            val = new float[max];
        }

        private void num(float v) {
            idx[n] = fixed++;
            val[n++] = v;
        }

        private void hot(int field, int id) {
            idx[n] = Baselines.slot(field, id, bits);
            val[n++] = 1f;
        }

        private void hot(int field, int id, float v) {
            idx[n] = Baselines.slot(field, id, bits);
            val[n++] = v;
        }

        void row(int i, ItemConversionRates rates) {
            n = 0;
            fixed = 0;
            num(1f); // bias
            int cItem = b.candItem[i];
            int cCat = b.candCategory[i];
            hot(1, cItem);
            hot(2, cCat);
            hot(3, b.candBrand[i]);
            hot(4, b.candPrice[i]);
            hot(16, cCat * 64 + b.candPrice[i]);
            int sameCat = 0;
            int sameItem = 0;
            for (int j = 0; j < l; j++) {
                int c = b.seqCategory[i * l + j];
                if (c == 0) {
                    continue;
                }
                int a = b.seqAction[i * l + j];
                int gap = b.seqTimeGap[i * l + j];
                hot(5, c, 1f / l);
                hot(6, a, 1f / l);
                if (c == cCat) {
                    sameCat++;
                    hot(7, a);
                    hot(9, a * 64 + gap);
                }
                if (b.seqItem[i * l + j] == cItem) {
                    sameItem++;
                    hot(8, a);
                    hot(10, a * 64 + gap);
                }
            }
            num((float) Math.log1p(sameCat));
            num((float) Math.log1p(sameItem));
            for (int d = 0; d < dense; d++) {
                num(b.userDense[i * dense + d]);
            }

            float[] x = s.interactions();
            int o = i * width;
            for (Scope scope : Scope.values()) {
                for (int a = 0; a < actions; a++) {
                    float count = x[o + layout.countIndex(scope, a)];
                    float hours = x[o + layout.hoursSinceIndex(scope, a)];
                    boolean never = hours == CandidateInteractions.NEVER;
                    num((float) Math.log1p(count));
                    num(never ? 0f : (float) (1 / (1 + Math.log1p(hours))));
                    int key = (scope.ordinal() * actions + a) * 16;
                    hot(11, key + (int) Math.min(count, 5));
                    hot(12, key + (never ? 15 : bucket(hours, HOUR_BOUNDS)));
                }
            }
            float share = x[o + layout.viewShareIndex()];
            float sinceLast = x[o + layout.hoursSinceLastEventIndex()];
            boolean neverActive = sinceLast == CandidateInteractions.NEVER;
            num(share);
            num(neverActive ? 1.5f : (float) Math.min(1.5, Math.log1p(sinceLast) / Math.log1p(720)));
            num((float) (Math.log1p(x[o + layout.historyEventsIndex()]) / Math.log1p(50)));
            hot(13, bucket(share, SHARE_BOUNDS));
            hot(14, neverActive ? 15 : bucket(sinceLast, HOUR_BOUNDS));

            String item = s.itemIds()[i];
            ItemRateInputs.write(rates, item, itemRates, 0);
            for (float v : itemRates) {
                num(v);
            }
            for (int t = 0; t < k; t++) {
                double rate = rates.rate(item, t);
                double global = rates.globalRate(t);
                long seen = rates.exposures(item, t);
                double ratio = global <= 0 ? 1 : rate / global;
                hot(15, t * 64 + (seen == 0 ? 0 : 1 + bucket((float) ratio, new float[] {0.5f, 0.8f, 1.25f, 2f})));
                hot(17, t * 64 + (seen == 0 ? 0 : seen < 3 ? 1 : seen < 10 ? 2 : 3));
            }
        }

        /** The number of bounds ≤ v. */
        private static int bucket(float v, float[] bounds) {
            int i = 0;
            while (i < bounds.length && bounds[i] <= v) {
                i++;
            }
            return i;
        }
    }
}
