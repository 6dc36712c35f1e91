package dev.tandem.inference.core;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A read-only {@code List<Float>} over part of a {@code float[]}: a candidate's probabilities in a {@code Prediction}
 * without a boxed {@code Float} per value. Boxing happens only if a reader calls {@link #get}; the sink's encoder reads
 * {@link #getFloat} instead. Equal to any list of the same floats ({@link AbstractList#equals}).
 */
public final class FloatSlice extends AbstractList<Float> implements RandomAccess {
    private final float[] values;
    private final int offset;
    private final int size;

    public FloatSlice(float[] values, int offset, int size) {
        if (offset < 0 || size < 0 || offset + size > values.length) {
            throw new IndexOutOfBoundsException(
                    "slice [" + offset + ", " + (offset + size) + ") of " + values.length + " floats");
        }
        this.values = values;
        this.offset = offset;
        this.size = size;
    }

    public float getFloat(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("index " + i + " of " + size);
        return values[offset + i];
    }

    @Override
    public Float get(int i) {
        return getFloat(i);
    }

    @Override
    public int size() {
        return size;
    }
}
