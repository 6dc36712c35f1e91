package dev.tandem.model.train;

import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.eval.Baselines;
import java.util.Map;

/**
 * A stage's validation figures for the model, the AUC of each baseline on the same rows, and the
 * ceiling: the AUC of the generator's true probabilities on those rows (null unless the data is
 * generated and its truth was given). Each AUC comes with its user-bootstrap interval
 * ({@link Reports#BOOTSTRAP_RESAMPLES} resamples of the validation users, paired: the same draws for
 * every model), and {@code modelMinusBaseline} is the interval of the model's AUC minus the baseline's;
 * {@code baselineChoice} is what each baseline chose on the selection slice.
 */
public record StageReport(
        String stage,
        Evaluation.Metrics model,
        Map<String, Double> baselineAuc,
        Double ceilingAuc,
        Evaluation.Interval modelAucInterval,
        Map<String, Evaluation.Interval> baselineAucInterval,
        Map<String, Evaluation.Interval> modelMinusBaseline,
        Map<String, Baselines.Choice> baselineChoice) {

    /** The model's AUC with its interval, as the reports print it: {@code 0.7940 [0.771, 0.815]}. */
    public String modelAucText() {
        return Reports.withInterval(model.auc(), modelAucInterval);
    }

    /** Baseline {@code name}'s AUC ({@link Reports#POPULARITY}, …) with its interval, as {@link #modelAucText()}. */
    public String baselineAucText(String name) {
        return Reports.withInterval(baselineAuc.get(name), baselineAucInterval.get(name));
    }

    /** Model AUC / ceiling AUC, NaN without a ceiling. */
    public double fractionOfCeiling() {
        return ceilingAuc == null ? Double.NaN : model.auc() / ceilingAuc;
    }
}
