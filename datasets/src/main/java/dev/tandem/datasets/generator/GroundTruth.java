package dev.tandem.datasets.generator;

/**
 * The probabilities the generator actually used for one view: what a perfect model would
 * predict. {@code pPurchase} is P(purchase | view) = P(cart | view) * P(purchase | cart).
 */
public record GroundTruth(String eventId, String userId, String itemId, double pCart, double pPurchase) {
    public GroundTruth {
        if (!(pCart >= 0 && pCart <= 1)) throw new IllegalArgumentException("pCart out of [0,1]: " + pCart);
        if (!(pPurchase >= 0 && pPurchase <= pCart))
            throw new IllegalArgumentException("pPurchase out of [0,pCart]: " + pPurchase);
    }
}
