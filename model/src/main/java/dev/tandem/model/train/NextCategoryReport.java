package dev.tandem.model.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
}
