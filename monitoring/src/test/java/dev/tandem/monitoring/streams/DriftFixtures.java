package dev.tandem.monitoring.streams;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.features.drift.DriftFeatures;
import dev.tandem.features.drift.DriftReference;
import dev.tandem.monitoring.core.ModelCards;
import dev.tandem.schemas.CandidateScore;
import dev.tandem.schemas.Prediction;
import dev.tandem.schemas.PredictionTimings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A model's validation period made up, and predictions drawn like it or shifted: the CART probability is
 * σ(N(−1.5, 1)), PURCHASE a share σ(N(−1, 1)) of it; prices are log-normal around e³ ≈ 20 (5 % unknown); hours
 * since the user's newest event exponential with a mean of 6 h (10 % of users without history); the user's carts in
 * 24 h geometric with a mean of 2, published encoded as the scorer does ({@value #CARTS}: log1p(n) / log1p(100)).
 */
final class DriftFixtures {
    static final List<String> STAGES = List.of("CART", "PURCHASE");
    static final long H = 3_600_000L;
    /** A user input the scorer publishes ({@code Prediction.user_inputs}). */
    static final String CARTS = "user_cart_1d";

    private DriftFixtures() {}

    /** How a drawn prediction departs from the validation period (the price factor also multiplies the carts). */
    record Shift(double priceFactor, double purchaseFactor) {
        static final Shift NONE = new Shift(1, 1);
    }

    /** The reference of {@code rows} validation rows drawn with {@code seed}. */
    static DriftReference reference(int rows, long seed) {
        Random r = new Random(seed);
        float[] predictions = new float[rows * 2];
        double[] prices = new double[rows];
        double[] recency = new double[rows];
        double[] carts = new double[rows];
        for (int i = 0; i < rows; i++) {
            float[] p = probabilities(r, Shift.NONE);
            predictions[2 * i] = p[0];
            predictions[2 * i + 1] = p[1];
            prices[i] = DriftFeatures.price(price(r, Shift.NONE));
            Long newest = newestEvent(r, 0);
            recency[i] = DriftFeatures.recencyHours(0, newest);
            carts[i] = carts(r, Shift.NONE);
        }
        return DriftReference.of(
                STAGES, predictions, prices, recency, Map.of(CARTS, carts), DriftReference.DEFAULT_BINS);
    }

    /** Writes {@code <root>/<model>/<version>/model-card.json} as the trainer does (a null reference: an old card). */
    static void writeCard(Path root, String model, String version, DriftReference reference) throws IOException {
        Path dir = Files.createDirectories(root.resolve(model).resolve(version));
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", model);
        card.put("version", version);
        card.put("split", "validation");
        if (reference != null) card.put(DriftReference.CARD_KEY, reference.toMap());
        Files.writeString(dir.resolve(ModelCards.CARD_FILE), new ObjectMapper().writeValueAsString(card));
    }

    static float[] probabilities(Random r, Shift shift) {
        float cart = (float) sigmoid(-1.5 + r.nextGaussian());
        float purchase = (float) Math.min(1, cart * sigmoid(-1 + r.nextGaussian()) * shift.purchaseFactor());
        return new float[] {cart, purchase};
    }

    static Double price(Random r, Shift shift) {
        return r.nextDouble() < 0.05 ? null : shift.priceFactor() * Math.exp(3 + r.nextGaussian());
    }

    /** The user's carts in 24 h, encoded as the model sees them. */
    static float carts(Random r, Shift shift) {
        long n = (long) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(2.0 / 3)); // geometric, mean 2
        return (float) (Math.log1p(Math.round(n * shift.priceFactor())) / Math.log1p(100));
    }

    /** The user's newest event time before a request at {@code requestTimeMs}; null for a user without history. */
    static Long newestEvent(Random r, long requestTimeMs) {
        return r.nextDouble() < 0.10 ? null : requestTimeMs - (long) (-Math.log(1 - r.nextDouble()) * 6 * H);
    }

    /** A prediction of {@code candidates} candidates drawn like the validation period, or shifted. */
    static Prediction prediction(
            Random r, String requestId, String user, String version, long requestTimeMs, int candidates, Shift shift) {
        List<CandidateScore> scored = new ArrayList<>();
        for (int c = 0; c < candidates; c++) {
            float[] p = probabilities(r, shift);
            scored.add(new CandidateScore(requestId + "-i" + c, List.of(p[0], p[1]), price(r, shift)));
        }
        Long newest = newestEvent(r, requestTimeMs);
        return Prediction.newBuilder()
                .setRequestId(requestId)
                .setUserId(user)
                .setModelName("funnel")
                .setModelVersion(version)
                .setFeaturesAsOf(newest == null ? null : Instant.ofEpochMilli(newest))
                .setRequestTime(Instant.ofEpochMilli(requestTimeMs))
                .setStages(STAGES)
                .setCandidates(scored)
                .setTimings(new PredictionTimings(Instant.EPOCH, Instant.EPOCH, 0L, 0L, 0))
                .setUserInputs(Map.of(CARTS, carts(r, shift)))
                .build();
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }
}
