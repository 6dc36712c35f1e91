package dev.tandem.model.train;

import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.features.FeatureSpec;
import dev.tandem.model.serving.Feeds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The auxiliary next-category task on the validation rows that have a next event: top-1 and top-5
 * accuracy of the predicted category bucket, the accuracy of always answering the training split's
 * most frequent bucket (the bar to clear), and the mean cross-entropy — per epoch too, starting with
 * the untrained model (epoch 0), so a reader sees it learn.
 */
public record NextCategoryReport(
        double weight,
        int classes,
        long evaluated,
        double accuracy,
        double top5Accuracy,
        double majorityClassAccuracy,
        double crossEntropy,
        List<Double> crossEntropyByEpoch) {
    public NextCategoryReport {
        crossEntropyByEpoch = List.copyOf(crossEntropyByEpoch);
    }

    /** The card's {@code auxiliary.next_category} object. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("weight", weight);
        m.put("classes", classes);
        m.put("evaluated", evaluated);
        m.put("accuracy", Reports.num(accuracy));
        m.put("top5_accuracy", Reports.num(top5Accuracy));
        m.put("majority_class_accuracy", Reports.num(majorityClassAccuracy));
        m.put("cross_entropy", Reports.num(crossEntropy));
        m.put(
                "cross_entropy_by_epoch",
                crossEntropyByEpoch.stream().map(Reports::num).toList());
        return m;
    }

    /** Rows per run when scoring the auxiliary head: its logits are as wide as the category vocabulary. */
    static final int AUX_CHUNK = 256;

    /**
     * The auxiliary task on rows [from, from + n) with a next event. The majority class is the most
     * frequent label of the fit rows (ties: the smaller bucket).
     */
    static NextCategoryReport evaluate(
            TrainingGraph g, ExampleSet data, int from, int n, double weight, List<Double> byEpoch) {
        int classes = data.features().spec().feature(FeatureSpec.CAND_CATEGORY).vocabulary();
        int[] next = data.nextCategory();
        int train = data.fitCount();
        int[] freq = new int[classes];
        for (int i = 0; i < train; i++) {
            if (next[i] > 0) {
                freq[next[i]]++;
            }
        }
        int majority = 1;
        for (int c = 1; c < classes; c++) {
            if (freq[c] > freq[majority]) {
                majority = c;
            }
        }
        long evaluated = 0;
        long top1 = 0;
        long top5 = 0;
        long majorityHits = 0;
        double ce = 0;
        float[] logits = new float[AUX_CHUNK * classes];
        for (int off = 0; off < n; off += AUX_CHUNK) {
            int rows = Math.min(AUX_CHUNK, n - off);
            Map<String, Tensor> in = Feeds.tensors(data.features(), from + off, rows);
            try {
                Session.Runner r = g.session.runner();
                in.forEach((name, t) -> r.feed(g.model.inputs().get(name), t));
                r.fetch(g.model.nextCategoryLogits());
                try (Result res = r.run()) {
                    ((TFloat32) res.get(0))
                            .copyTo(DataBuffers.of(logits, false, false).slice(0, (long) rows * classes));
                }
            } finally {
                Feeds.close(in);
            }
            for (int i = 0; i < rows; i++) {
                int label = next[from + off + i];
                if (label <= 0) {
                    continue;
                }
                int base = i * classes;
                float target = logits[base + label];
                float max = Float.NEGATIVE_INFINITY;
                int above = 0;
                for (int c = 0; c < classes; c++) {
                    float v = logits[base + c];
                    max = Math.max(max, v);
                    if (v > target) {
                        above++;
                    }
                }
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.exp(logits[base + c] - max);
                }
                ce += max + Math.log(sum) - target;
                evaluated++;
                top1 += above == 0 ? 1 : 0;
                top5 += above < 5 ? 1 : 0;
                majorityHits += label == majority ? 1 : 0;
            }
        }
        double e = evaluated == 0 ? Double.NaN : evaluated;
        return new NextCategoryReport(
                weight, classes, evaluated, top1 / e, top5 / e, majorityHits / e, ce / e, byEpoch);
    }
}
