package dev.tandem.connect.serving;

import java.util.Arrays;
import java.util.Objects;

/**
 * One candidate of a served recommendation: its score under the sink's {@link Objective}, and every funnel stage's
 * probability (in the order of {@link Recommendation#stages()}) so a reader can re-rank without asking the model.
 *
 * @param price the catalog price the scorer attached, or null when it knew none
 */
public record RankedItem(String itemId, double score, float[] probabilities, Double price) {
    public RankedItem {
        Objects.requireNonNull(itemId, "itemId");
        probabilities = probabilities.clone();
    }

    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    public float probability(int stage) {
        return probabilities[stage];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RankedItem r
                && itemId.equals(r.itemId)
                && Double.compare(score, r.score) == 0
                && Arrays.equals(probabilities, r.probabilities)
                && Objects.equals(price, r.price);
    }

    @Override
    public int hashCode() {
        return Objects.hash(itemId, score, Arrays.hashCode(probabilities), price);
    }

    @Override
    public String toString() {
        return itemId + "=" + score + Arrays.toString(probabilities) + (price == null ? "" : " @" + price);
    }
}
