package dev.tandem.model.features;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Objects;

/**
 * One model input: its name (the SavedModel signature's input name), dtype ({@code int32} or
 * {@code float32}), shape per example (without the batch dimension; {@code []} is a scalar per
 * example) and, for id features, the vocabulary size including the padding id 0.
 */
public record FeatureDef(String name, String dtype, List<Integer> shape, int vocabulary) {
    public static final String INT32 = "int32";
    public static final String FLOAT32 = "float32";

    public FeatureDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = List.copyOf(Objects.requireNonNull(shape, "shape"));
        if (!dtype.equals(INT32) && !dtype.equals(FLOAT32)) {
            throw new IllegalArgumentException("feature " + name + ": dtype must be int32 or float32, was " + dtype);
        }
    }

    /** Values per example (the product of the shape). */
    @JsonIgnore
    public int width() {
        int w = 1;
        for (int d : shape) {
            w *= d;
        }
        return w;
    }

    @JsonIgnore
    public boolean isInt() {
        return dtype.equals(INT32);
    }
}
