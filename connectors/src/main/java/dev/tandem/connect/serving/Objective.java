package dev.tandem.connect.serving;

import java.util.List;
import java.util.Locale;

/**
 * What a sink ranks a prediction's candidates by. Written as a config value:
 * <ul>
 *   <li>{@code probability:STAGE} (or just {@code STAGE}): P(reach STAGE | shown), e.g. {@code probability:CART};</li>
 *   <li>{@code expected-value:STAGE}: P(reach STAGE | shown) × the candidate's price, e.g. revenue with
 *       {@code expected-value:PURCHASE}; a candidate whose price is unknown counts as {@code missingPrice}.</li>
 * </ul>
 * Stages are looked up by name in each prediction's own stage list, so a model with other stages fails loudly (the
 * record goes to the dead letters) instead of ranking by the wrong column.
 */
public record Objective(Kind kind, String stage, double missingPrice) {
    public enum Kind {
        PROBABILITY("probability"),
        EXPECTED_VALUE("expected-value");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public Objective {
        if (stage == null || stage.isBlank()) throw new IllegalArgumentException("objective needs a stage name");
        if (!Double.isFinite(missingPrice)) throw new IllegalArgumentException("missing price must be finite");
    }

    public static Objective probability(String stage) {
        return new Objective(Kind.PROBABILITY, stage, 0.0);
    }

    public static Objective expectedValue(String stage, double missingPrice) {
        return new Objective(Kind.EXPECTED_VALUE, stage, missingPrice);
    }

    /** {@code probability:CART}, {@code CART}, {@code expected-value:PURCHASE}; stage names are case-insensitive. */
    public static Objective parse(String spec, double missingPrice) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("objective is empty");
        String s = spec.trim();
        int colon = s.indexOf(':');
        if (colon < 0) return probability(s.toUpperCase(Locale.ROOT));
        String kind = s.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String stage = s.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
        for (Kind k : Kind.values()) {
            if (k.key.equals(kind)) return new Objective(k, stage, k == Kind.PROBABILITY ? 0.0 : missingPrice);
        }
        throw new IllegalArgumentException(
                "objective '" + spec + "': expected probability:STAGE or expected-value:STAGE");
    }

    /** The index of this objective's stage in a prediction's stages. */
    public int stageIndex(List<String> stages) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).equalsIgnoreCase(stage)) return i;
        }
        throw new IllegalArgumentException("objective stage " + stage + " is not among the prediction's " + stages);
    }

    public double score(float probability, Double price) {
        return switch (kind) {
            case PROBABILITY -> probability;
            case EXPECTED_VALUE -> probability * (price == null ? missingPrice : price);
        };
    }

    @Override
    public String toString() {
        return kind.key + ":" + stage;
    }
}
