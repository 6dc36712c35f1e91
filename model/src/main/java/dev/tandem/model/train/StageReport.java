package dev.tandem.model.train;

import dev.tandem.model.eval.Evaluation;
import java.util.Map;

/** A stage's validation figures for the model and the AUC of each baseline on the same rows. */
public record StageReport(String stage, Evaluation.Metrics model, Map<String, Double> baselineAuc) {
}
