package dev.tandem.features.drift;

import java.util.List;

/**
 * The model inputs whose drift can be watched online from what a {@code Prediction} carries, and how each is
 * measured, in one place for the trainer (the reference, from the validation rows) and the monitoring app (the
 * same numbers from the predictions it reads). Each is the raw quantity a model input is encoded from:
 * <ul>
 *   <li>{@value #CANDIDATE_PRICE}: the candidate's price (the encoder's {@code cand_price_bucket}); missing when
 *       unknown, by the encoder's rule (null, NaN, negative, infinite). One value per candidate.</li>
 *   <li>{@value #USER_RECENCY_HOURS}: hours from the user's newest event to the request (the recency slot of
 *       {@code user_dense}); missing for a user without history. One value per request.</li>
 * </ul>
 * The user's counters and sequence fill are watched too, as the model saw them: the scoring job publishes those
 * {@code user_dense} slots per prediction ({@code Prediction.user_inputs}, named by the model's feature spec) and the
 * trainer bins the same slots of the validation rows. The candidate's category and brand and the items of the
 * sequence are model inputs a prediction does not carry.
 */
public final class DriftFeatures {
    public static final String CANDIDATE_PRICE = "cand_price";
    public static final String USER_RECENCY_HOURS = "user_recency_hours";

    /** Every feature, in the order references and figures list them. */
    public static final List<String> ALL = List.of(CANDIDATE_PRICE, USER_RECENCY_HOURS);

    private DriftFeatures() {}

    /** The price, or NaN when the encoder would call it unknown. */
    public static double price(Double price) {
        if (price == null) return Double.NaN;
        double p = price;
        return p >= 0 && !Double.isInfinite(p) ? p : Double.NaN;
    }

    /**
     * Hours from the user's newest event to the request (0 when the event is not older), or NaN when the user has
     * none ({@code newestEventMs} null).
     */
    public static double recencyHours(long requestTimeMs, Long newestEventMs) {
        if (newestEventMs == null) return Double.NaN;
        return Math.max(0, requestTimeMs - newestEventMs) / 3_600_000.0;
    }
}
