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
    }
}
