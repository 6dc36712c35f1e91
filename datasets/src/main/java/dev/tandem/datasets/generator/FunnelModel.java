package dev.tandem.datasets.generator;

/**
 * The true conversion model of the synthetic world, as logistic functions of features a
 * recommender can observe or learn: affinity of the user to the item's category (learnable from
 * the user's history), the item's price relative to its category times the user's price
 * sensitivity, the item's latent quality (learnable from its conversion history) and recency
 * (a re-view within the session signals intent). Coefficients are chosen so that base rates
 * look like e-commerce logs: a few percent of views reach the cart, fewer are bought.
 */
final class FunnelModel {
    double pCart(double affinity, double relPrice, double sensitivity, double quality, double recency) {
        return Distributions.sigmoid(
                -4.3 + 2.8 * affinity + 0.35 * quality - 0.8 * sensitivity * relPrice + 1.0 * recency);
    }

    double pPurchaseGivenCart(double affinity, double relPrice, double sensitivity, double quality, double recency) {
        return Distributions.sigmoid(
                -1.0 + 1.5 * affinity + 0.3 * quality - 1.2 * sensitivity * relPrice + 0.5 * recency);
    }

    double pFavourite(double affinity) {
        return 0.01 + 0.06 * affinity;
    }

    /** 1 for a re-view of the previous item, decaying with the views in between; 0 for a first view. */
    static double recency(int stepsAgo) {
        return stepsAgo == 0 ? 0.0 : Math.exp(-(stepsAgo - 1) / 4.0);
    }
}
