package dev.tandem.model.features;

/**
 * The user half of a row, encoded once per request and copied into every candidate's row. Reusable.
 */
public final class UserVector {
    final int[] seqItem;
    final int[] seqCategory;
    final int[] seqAction;
    final int[] seqTimeGap;
    final float[] dense;
    int filled;

    UserVector(FeatureSpec spec) {
        int l = spec.sequenceLength();
        seqItem = new int[l];
        seqCategory = new int[l];
        seqAction = new int[l];
        seqTimeGap = new int[l];
        dense = new float[spec.denseWidth()];
    }

    /** How many of the L positions hold events (the rest, on the left, are padding). */
    public int filled() {
        return filled;
    }

    public int[] seqItem() {
        return seqItem.clone();
    }

    public int[] seqCategory() {
        return seqCategory.clone();
    }

    public int[] seqAction() {
        return seqAction.clone();
    }

    public int[] seqTimeGap() {
        return seqTimeGap.clone();
    }

    public float[] dense() {
        return dense.clone();
    }
}
