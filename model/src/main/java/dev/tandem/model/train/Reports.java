package dev.tandem.model.train;

import dev.tandem.datasets.generator.GroundTruth;
import dev.tandem.features.eval.Evaluation;
import dev.tandem.model.data.ExampleSet;
import dev.tandem.model.eval.Baselines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-stage validation figures of a model next to the two baselines (fit on the same fit rows, their
 * choices made on the same selection slice) and, on generated data, the ceiling; each AUC with its 95 %
 * user-bootstrap interval; and the one JSON shape the model card, {@code tandem evaluate --json} and
 * monitoring share:
 * {@code {"stages": {"<stage>": {"auc", "auc_ci95": {"lower", "upper"}, "logloss", "ece", "positives",
 * "evaluated"}}, "baselines": {"popularity": {"<stage>": {"auc", "auc_ci95", "model_minus_baseline",
 * "chosen"}}, "logistic_regression": {…}}, "bootstrap": {…}, "ceiling": {"<stage>": {"auc"}}}}
 * ({@code ceiling} only when known).
 */
public final class Reports {
    static final int CALIBRATION_BINS = 10;
    /** Resamples of the validation users behind every interval. */
    public static final int BOOTSTRAP_RESAMPLES = 1000;

    public static final double BOOTSTRAP_LEVEL = 0.95;
    /** The baselines' names, keys of {@link StageReport#baselineAuc()} and of the card's {@code baselines}. */
    public static final String POPULARITY = "popularity";

    public static final String LOGISTIC_REGRESSION = "logistic_regression";

    private Reports() {}

    /**
     * @param pv    the model's P(reach stage) for the validation rows, float[validationCount · K], stage-minor
     * @param seed  seeds the logistic regression and the bootstrap: the same data, predictions and seed give the same report
     * @param truth the true P(reach stage) per exposure event id, aligned with {@link ExampleSet#stageNames()}; null if unknown
     */
    public static List<StageReport> of(ExampleSet data, float[] pv, long seed, Map<String, double[]> truth) {
        return of(data, pv, seed, yardsticks(data, seed, truth));
    }

    /**
     * What a model is compared with on {@code data}: the baselines fit with {@code seed} and the ceiling. Fit once and
     * passed to {@link #of(ExampleSet, float[], long, Yardsticks)} when several models are trained on the same data.
     */
    public record Yardsticks(ExampleSet data, Map<String, Baselines.Fit> fits, double[] ceiling) {}

    public static Yardsticks yardsticks(ExampleSet data, long seed, Map<String, double[]> truth) {
        Map<String, Baselines.Fit> fits = new LinkedHashMap<>();
        fits.put(POPULARITY, Baselines.popularity(data));
        fits.put(LOGISTIC_REGRESSION, Baselines.logisticRegression(data, seed));
        return new Yardsticks(data, fits, truth == null ? null : ceiling(data, truth));
    }

