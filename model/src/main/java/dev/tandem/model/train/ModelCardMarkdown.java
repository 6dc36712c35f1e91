package dev.tandem.model.train;

import dev.tandem.features.drift.DriftReference;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.eval.CalibrationPlot;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The model card as Markdown ({@value TrainedModel#CARD_MARKDOWN}), rendered from a trained model and its JSON card. */
final class ModelCardMarkdown {
    private ModelCardMarkdown() {}

    static String render(TrainedModel t, Map<String, Object> card) {
        StringBuilder md = new StringBuilder();
        md.append("# Model card: ")
                .append(t.config.name())
                .append(' ')
                .append(card.get("version"))
                .append("\n\n");
        if (t.config.architectureType() == dev.tandem.model.zoo.Architecture.LINEAR) {
            md.append("Architecture `linear`: each stage's logit is the wide part alone (no embeddings, no sequence"
                    + " encoder).");
            if (t.selection != null && ModelSelection.LINEAR.equals(t.selection.kept())) {
                md.append(" Kept because the configured model did not beat it on the selection slice (Model selection"
                        + " below).");
            }
            md.append("\n\n");
        } else {
            md.append("Architecture `")
                    .append(t.config.architecture())
                    .append("`, sequence encoder `")
                    .append(t.config.sequenceEncoder())
                    .append("`, item ids ")
                    .append(t.config.useItemId() ? "used" : "not used (metadata only)")
                    .append(".\n\n");
        }
        md.append("## Validation (the last ")
                .append(t.stats.validationExamples())
                .append(" exposures in time order)\n\n");
        md.append(
                "| stage | AUC [95 % CI] | popularity AUC [CI] | logistic regression AUC [CI] | model − logistic regression [CI] | ceiling AUC "
                        + "| logloss | ECE | positives | evaluated |\n");
        md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (StageReport r : t.reports) {
            Evaluation.Metrics m = r.model();
            Evaluation.Interval d = r.modelMinusBaseline().get(Reports.LOGISTIC_REGRESSION);
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |%n",
                    r.stage(),
                    r.modelAucText(),
                    r.baselineAucText(Reports.POPULARITY),
                    r.baselineAucText(Reports.LOGISTIC_REGRESSION),
                    d == null
                            ? "n/a"
                            : String.format(Locale.ROOT, "%+.4f [%+.3f, %+.3f]", d.estimate(), d.lower(), d.upper()),
                    f(r.ceilingAuc()),
                    f(m.logloss()),
                    f(m.ece()),
                    m.positives(),
                    m.evaluated()));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nIntervals: %.0f %% percentile intervals over %d resamples of the validation users with replacement "
                        + "(the same draws for every model, so the difference is paired). With a few dozen positives an AUC moves by about ±0.1.%n%n",
                100 * Reports.BOOTSTRAP_LEVEL,
                Reports.BOOTSTRAP_RESAMPLES));
        md.append("## Protocol\n\n");
        md.append(String.format(
                Locale.ROOT,
                "- split: exposures in time order, the first %.0f %% are the training period, the rest (%d) validate "
                        + "and are only reported%n",
                100 * t.funnel.trainFraction(),
                t.stats.validationExamples()));
        md.append(String.format(
                Locale.ROOT,
                "- purge: %d training exposures whose horizon (%s) reaches the first validation exposure are dropped%n",
                t.stats.purgedExposures(),
                t.funnel.horizon()));
        md.append(String.format(
                Locale.ROOT,
                "- selection slice: the last %.0f %% of the kept training exposures (%d, positives per stage %s); "
                        + "the best epoch and each baseline's settings are chosen there; fit on the other %d%n",
                100 * t.funnel.selectionFraction(),
                t.stats.selectionExamples(),
                t.stats.selectionPositives(),
                t.stats.fitExamples()));
        for (StageReport r : t.reports) {
            r.baselineChoice()
                    .forEach((name, c) -> md.append(
                            String.format(Locale.ROOT, "- %s, %s: chose %s%n", r.stage(), name, c.settings())));
        }
        md.append("- item brand and price: as of the exposure (its own, else the newest an earlier event carried)\n");
        md.append(
                "- the logistic regression's item conversion rates: fit rows only (a fit row gets other users' rates, 5 folds by user)\n\n");
        md.append("## Data\n\n");
        md.append(String.format(
                Locale.ROOT,
                "- events %d (invalid %d, duplicates %d), users %d%n",
                t.stats.events(),
                t.stats.invalidEvents(),
                t.stats.duplicateEvents(),
                t.stats.users()));
        md.append(String.format(
                Locale.ROOT,
                "- exposures %d: train %d, validation %d%n",
                t.stats.exposures(),
                t.stats.trainExamples(),
                t.stats.validationExamples()));
        md.append(String.format(
                Locale.ROOT,
                "- censored exposures (horizon past the end of the data) %d; censored negatives per stage %s%n",
                t.stats.censoredExposures(),
                t.stats.censoredNegatives()));
        md.append(String.format(Locale.ROOT, "- unexposed conversions per stage %s%n", t.stats.unexposedConversions()));
        md.append(String.format(
                Locale.ROOT,
                "- positives per stage: train %s, validation %s%n",
                t.stats.trainPositives(),
                t.stats.validationPositives()));
        md.append("\n## Calibration (validation)\n\n");
        md.append("![calibration: observed rate against mean predicted probability per stage](")
                .append(CalibrationPlot.FILE_NAME)
                .append(")\n\n");
        for (StageReport r : t.reports) {
            md.append("### ")
                    .append(r.stage())
                    .append("\n\n| predicted | count | mean predicted | observed |\n| --- | --- | --- | --- |\n");
            for (Evaluation.CalibrationBin b : r.model().calibration()) {
                md.append(String.format(
                        Locale.ROOT,
                        "| [%.1f, %.1f) | %d | %s | %s |%n",
                        b.lower(),
                        b.upper(),
                        b.count(),
                        f(b.meanPredicted()),
                        f(b.observedRate())));
            }
            md.append('\n');
        }
        md.append("## Training\n\n");
        md.append(String.format(
                Locale.ROOT,
                "- epochs run %d, best epoch %d, best selection loss %s, %s training examples/s%n",
                t.epochsRun,
                t.bestEpoch,
                f(t.bestSelectionLoss),
                f(t.trainExamplesPerSec)));
        if (t.selection != null) {
            ModelSelection.Outcome o = t.selection;
            md.append("\n## Model selection\n\nKept: **")
                    .append(o.kept())
                    .append("**, by ")
                    .append(ModelSelection.CRITERION)
                    .append(
                            ". Each candidate differs from the configured model in what its name says; validation AUCs are shown, not used.\n\n");
            List<String> stages = t.stages();
            md.append("| candidate | architecture | selection AUC ")
                    .append(String.join(" / ", stages))
                    .append(" | mean | − configured | selection loss | validation AUC | seconds | kept |\n");
            md.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            ModelSelection.Result base = o.configured();
            for (ModelSelection.Result r : o.candidates()) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s | %s | %s | %.1f | %s |%n",
                        r.label(),
                        r.architecture(),
                        join(r.selectionAuc()),
                        f(r.meanSelectionAuc()),
                        base == null || r == base
                                ? ""
                                : String.format(Locale.ROOT, "%+.4f", r.meanSelectionAuc() - base.meanSelectionAuc()),
                        f(r.selectionLoss()),
                        join(r.validationAuc()),
                        r.seconds(),
                        r.label().equals(o.kept()) ? "yes" : ""));
            }
            if (!o.notTried().isEmpty()) {
                md.append("\nNot tried, the budget (")
                        .append(o.budget())
                        .append(") spent: ")
                        .append(String.join(", ", o.notTried()))
                        .append(".\n");
            }
        }
        if (t.nextCategory != null) {
            NextCategoryReport nc = t.nextCategory;
            md.append("\n## Auxiliary task: next event's category (training only, not in the exported model)\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "- weight %s, %d category buckets, %d validation exposures with a next event%n",
                    nc.weight(),
                    nc.classes(),
                    nc.evaluated()));
            md.append(String.format(
                    Locale.ROOT,
                    "- accuracy %s, top-5 accuracy %s; always the most frequent training bucket: %s%n",
                    f(nc.accuracy()),
                    f(nc.top5Accuracy()),
                    f(nc.majorityClassAccuracy())));
            md.append(String.format(
                    Locale.ROOT,
                    "- cross-entropy %s; per epoch from the untrained model: %s%n",
                    f(nc.crossEntropy()),
                    nc.crossEntropyByEpoch().stream().map(ModelCardMarkdown::f).toList()));
        }
        if (t.drift != null) {
            md.append("\n## Drift reference\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "`model-card.json`'s `%s` section: %d quantile bins of the predicted probability per stage and of "
                            + "%s, from the %d validation rows, for the monitoring app's PSI.%n",
                    DriftReference.CARD_KEY,
                    DriftReference.DEFAULT_BINS,
                    String.join(", ", t.drift.features().keySet()),
                    t.drift.rows()));
        }
        md.append("\n## Config\n\n```json\n").append(t.config.toJson()).append("\n```\n");
        return md.toString();
    }

    private static String join(double[] v) {
        return java.util.Arrays.stream(v)
                .mapToObj(ModelCardMarkdown::f)
                .collect(java.util.stream.Collectors.joining(" / "));
    }

    private static String f(Double d) {
        return d == null || d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }
}
