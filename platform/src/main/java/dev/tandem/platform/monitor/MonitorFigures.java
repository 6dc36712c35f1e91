package dev.tandem.platform.monitor;

import dev.tandem.schemas.ModelMetrics;
import dev.tandem.schemas.ReliabilityBin;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The monitoring app's totals in the model card's shape: per stage {@code auc, logloss, ece, positives, evaluated}
 * (the keys {@code tandem evaluate --json} writes, so the two files compare key by key), then what only monitoring
 * has: negatives, censored, base rate, mean prediction, the AUC's histogram tie bound and the calibration bins.
 */
public final class MonitorFigures {
    private MonitorFigures() {}

    public static Map<String, Object> stages(List<String> stages, Map<String, ModelMetrics> totals) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String stage : stages) {
            ModelMetrics m = totals.get(stage);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("auc", m == null ? null : m.getAuc());
            s.put("logloss", m == null ? null : m.getLogloss());
            s.put("ece", m == null ? null : m.getEce());
            s.put("positives", m == null ? 0 : m.getPositives());
            s.put("evaluated", m == null ? 0 : m.getPositives() + m.getNegatives());
            s.put("negatives", m == null ? 0 : m.getNegatives());
            s.put("censored", m == null ? 0 : m.getCensored());
            s.put("base_rate", m == null ? null : m.getBaseRate());
            s.put("mean_prediction", m == null ? null : m.getMeanPrediction());
            s.put("auc_tie_bound", m == null ? null : m.getAucTieBound());
            List<Map<String, Object>> bins = new ArrayList<>();
            if (m != null) {
                for (ReliabilityBin b : m.getReliability()) {
                    Map<String, Object> bin = new LinkedHashMap<>();
                    bin.put("lower", b.getLower());
                    bin.put("upper", b.getUpper());
                    bin.put("count", b.getCount());
                    bin.put("mean_predicted", b.getMeanPredicted());
                    bin.put("observed_rate", b.getObservedRate());
                    bins.add(bin);
                }
            }
            s.put("calibration", bins);
            out.put(stage, s);
        }
        return out;
    }

    /** One line per stage, as {@code tandem evaluate} prints its own (no intervals: those need every row). */
    public static List<String> table(List<String> stages, Map<String, ModelMetrics> totals) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(
                Locale.ROOT,
                "%-10s %8s %9s %8s %19s %9s %10s %16s",
                "stage",
                "AUC",
                "logloss",
                "ECE",
                "positives",
                "censored",
                "base rate",
                "mean prediction"));
        for (String stage : stages) {
            ModelMetrics m = totals.get(stage);
            if (m == null) {
                lines.add(String.format(Locale.ROOT, "%-10s %8s", stage, "n/a"));
                continue;
            }
            lines.add(String.format(
                    Locale.ROOT,
                    "%-10s %8s %9s %8s %19s %9d %10s %16s",
                    stage,
                    f(m.getAuc()),
                    f(m.getLogloss()),
                    f(m.getEce()),
                    m.getPositives() + " of " + (m.getPositives() + m.getNegatives()),
                    m.getCensored(),
                    f(m.getBaseRate()),
                    f(m.getMeanPrediction())));
        }
        return lines;
    }

    private static String f(Double d) {
        return d == null || d.isNaN() ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }
}