    /** As {@link #of(ExampleSet, float[], long, Map)}, against yardsticks fit on the same data. */
    public static List<StageReport> of(ExampleSet data, float[] pv, long seed, Yardsticks yardsticks) {
        if (yardsticks.data() != data) {
            throw new IllegalArgumentException("the yardsticks were fit on other examples");
        }
        int k = data.taskCount();
        Map<String, Baselines.Fit> fits = yardsticks.fits();
        double[] ceiling = yardsticks.ceiling();
        int[] users = Evaluation.groups(Arrays.copyOfRange(data.userIds(), data.trainCount(), data.size()));
        List<StageReport> reports = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            float[][] col = Trainer.column(data, pv, t);
            Evaluation.Metrics m = Evaluation.evaluate(col[0], col[1], col[2], CALIBRATION_BINS);
            Evaluation.Interval mi =
                    Evaluation.aucInterval(col[0], col[1], col[2], users, BOOTSTRAP_RESAMPLES, BOOTSTRAP_LEVEL, seed);
            Map<String, Double> base = new LinkedHashMap<>();
            Map<String, Evaluation.Interval> baseCi = new LinkedHashMap<>();
            Map<String, Evaluation.Interval> diff = new LinkedHashMap<>();
            Map<String, Baselines.Choice> chosen = new LinkedHashMap<>();
            for (Map.Entry<String, Baselines.Fit> e : fits.entrySet()) {
                float[] b = Trainer.column(data, e.getValue().validation(), t)[0];
                base.put(e.getKey(), Evaluation.auc(b, col[1], col[2]));
                baseCi.put(
                        e.getKey(),
                        Evaluation.aucInterval(b, col[1], col[2], users, BOOTSTRAP_RESAMPLES, BOOTSTRAP_LEVEL, seed));
                diff.put(
                        e.getKey(),
                        Evaluation.aucDifferenceInterval(
                                col[0], b, col[1], col[2], users, BOOTSTRAP_RESAMPLES, BOOTSTRAP_LEVEL, seed));
                chosen.put(e.getKey(), e.getValue().choices().get(t));
            }
            reports.add(new StageReport(
                    data.stageNames().get(t), m, base, ceiling == null ? null : ceiling[t], mi, baseCi, diff, chosen));
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
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "the truth has no probabilities for %d of %d validation exposures (e.g. event %s): not the file it was generated with?",
                    missing,
                    n,
                    example));
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
                throw new IllegalArgumentException(
                        "the generator's truth covers CART and PURCHASE after a VIEW, not stage " + s);
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
        Map<String, Map<String, Object>> baselines = new LinkedHashMap<>();
        Map<String, Object> ceiling = new LinkedHashMap<>();
        for (StageReport r : reports) {
            Map<String, Object> s = new LinkedHashMap<>();
            Map<String, Object> f = r.model().figures();
            s.put("auc", f.remove("auc"));
            s.put("auc_ci95", interval(r.modelAucInterval()));
            s.putAll(f);
            st.put(r.stage(), s);
            r.baselineAuc().forEach((name, a) -> {
                Map<String, Object> b = auc(a);
                b.put("auc_ci95", interval(r.baselineAucInterval().get(name)));
                Evaluation.Interval d = r.modelMinusBaseline().get(name);
                if (d != null) {
                    Map<String, Object> dm = new LinkedHashMap<>();
                    dm.put("estimate", num(d.estimate()));
                    dm.putAll(d.figures());
                    b.put("model_minus_baseline", dm);
                }
                Baselines.Choice c = r.baselineChoice().get(name);
                if (c != null) {
                    b.put("chosen", c.toJson());
                }
                baselines.computeIfAbsent(name, x -> new LinkedHashMap<>()).put(r.stage(), b);
            });
            if (r.ceilingAuc() != null) {
                Map<String, Object> c = auc(r.ceilingAuc());
                c.put("model_fraction", num(r.fractionOfCeiling()));
                ceiling.put(r.stage(), c);
            }
        }
        out.put("stages", st);
        out.put("baselines", baselines);
        Map<String, Object> bootstrap = new LinkedHashMap<>();
        bootstrap.put("resampled", "validation users, with replacement");
        bootstrap.put("resamples", BOOTSTRAP_RESAMPLES);
        bootstrap.put("level", BOOTSTRAP_LEVEL);
        out.put("bootstrap", bootstrap);
        if (!ceiling.isEmpty()) {
            out.put("ceiling", ceiling);
        }
        return out;
    }

    /** One table: stage, AUC [95 % CI], logloss, ECE, positives/evaluated, the baselines' AUC [CI], the ceiling's. */
    public static List<String> table(List<StageReport> reports) {
        boolean withCeiling = reports.stream().anyMatch(r -> r.ceilingAuc() != null);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(
                Locale.ROOT,
                "%-10s %22s %8s %7s %17s %22s %22s%s",
                "stage",
                "AUC [95% CI]",
                "logloss",
                "ECE",
                "positives",
                "popularity",
                "logistic regression",
                withCeiling ? "   ceiling (model/ceiling)" : ""));
        for (StageReport r : reports) {
            Evaluation.Metrics m = r.model();
            lines.add(String.format(
                    Locale.ROOT,
                    "%-10s %22s %8s %7s %17s %22s %22s%s",
                    r.stage(),
                    r.modelAucText(),
                    f(m.logloss()),
                    f(m.ece()),
                    m.positives() + " of " + m.evaluated(),
                    r.baselineAucText(POPULARITY),
                    r.baselineAucText(LOGISTIC_REGRESSION),
                    r.ceilingAuc() == null
                            ? ""
                            : String.format(Locale.ROOT, "   %s (%.2f)", f(r.ceilingAuc()), r.fractionOfCeiling())));
        }
        return lines;
    }

    /** "0.7940 [0.771, 0.815]". */
    public static String withInterval(Double auc, Evaluation.Interval i) {
        if (i == null || Double.isNaN(i.lower())) {
            return f(auc);
        }
        return String.format(Locale.ROOT, "%s [%.3f, %.3f]", f(auc), i.lower(), i.upper());
    }

    private static Map<String, Object> interval(Evaluation.Interval i) {
        return i == null ? null : i.figures();
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
