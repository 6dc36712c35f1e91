package dev.tandem.model.train;

import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.zoo.Architecture;
import dev.tandem.model.zoo.ModelConfig;
import dev.tandem.model.zoo.SequenceEncoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Trains candidate models on the same examples and keeps the one with the highest mean AUC over the stages on the
 * selection slice (calibrated, as exported; a tie keeps the earlier candidate, so the linear part, listed first, wins
 * a tie). The validation rows are scored for every candidate and reported, never used for the choice. Why: on small,
 * sparse logs a deep model can lose to its own linear part, and a user should get the better of the two and see why.
 * Candidates run one after another; only the best so far keeps its TensorFlow session.
 */
public final class ModelSelection {
    public static final String CRITERION =
            "mean AUC over the stages on the selection slice (calibrated); a tie keeps the earlier candidate";
    public static final String LINEAR = "linear part";
    public static final String CONFIGURED = "configured";

    /** One model to try: a label saying what differs from the configured model, and its config. */
    public record Candidate(String label, ModelConfig config) {}

    /** One candidate's figures: selection slice (the choice), validation (reported only), seconds to train. */
    public record Result(
            String label,
            String architecture,
            double[] selectionAuc,
            double selectionLoss,
            double[] validationAuc,
            int bestEpoch,
            double seconds) {
        double meanSelectionAuc() {
            return mean(selectionAuc);
        }
    }

    /** What was tried, what was kept, what the budget left out. */
    public record Outcome(List<Result> candidates, String kept, Duration budget, List<String> notTried) {
        /** The configured model's figures, what every other candidate is compared with; null if it was not tried. */
        public Result configured() {
            return candidates.stream()
                    .filter(r -> r.label().equals(CONFIGURED))
                    .findFirst()
                    .orElse(null);
        }

