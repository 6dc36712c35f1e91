package dev.tandem.model.train;

import dev.tandem.features.eval.Evaluation;
import java.util.Map;

/**
 * A stage's validation figures for the model, the AUC of each baseline on the same rows, and the
 * ceiling: the AUC of the generator's true probabilities on those rows (null unless the data is
 * generated and its truth was given).
 */
public record StageReport(String stage, Evaluation.Metrics model, Map<String, Double> baselineAuc, Double ceilingAuc) {
    public StageReport(String stage, Evaluation.Metrics model, Map<String, Double> baselineAuc) {
        this(stage, model, baselineAuc, null);
    }

    /** Model AUC / ceiling AUC, NaN without a ceiling. */
    public double fractionOfCeiling() {
        return ceilingAuc == null ? Double.NaN : model.auc() / ceilingAuc;
    }
}
