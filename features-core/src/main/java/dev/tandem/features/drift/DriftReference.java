package dev.tandem.features.drift;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a model's inputs and scores looked like on its validation rows, as the model card's {@value #CARD_KEY}
 * section keeps it: per stage, quantile bins of the predicted probability with their counts (a score histogram);
 * per {@link DriftFeatures feature}, quantile bins with their counts and missing values. The monitoring app counts
 * what it reads into the same bins and reports {@link Psi} against these.
 *
 * <p>Plain maps in and out ({@link #toMap()}, {@link #fromMap}), so the trainer and the app read and write the card
 * with their own JSON library and this class stays the one owner of the format.
 *
 * @param rows     validation rows the reference was made from
 * @param scores   stage name → bins of that stage's predicted probability, in the model's stage order
 * @param features feature name → bins, in {@link DriftFeatures#ALL} order
 */
public record DriftReference(long rows, Map<String, DriftBins> scores, Map<String, DriftBins> features) {
    /** The model card's key for this section. */
    public static final String CARD_KEY = "drift";

    public static final int FORMAT_VERSION = 1;
    /** Quantile bins per dimension: each about a tenth of the reference, the usual resolution for PSI. */
    public static final int DEFAULT_BINS = 10;

    public DriftReference {
        if (rows < 0) throw new IllegalArgumentException("rows must not be negative");
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(scores, "scores")));
        features = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(features, "features")));
    }

    /**
     * The reference of a model's validation rows.
     *
     * @param stages          the model's stages, in output order
     * @param predictions     {@code float[rows · stages]}, stage-minor: every row's predicted probability per stage
     * @param prices          per row, the candidate's price ({@link DriftFeatures#price}: NaN when unknown)
     * @param recencyHours    per row, {@link DriftFeatures#recencyHours} (NaN for a user without history)
     * @param bins            quantile bins per dimension
     */
    public static DriftReference of(
            List<String> stages, float[] predictions, double[] prices, double[] recencyHours, int bins) {
        return of(stages, predictions, prices, recencyHours, Map.of(), bins);
    }

    /**
     * @param userInputs per watched user input (the names predictions carry in {@code user_inputs}), its value per
     *                   row, as the model saw it
     */
    public static DriftReference of(
            List<String> stages,
            float[] predictions,
            double[] prices,
            double[] recencyHours,
            Map<String, double[]> userInputs,
            int bins) {
        int k = stages.size();
        int rows = prices.length;
        if (predictions.length != rows * k || recencyHours.length != rows) {
            throw new IllegalArgumentException("need " + rows + " rows of every input: " + predictions.length
                    + " predictions for " + k + " stages, " + recencyHours.length + " recencies");
        }
        Map<String, DriftBins> scores = new LinkedHashMap<>();
        for (int s = 0; s < k; s++) {
            double[] col = new double[rows];
            for (int r = 0; r < rows; r++) {
                float p = predictions[r * k + s];
                col[r] = Float.isNaN(p) ? Double.NaN : p;
            }
            scores.put(stages.get(s), DriftBins.quantiles(col, bins));
        }
        Map<String, DriftBins> features = new LinkedHashMap<>();
        features.put(DriftFeatures.CANDIDATE_PRICE, DriftBins.quantiles(prices, bins));
        features.put(DriftFeatures.USER_RECENCY_HOURS, DriftBins.quantiles(recencyHours, bins));
        userInputs.forEach((name, values) -> {
            if (values.length != rows)
                throw new IllegalArgumentException(
                        "need " + rows + " rows of every input: " + values.length + " of " + name);
            features.put(name, DriftBins.quantiles(values, bins));
        });
        return new DriftReference(rows, scores, features);
    }

    /** The card section: {@code {"format", "split", "rows", "scores": {stage: bins}, "features": {name: bins}}}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT_VERSION);
        m.put("split", "validation");
        m.put("rows", rows);
        Map<String, Object> s = new LinkedHashMap<>();
        scores.forEach((k, v) -> s.put(k, v.toMap()));
        m.put("scores", s);
        Map<String, Object> f = new LinkedHashMap<>();
        features.forEach((k, v) -> f.put(k, v.toMap()));
        m.put("features", f);
        return m;
    }

    /**
     * Reads the card section back; features this code does not know are kept (and ignored by callers that only
     * compute {@link DriftFeatures#ALL}).
     *
     * @throws IllegalArgumentException on another format version or a malformed section, naming what is wrong
     */
    public static DriftReference fromMap(Map<?, ?> m) {
        Object format = m.get("format");
        if (format == null || number(format, "format").intValue() != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown drift reference format " + format);
        }
        return new DriftReference(
                m.get("rows") == null ? 0 : number(m.get("rows"), "rows").longValue(),
                binsOf(m, "scores"),
                binsOf(m, "features"));
    }

    private static Map<String, DriftBins> binsOf(Map<?, ?> m, String key) {
        Object o = m.get(key);
        if (o == null) return Map.of();
        if (!(o instanceof Map<?, ?> byName)) throw new IllegalArgumentException(key + " must be an object");
        Map<String, DriftBins> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : byName.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> bins)) {
                throw new IllegalArgumentException(key + "." + e.getKey() + " must be an object");
            }
            try {
                out.put(String.valueOf(e.getKey()), DriftBins.fromMap(bins));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(key + "." + e.getKey() + ": " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    static List<?> list(Map<?, ?> m, String key) {
        if (!(m.get(key) instanceof List<?> l)) throw new IllegalArgumentException(key + " must be an array");
        return l;
    }

    static Number number(Object o, String what) {
        if (!(o instanceof Number n)) throw new IllegalArgumentException(what + " must hold numbers, found " + o);
        return n;
    }
}
