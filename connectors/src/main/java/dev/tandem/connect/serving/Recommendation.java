package dev.tandem.connect.serving;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A user's served recommendation: one scored request, its candidates ranked by an {@link Objective}. This is what the
 * sinks store per user (newest by {@link Freshness} wins) and what the recommendations API returns. Plain Java: the
 * Connect sinks build it from a record, the API reads it back from a store.
 *
 * @param requestTime   the request's time (epoch ms): with {@code requestId}, the order of {@link Freshness}
 * @param featuresAsOf  as-of of the user's features the model saw (epoch ms), null when it had none
 * @param scoredAt      when the scorer produced it (epoch ms): the API reports the age from it
 * @param objective     the objective the items are ranked by, as written in config ({@link Objective#toString()})
 */
public record Recommendation(
        String userId,
        String requestId,
        long requestTime,
        String modelName,
        String modelVersion,
        Long featuresAsOf,
        long scoredAt,
        List<String> stages,
        String objective,
        List<RankedItem> items) {

    /** An unranked candidate as the prediction carries it. */
    public record Candidate(String itemId, float[] probabilities, Double price) {}

    public Recommendation {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(modelVersion, "modelVersion");
        Objects.requireNonNull(objective, "objective");
        stages = List.copyOf(stages);
        items = List.copyOf(items);
    }

    /**
     * Candidates ranked by the objective, best first (ties by item id, so equal scores rank the same everywhere; NaN last),
     * cut to {@code maxItems} (0 keeps all).
     */
    public static List<RankedItem> rank(
            List<String> stages, List<Candidate> candidates, Objective objective, int maxItems) {
        int stage = objective.stageIndex(stages);
        List<RankedItem> ranked = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            if (c.probabilities().length != stages.size()) {
                throw new IllegalArgumentException("candidate " + c.itemId() + " has " + c.probabilities().length
                        + " probabilities for " + stages.size() + " stages");
            }
            // at float precision, as the probabilities it comes from: stored and served as the float it is (short to
            // write and read back exactly), with ties broken by item id alike everywhere
            double score = (float) objective.score(c.probabilities()[stage], c.price());
            ranked.add(new RankedItem(c.itemId(), score, c.probabilities(), c.price()));
        }
        // a NaN score (a broken model output) ranks last rather than first, where Double's order would put it
        ranked.sort(Comparator.comparingDouble(
                        (RankedItem r) -> Double.isNaN(r.score()) ? Double.NEGATIVE_INFINITY : r.score())
                .reversed()
                .thenComparing(RankedItem::itemId));
        return maxItems > 0 && ranked.size() > maxItems ? ranked.subList(0, maxItems) : ranked;
    }

    /** Whether this recommendation should replace {@code stored} under the {@link Freshness} rule. */
    public boolean replaces(Recommendation stored) {
        return stored == null || Freshness.replaces(requestTime, requestId, stored.requestTime, stored.requestId);
    }

    /** The first {@code k} items (all when fewer). */
    public List<RankedItem> top(int k) {
        return items.size() <= k ? items : items.subList(0, k);
    }
}
