package dev.tandem.model.train;

import dev.tandem.datasets.generator.GroundTruth;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.eval.Baselines;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-stage validation figures of a model next to the two baselines (fit on the same training rows)
 * and, on generated data, the ceiling; and the one JSON shape the model card, {@code tandem evaluate
 * --json} and monitoring share:
 * {@code {"stages": {"<stage>": {"auc", "logloss", "ece", "positives", "evaluated"}}, "baselines":
 * {"popularity": {"<stage>": {"auc"}}, "logistic_regression": {…}}, "ceiling": {"<stage>": {"auc"}}}}
 * ({@code ceiling} only when known).
 */
public final class Reports {
    static final int CALIBRATION_BINS = 10;

    private Reports() {
    }

    /**
     * @param pv    the model's P(reach stage) for the validation rows, float[validationCount · K], stage-minor
     * @param truth the true P(reach stage) per exposure event id, aligned with {@link ExampleSet#stageNames()}; null if unknown
     */
    public static List<StageReport> of(ExampleSet data, float[] pv, long seed, Map<String, double[]> truth) {
        int k = data.taskCount();
        float[] pop = Baselines.popularity(data);
        float[] lr = Baselines.logisticRegression(data, seed);
        double[] ceiling = truth == null ? null : ceiling(data, truth);
        List<StageReport> reports = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            float[][] col = Trainer.column(data, pv, t);
            Evaluation.Metrics m = Evaluation.evaluate(col[0], col[1], col[2], CALIBRATION_BINS);
            Map<String, Double> base = new LinkedHashMap<>();
            base.put("popularity", Evaluation.auc(Trainer.column(data, pop, t)[0], col[1], col[2]));
            base.put("logistic_regression", Evaluation.auc(Trainer.column(data, lr, t)[0], col[1], col[2]));
            reports.add(new StageReport(data.stageNames().get(t), m, base, ceiling == null ? null : ceiling[t]));
        }
        return reports;
    }

    /**
     * The AUC of the true probabilities on the validation rows, per stage.
     *
     * @throws IllegalArgumentException when the truth lacks a validation exposure (not the same data)
     */
    public static double[] ceiling(ExampleSet data, Map<String, double[]> truth) {
        int k = data.taskCount();
        int n = data.validationCount();
        float[] p = new float[n * k];
        long missing = 0;
        String example = null;
        for (int i = 0; i < n; i++) {
            String id = data.exposureEventIds()[data.trainCount() + i];
            double[] v = truth.get(id);
            if (v == null) {
                missing++;
                example = example == null ? id : example;
                continue;
            }
            for (int t = 0; t < k; t++) {
                p[i * k + t] = (float) v[t];
            }
        }
        if (missing > 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "the truth has no probabilities for %d of %d validation exposures (e.g. event %s): not the file it was generated with?",
                    missing, n, example));
        }
        double[] out = new double[k];
        for (int t = 0; t < k; t++) {
            float[][] col = Trainer.column(data, p, t);
            out[t] = Evaluation.auc(col[0], col[1], col[2]);
        }
        return out;
    }

    /**
     * The generator's truth as P(reach stage) per event id for these stages: CART → P(cart | view),
     * PURCHASE → P(purchase | view).
     *
     * @throws IllegalArgumentException for a stage the generator has no truth of
     */
    public static Map<String, double[]> truth(Map<String, GroundTruth> byEventId, List<String> stages) {
        for (String s : stages) {
            if (!s.equals("CART") && !s.equals("PURCHASE")) {
                throw new IllegalArgumentException("the generator's truth covers CART and PURCHASE after a VIEW, not stage " + s);
            }
        }
        Map<String, double[]> out = new java.util.HashMap<>(byEventId.size() * 2);
        byEventId.forEach((id, g) -> {
            double[] v = new double[stages.size()];
            for (int t = 0; t < v.length; t++) {
                v[t] = stages.get(t).equals("CART") ? g.pCart() : g.pPurchase();
            }
            out.put(id, v);
        });
        return out;
    }

    /** The shared JSON shape (see the class comment). */
    public static Map<String, Object> figures(List<StageReport> reports) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> st = new LinkedHashMap<>();
        Map<String, Object> pop = new LinkedHashMap<>();
        Map<String, Object> lr = new LinkedHashMap<>();
        Map<String, Object> ceiling = new LinkedHashMap<>();
        for (StageReport r : reports) {
            st.put(r.stage(), r.model().figures());
            pop.put(r.stage(), auc(r.baselineAuc().get("popularity")));
            lr.put(r.stage(), auc(r.baselineAuc().get("logistic_regression")));
            if (r.ceilingAuc() != null) {
                Map<String, Object> c = auc(r.ceilingAuc());
                c.put("model_fraction", num(r.fractionOfCeiling()));
                ceiling.put(r.stage(), c);
            }
        }
        out.put("stages", st);
        Map<String, Object> baselines = new LinkedHashMap<>();
        baselines.put("popularity", pop);
        baselines.put("logistic_regression", lr);
        out.put("baselines", baselines);
        if (!ceiling.isEmpty()) {
            out.put("ceiling", ceiling);
        }
        return out;
    }

    /** One table: stage, AUC, logloss, ECE, positives/evaluated, the baselines' AUC, the ceiling's. */
    public static List<String> table(List<StageReport> reports) {
        boolean withCeiling = reports.stream().anyMatch(r -> r.ceilingAuc() != null);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-10s %7s %8s %7s %17s %11s %9s%s", "stage", "AUC", "logloss", "ECE", "positives", "popularity",
                "logistic", withCeiling ? "   ceiling (model/ceiling)" : ""));
        for (StageReport r : reports) {
            Evaluation.Metrics m = r.model();
            lines.add(String.format(Locale.ROOT, "%-10s %7s %8s %7s %17s %11s %9s%s", r.stage(), f(m.auc()), f(m.logloss()), f(m.ece()),
                    m.positives() + " of " + m.evaluated(), f(r.baselineAuc().get("popularity")), f(r.baselineAuc().get("logistic_regression")),
                    r.ceilingAuc() == null ? "" : String.format(Locale.ROOT, "   %s (%.2f)", f(r.ceilingAuc()), r.fractionOfCeiling())));
        }
        return lines;
    }

    private static Map<String, Object> auc(Double d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("auc", num(d));
        return m;
    }

    static Object num(Double d) {
        return d == null || d.isNaN() || d.isInfinite() ? null : d;
    }

    private static String f(Double d) {
        return d == null || d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }
}
