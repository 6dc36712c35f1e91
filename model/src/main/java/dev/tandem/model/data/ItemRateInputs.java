package dev.tandem.model.data;

import dev.tandem.features.funnel.ItemConversionRates;
import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;

/**
 * The item-rate inputs of a model trained with {@code itemRates}: per funnel target, the candidate's smoothed
 * conversion rate, its log scaled to [−1, 0] and log1p of its counted exposures scaled by log1p(100)
 * ({@value #PER_TARGET} numbers per target, as the logistic regression gets them). Items are keyed by their hashed
 * {@code cand_item} bucket, the id the model sees, so a training row and the exported table agree. A fit row's
 * numbers are out of fold ({@link OutOfFoldItemRates}); the exported model carries {@link #table()}, one row per
 * bucket from all fit rows, and the global rates with no evidence for a bucket no fit row exposed (a new item).
 * The scoring job needs nothing more: the model looks its candidate up in its own table.
 */
public final class ItemRateInputs {
    public static final int PER_TARGET = 3;
    /** The prior's weight in exposures, as the logistic regression's item rates. */
    public static final double ALPHA = 10;

    private final int width;
    private final float[] rows;
    private final float[] table;

    private ItemRateInputs(int width, float[] rows, float[] table) {
        this.width = width;
        this.rows = rows;
        this.table = table;
    }

    public static ItemRateInputs of(ExampleSet s) {
        int k = s.taskCount();
        int w = PER_TARGET * k;
        EncodedBatch b = s.features();
        int n = s.size();
        String[] keys = new String[n];
        for (int r = 0; r < n; r++) {
            keys[r] = Integer.toString(b.candItem[r]);
        }
        OutOfFoldItemRates rates = OutOfFoldItemRates.fit(s, keys, ALPHA);
        float[] rows = new float[n * w];
        for (int r = 0; r < n; r++) {
            write(rates.forRow(r), keys[r], rows, r * w);
        }
        int vocabulary = b.spec().feature(FeatureSpec.CAND_ITEM).vocabulary();
        float[] table = new float[vocabulary * w];
        float[] unseen = new float[w];
        write(rates.all(), null, unseen, 0);
        for (int bucket = 0; bucket < vocabulary; bucket++) {
            System.arraycopy(unseen, 0, table, bucket * w, w);
        }
        for (int r = 0; r < s.fitCount(); r++) {
            write(rates.all(), keys[r], table, b.candItem[r] * w);
        }
        return new ItemRateInputs(w, rows, table);
    }

    /** Writes one item's {@value #PER_TARGET} numbers per target into {@code out} from {@code off}; null: never seen. */
    public static void write(ItemConversionRates rates, String key, float[] out, int off) {
        for (int t = 0; t < rates.targets(); t++) {
            double rate = key == null ? rates.globalRate(t) : rates.rate(key, t);
            long seen = key == null ? 0 : rates.exposures(key, t);
            out[off + PER_TARGET * t] = (float) rate;
            out[off + PER_TARGET * t + 1] = (float) (Math.log(rate + 1e-4) / Math.log(1e4));
            out[off + PER_TARGET * t + 2] = (float) (Math.log1p(seen) / Math.log1p(100));
        }
    }

    /** Numbers per row. */
    public int width() {
        return width;
    }

    /** Every example's numbers, row-major (a fit row's out of fold). */
    public float[] rows() {
        return rows;
    }

    /** [cand_item vocabulary × width], what the exported model looks candidates up in. */
    public float[] table() {
        return table;
    }
}