        /** The card's {@code selection} section. */
        public Map<String, Object> toJson(List<String> stages) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("criterion", CRITERION);
            m.put("kept", kept);
            m.put("linear_part_kept", LINEAR.equals(kept));
            Result base = configured();
            List<Map<String, Object>> list = new ArrayList<>();
            for (Result r : candidates) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("label", r.label());
                c.put("architecture", r.architecture());
                c.put("selection_auc", byStage(stages, r.selectionAuc()));
                c.put("selection_mean_auc", Reports.num(r.meanSelectionAuc()));
                if (base != null && r != base) {
                    c.put(
                            "selection_mean_auc_minus_configured",
                            Reports.num(r.meanSelectionAuc() - base.meanSelectionAuc()));
                }
                c.put("selection_logloss", Reports.num(r.selectionLoss()));
                c.put("validation_auc_not_used_for_the_choice", byStage(stages, r.validationAuc()));
                c.put("best_epoch", r.bestEpoch());
                c.put("train_seconds", Reports.num(r.seconds()));
                c.put("kept", r.label().equals(kept));
                list.add(c);
            }
            m.put("candidates", list);
            if (budget != null) {
                m.put("budget_seconds", budget.toSeconds());
            }
            if (!notTried.isEmpty()) {
                m.put("not_tried_budget_spent", notTried);
            }
            return m;
        }
    }

    private ModelSelection() {}

    /** The configured model and its linear part: what {@code tandem train} always compares. */
    public static List<Candidate> withLinearPart(ModelConfig configured) {
        if (configured.architectureType() == Architecture.LINEAR) {
            return List.of(new Candidate(CONFIGURED, configured));
        }
        return List.of(new Candidate(LINEAR, configured.linearPart()), new Candidate(CONFIGURED, configured));
    }

    /**
     * {@code tandem train --search}: the linear part, the configured model, then one switch at a time against it
     * (so the card shows what each adds on this data): the item rates, the wide part, its hashed crosses, DTRN's
     * task-specific sequences, AutoInt's field attention, APEM-style per-task SE gating, the ID-free metadata item
     * tower (M2TRec), the other architectures and sequence encoders, a smaller and a larger size, the auxiliary
     * next-category task. Cheapest and most telling first, since a budget may end the list.
     */
    public static List<Candidate> grid(ModelConfig base) {
        List<Candidate> out = new ArrayList<>(withLinearPart(base));
        if (base.architectureType() == Architecture.LINEAR) {
            return out;
        }
        out.add(new Candidate(
                "item rates " + (base.itemRates() ? "off" : "on"), base.withItemRates(!base.itemRates())));
        out.add(new Candidate("wide part " + (base.wide() ? "off" : "on"), base.withWide(!base.wide())));
        if (base.wide()) {
            out.add(new Candidate(
                    "hashed crosses " + (base.wideCrosses() ? "off" : "on"),
                    base.withWideCrosses(!base.wideCrosses())));
        }
        out.add(new Candidate(
                "task SE gating " + (base.taskSeGating() ? "off" : "on"), base.withTaskSeGating(!base.taskSeGating())));
        out.add(new Candidate(
                "task sequences " + (base.taskSequences() ? "off" : "on") + " (DTRN)",
                base.withTaskSequences(!base.taskSequences())));
        out.add(new Candidate(
                "field attention " + (base.fieldAttention() ? "off" : "on") + " (AutoInt)",
                base.withFieldAttention(!base.fieldAttention())));
        out.add(new Candidate(
                base.useItemId() ? "ID-free item tower" : "with item ids", base.withItemId(!base.useItemId())));
        for (Architecture a : Architecture.values()) {
            if (a != Architecture.LINEAR && a != base.architectureType()) {
                out.add(new Candidate(
                        "architecture " + a.code(), base.withArchitecture(a.code(), base.sequenceEncoder())));
            }
        }
        for (SequenceEncoder e : SequenceEncoder.values()) {
            if (e != base.sequenceEncoderType()) {
                out.add(new Candidate(
                        "sequence encoder " + e.code(), base.withArchitecture(base.architecture(), e.code())));
            }
        }
        int d = base.embeddingDim();
        out.add(new Candidate(
                "half size", base.withSize(Math.max(1, d / 2), halve(base.hidden()), halve(base.towerHidden()))));
        out.add(new Candidate(
                "double size", base.withSize(Math.min(512, d * 2), twice(base.hidden()), twice(base.towerHidden()))));
        out.add(new Candidate(
                "next-category task " + (base.nextCategoryWeight() > 0 ? "off" : "on"),
                base.withNextCategoryTask(base.nextCategoryWeight() > 0 ? 0 : 0.1)));
        return out;
    }

    /**
     * Trains the candidates in order and returns the kept model (the caller closes it), its card carrying every
     * candidate's figures.
     *
     * @param budget null: train them all; else no candidate starts once the budget is spent, nor one that would
     *               not fit if it took as long as the slowest so far (the first always runs)
     * @throws TrainingException as {@link Trainer#train} does, from the first candidate
     */
    public static TrainedModel train(
            ExampleSet data,
            Map<String, double[]> truth,
            List<Candidate> candidates,
            Duration budget,
            Consumer<String> progress) {
        Objects.requireNonNull(candidates, "candidates");
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("no candidate to train");
        }
        Consumer<String> out = progress == null ? s -> {} : progress;
        Reports.Yardsticks yardsticks =
                Reports.yardsticks(data, candidates.get(0).config().seed(), truth);
        long start = System.nanoTime();
        double slowest = 0;
        TrainedModel best = null;
        Result bestResult = null;
        List<Result> results = new ArrayList<>();
        List<String> notTried = new ArrayList<>();
        try {
            for (Candidate c : candidates) {
                double spent = (System.nanoTime() - start) / 1e9;
                if (budget != null && best != null && spent + slowest > budget.toSeconds()) {
                    notTried.add(c.label());
                    continue;
                }
                out.accept("candidate " + (results.size() + 1) + "/" + candidates.size() + ": " + c.label());
                long t0 = System.nanoTime();
                TrainedModel m = new Trainer(c.config(), out).train(data, yardsticks);
                double seconds = (System.nanoTime() - t0) / 1e9;
                slowest = Math.max(slowest, seconds);
                double[] validation =
                        m.reports().stream().mapToDouble(r -> r.model().auc()).toArray();
                Result r = new Result(
                        c.label(),
                        c.config().architecture(),
                        m.selectionAuc(),
                        m.selectionLoss(),
                        validation,
                        m.bestEpoch(),
                        seconds);
                results.add(r);
                out.accept(String.format(
                        Locale.ROOT,
                        "candidate %s: selection mean AUC %.4f, selection loss %.4f (%.1f s)",
                        c.label(),
                        r.meanSelectionAuc(),
                        r.selectionLoss(),
                        seconds));
                if (best == null || better(r.meanSelectionAuc(), bestResult.meanSelectionAuc())) {
                    if (best != null) best.close();
                    best = m;
                    bestResult = r;
                } else {
                    m.close();
                }
            }
        } catch (RuntimeException e) {
            if (best != null) best.close();
            throw e;
        }
        best.selection = new Outcome(List.copyOf(results), bestResult.label(), budget, List.copyOf(notTried));
        out.accept("kept: " + bestResult.label() + " (" + CRITERION + ")"
                + (notTried.isEmpty() ? "" : "; not tried, budget spent: " + String.join(", ", notTried)));
        return best;
    }

    /** Strictly better; a NaN (a stage without both classes on the slice) never is. */
    private static boolean better(double candidate, double best) {
        return candidate > best || (Double.isNaN(best) && !Double.isNaN(candidate));
    }

    static double mean(double[] v) {
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static Map<String, Object> byStage(List<String> stages, double[] v) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int t = 0; t < stages.size(); t++) {
            m.put(stages.get(t), Reports.num(v[t]));
        }
        return m;
    }

    private static List<Integer> halve(List<Integer> widths) {
        return widths.stream().map(w -> Math.max(1, w / 2)).toList();
    }

    private static List<Integer> twice(List<Integer> widths) {
        return widths.stream().map(w -> Math.min(4096, w * 2)).toList();
    }
}
