package dev.tandem.model.features;

/**
 * Reusable primitive buffers for up to {@code capacity} encoded rows (row-major: row r of a feature
 * of width w occupies {@code [r·w, (r+1)·w)}). One per scoring thread or trainer; {@link #rows()}
 * says how many rows are in use. Not thread-safe.
 */
public final class EncodedBatch {
    private final FeatureSpec spec;
    private final int capacity;
    private final int seqLen;
    private final int dense;
    private final int history;
    private final int nActions;
    private final int nGaps;
    private final float countNorm;
    private int rows;

    public final int[] seqItem;
    public final int[] seqCategory;
    public final int[] seqAction;
    public final int[] seqTimeGap;
    public final float[] userDense;
    public final int[] candItem;
    public final int[] candCategory;
    public final int[] candBrand;
    public final int[] candPrice;
    /** {@code cand_history} (width {@link FeatureSpec#historyWidth()}, empty for a format-1 spec); see {@link #fillCandidateHistory}. */
    public final float[] candHistory;

    public EncodedBatch(FeatureSpec spec, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.spec = spec;
        this.capacity = capacity;
        this.seqLen = spec.sequenceLength();
        this.dense = spec.denseWidth();
        seqItem = new int[capacity * seqLen];
        seqCategory = new int[capacity * seqLen];
        seqAction = new int[capacity * seqLen];
        seqTimeGap = new int[capacity * seqLen];
        userDense = new float[capacity * dense];
        candItem = new int[capacity];
        candCategory = new int[capacity];
        candBrand = new int[capacity];
        candPrice = new int[capacity];
        this.history = spec.historyWidth();
        this.nActions = spec.actions().size();
        this.nGaps = spec.timeGapBoundariesMs().size();
        this.countNorm = (float) (1.0 / Math.log1p(seqLen));
        candHistory = new float[capacity * history];
    }

    /**
     * Computes row {@code row}'s {@code cand_history} from what the row already holds — its encoded sequence
     * ({@code seq_item}, {@code seq_category}, {@code seq_action}, {@code seq_time_gap}) and the candidate's
     * hashed {@code cand_item} / {@code cand_category} — so the trainer ({@link FeatureEncoder#writeRow}) and the
     * scoring job (which lays out rows itself) compute it with this one method. A no-op for a format-1 spec.
     *
     * <p>For action id a = 1..A (index a − 1 of the spec's {@code actions}), over the row's kept events:
     * <pre>
     * [4(a−1)]     log1p(#events of action a on the candidate item) / log1p(L)
     * [4(a−1)+1]   log1p(#events of action a on the candidate's category) / log1p(L)
     * [4(a−1)+2]   recency of the newest such event on the item: (G + 2 − gap id) / (G + 1), 0 if none
     * [4(a−1)+3]   the same on the category
     * [4A]         1 if the newest kept event is on the candidate item, else 0
     * [4A+1]       1 if it is on the candidate's category, else 0
     * </pre>
     * G is the number of time-gap boundaries, so gap ids 1..G+1 map to recencies 1..1/(G+1). An id of 0 (unknown
     * item or category) matches nothing.
     */
    public void fillCandidateHistory(int row) {
        if (history == 0) {
            return;
        }
        int off = row * history;
        java.util.Arrays.fill(candHistory, off, off + history, 0f);
        int ci = candItem[row];
        int cc = candCategory[row];
        int base = row * seqLen;
        float recencyDen = nGaps + 1;
        for (int k = seqLen - 1; k >= 0; k--) { // newest first
            int a = seqAction[base + k];
            if (a <= 0 || a > nActions) {
                continue;
            }
            int slot = off + 4 * (a - 1);
            float recency = Math.max(0, nGaps + 2 - seqTimeGap[base + k]) / recencyDen;
            if (ci != 0 && seqItem[base + k] == ci) {
                if (candHistory[slot] == 0f) {
                    candHistory[slot + 2] = recency;
                }
                candHistory[slot] += 1f;
            }
            if (cc != 0 && seqCategory[base + k] == cc) {
                if (candHistory[slot + 1] == 0f) {
                    candHistory[slot + 3] = recency;
                }
                candHistory[slot + 1] += 1f;
            }
        }
        for (int a = 0; a < nActions; a++) {
            int slot = off + 4 * a;
            candHistory[slot] = (float) Math.log1p(candHistory[slot]) * countNorm;
            candHistory[slot + 1] = (float) Math.log1p(candHistory[slot + 1]) * countNorm;
        }
        int last = base + seqLen - 1;
        if (seqAction[last] != 0) {
            candHistory[off + 4 * nActions] = ci != 0 && seqItem[last] == ci ? 1f : 0f;
            candHistory[off + 4 * nActions + 1] = cc != 0 && seqCategory[last] == cc ? 1f : 0f;
        }
    }

    public FeatureSpec spec() {
        return spec;
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return rows;
    }

    public void setRows(int rows) {
        if (rows < 0 || rows > capacity) {
            throw new IllegalArgumentException("rows " + rows + " outside [0, " + capacity + "]");
        }
        this.rows = rows;
    }

    public void clear() {
        rows = 0;
    }

    /** The int buffer of an int32 feature. */
    public int[] ints(String name) {
        return switch (name) {
            case FeatureSpec.SEQ_ITEM -> seqItem;
            case FeatureSpec.SEQ_CATEGORY -> seqCategory;
            case FeatureSpec.SEQ_ACTION -> seqAction;
            case FeatureSpec.SEQ_TIME_GAP -> seqTimeGap;
            case FeatureSpec.CAND_ITEM -> candItem;
            case FeatureSpec.CAND_CATEGORY -> candCategory;
            case FeatureSpec.CAND_BRAND -> candBrand;
            case FeatureSpec.CAND_PRICE -> candPrice;
            default -> throw new IllegalArgumentException("no int32 feature " + name);
        };
    }

    /** The float buffer of a float32 feature. */
    public float[] floats(String name) {
        if (name.equals(FeatureSpec.USER_DENSE)) {
            return userDense;
        }
        if (name.equals(FeatureSpec.CAND_HISTORY) && history > 0) {
            return candHistory;
        }
        throw new IllegalArgumentException("no float32 feature " + name);
    }

    /** Copies row {@code from} of this batch into row {@code to} of {@code dst} (same spec). */
    public void copyRow(int from, EncodedBatch dst, int to) {
        int l = seqLen;
        System.arraycopy(seqItem, from * l, dst.seqItem, to * l, l);
        System.arraycopy(seqCategory, from * l, dst.seqCategory, to * l, l);
        System.arraycopy(seqAction, from * l, dst.seqAction, to * l, l);
        System.arraycopy(seqTimeGap, from * l, dst.seqTimeGap, to * l, l);
        System.arraycopy(userDense, from * dense, dst.userDense, to * dense, dense);
        dst.candItem[to] = candItem[from];
        dst.candCategory[to] = candCategory[from];
        dst.candBrand[to] = candBrand[from];
        dst.candPrice[to] = candPrice[from];
        System.arraycopy(candHistory, from * history, dst.candHistory, to * history, history);
    }
}
