package dev.tandem.model.serving;

import dev.tandem.model.features.EncodedBatch;
import dev.tandem.model.features.FeatureDef;
import dev.tandem.model.features.FeatureSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Tensors of rows {@code [from, from + count)} of an {@link EncodedBatch}, one per feature, named by the spec. */
public final class Feeds {
    private Feeds() {}

    /** The caller closes every tensor. */
    public static Map<String, Tensor> tensors(EncodedBatch b, int from, int count) {
        FeatureSpec spec = b.spec();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (FeatureDef f : spec.features()) {
            int w = f.width();
            long[] dims = new long[f.shape().size() + 1];
            dims[0] = count;
            for (int i = 0; i < f.shape().size(); i++) {
                dims[i + 1] = f.shape().get(i);
            }
            Shape shape = Shape.of(dims);
            if (f.isInt()) {
                out.put(
                        f.name(),
                        TInt32.tensorOf(
                                shape,
                                DataBuffers.of(b.ints(f.name()), true, false)
                                        .slice((long) from * w, (long) count * w)));
            } else {
                out.put(
                        f.name(),
                        TFloat32.tensorOf(
                                shape,
                                DataBuffers.of(b.floats(f.name()), true, false)
                                        .slice((long) from * w, (long) count * w)));
            }
        }
        return out;
    }

    /** Copies the first {@code count} rows of {@code b} into tensors made by {@link #tensors} for exactly {@code count} rows. */
    public static void copyInto(EncodedBatch b, int count, Map<String, Tensor> tensors) {
        for (FeatureDef f : b.spec().features()) {
            int w = f.width();
            Tensor t = tensors.get(f.name());
            if (f.isInt()) {
                ((TInt32) t)
                        .copyFrom(DataBuffers.of(b.ints(f.name()), true, false).slice(0, (long) count * w));
            } else {
                ((TFloat32) t)
                        .copyFrom(
                                DataBuffers.of(b.floats(f.name()), true, false).slice(0, (long) count * w));
            }
        }
    }

    public static void close(Map<String, Tensor> tensors) {
        tensors.values().forEach(Tensor::close);
    }
}
