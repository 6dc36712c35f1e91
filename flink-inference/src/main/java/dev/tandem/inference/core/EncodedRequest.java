package dev.tandem.inference.core;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureSpec;

/**
 * A scoring request joined with its user's features and its candidates' metadata, already encoded:
 * the user half once, and per candidate its {@code ItemCode}. A Flink POJO (public fields, no-arg
 * constructor) so it travels with Flink's PojoSerializer. {@link #writeRows} lays it out as rows.
 */
public final class EncodedRequest {
    public String requestId;
    public String userId;
    public long requestTimeMs;
    /** Processing time at which the join saw the request. */
    public long receivedAtMs;
    /** as_of of the features used; null when the user had none. */
    public Long featuresAsOf;
    /**
     * The request's record as read (when it was read raw), so a request refused at scoring time (past its
     * {@link RequestDeadline}) goes to {@code dead-letters} byte for byte; null for a request given decoded.
     */
    public RawRecord source;

    public String[] itemIds;

    // user half (length L, L, L, L, dense width)
    public int[] seqItem;
    public int[] seqCategory;
    public int[] seqAction;
    public int[] seqTimeGap;
    public float[] userDense;

    // per candidate
    public int[] candItem;
    public int[] candCategory;
    public int[] candBrand;
    public int[] candPrice;
    /** The candidates' catalog prices, NaN where unknown: not a model input, carried into the prediction. */
    public double[] candPriceValue;

    /**
     * Non-null only on a control marker: a model command the join forwards in stream order to the
     * batcher (which acts on it and emits nothing for it). Every other field is then unset.
     */
    public ModelCommand control;

    /**
     * True only on a forget marker: the join has cleared {@link #userId}'s features, and the batcher emits a
     * {@code predictions} tombstone for the user after every prediction it holds. Every other field is then unset.
     */
    public boolean forget;

    public EncodedRequest() {}

    public static EncodedRequest control(ModelCommand command) {
        EncodedRequest r = new EncodedRequest();
        r.control = command;
        return r;
    }

    public static EncodedRequest forget(String userId) {
        EncodedRequest r = new EncodedRequest();
        r.userId = userId;
        r.forget = true;
        return r;
    }

    public int candidates() {
        return itemIds == null ? 0 : itemIds.length;
    }

    /** Writes this request's candidates into rows {@code [row, row + candidates())} of {@code b}; does not change {@code b.rows()}. */
    public void writeRows(EncodedBatch b, int row) {
        FeatureSpec spec = b.spec();
        int l = spec.sequenceLength();
        int d = spec.denseWidth();
        if (seqItem.length != l || userDense.length != d) {
            throw new IllegalArgumentException("request " + requestId + " was encoded for L=" + seqItem.length
                    + ", dense=" + userDense.length + " but the batch expects L=" + l + ", dense=" + d);
        }
        for (int i = 0; i < candidates(); i++) {
            int r = row + i;
            System.arraycopy(seqItem, 0, b.seqItem, r * l, l);
            System.arraycopy(seqCategory, 0, b.seqCategory, r * l, l);
            System.arraycopy(seqAction, 0, b.seqAction, r * l, l);
            System.arraycopy(seqTimeGap, 0, b.seqTimeGap, r * l, l);
            System.arraycopy(userDense, 0, b.userDense, r * d, d);
            b.candItem[r] = candItem[i];
            b.candCategory[r] = candCategory[i];
            b.candBrand[r] = candBrand[i];
            b.candPrice[r] = candPrice[i];
            b.fillCandidateHistory(r); // the same code as FeatureEncoder.writeRow: no offline/online skew
        }
    }
}
