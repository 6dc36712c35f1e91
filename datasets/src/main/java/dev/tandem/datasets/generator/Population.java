package dev.tandem.datasets.generator;

import java.util.SplittableRandom;

/**
 * The synthetic users: each has a few favourite categories with Dirichlet(1) weights (the
 * latent preference a model should discover), a price sensitivity and an activity level
 * (a few heavy users, many occasional ones).
 */
public final class Population {
    private static final double ACTIVITY_EXPONENT = 0.8;
    private static final double MEAN_FAVOURITES = 2.5;
    private static final int MAX_FAVOURITES = 6;

    private final int users;
    private final int[][] favourites;
    private final double[][] favouriteWeights;
    private final AliasTable[] favouritePick;
    private final double[] priceSensitivity;
    private final AliasTable activity;
    private final String[] userIds;

    Population(GeneratorConfig config, Catalog catalog) {
        SplittableRandom rnd = new SplittableRandom(config.seed() ^ 0x7573_6572_7350_6f70L);
        users = config.users();
        favourites = new int[users][];
        favouriteWeights = new double[users][];
        favouritePick = new AliasTable[users];
        priceSensitivity = new double[users];
        double[] categorySize = new double[catalog.categories()];
        for (int c = 0; c < categorySize.length; c++) categorySize[c] = catalog.categoryWeight(c);
        AliasTable byCategorySize = new AliasTable(categorySize);

        for (int u = 0; u < users; u++) {
            int k = Math.min(
                    Math.min(MAX_FAVOURITES, catalog.categories()), Distributions.geometric(rnd, MEAN_FAVOURITES));
            int[] fav = new int[k];
            double[] w = new double[k];
            double sum = 0;
            for (int j = 0; j < k; j++) {
                int c;
                do {
                    c = byCategorySize.sample(rnd);
                } while (contains(fav, j, c));
                fav[j] = c;
                w[j] = Distributions.gamma(rnd, 1.0);
                sum += w[j];
            }
            for (int j = 0; j < k; j++) w[j] /= sum;
            favourites[u] = fav;
            favouriteWeights[u] = w;
            favouritePick[u] = new AliasTable(w);
            priceSensitivity[u] = Math.min(4.0, Math.max(0.1, Distributions.logNormal(rnd, 1.0, 0.5)));
        }

        double[] act = Distributions.zipf(users, ACTIVITY_EXPONENT);
        int[] perm = Distributions.permutation(users, rnd);
        double[] byUser = new double[users];
        for (int rank = 0; rank < users; rank++) byUser[perm[rank]] = act[rank];
        activity = new AliasTable(byUser);

        userIds = new String[users];
        for (int u = 0; u < users; u++) userIds[u] = Long.toString(u + 1L);
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }

    public int users() {
        return users;
    }

    /** The weight of the category among the user's favourites: 0 for a category they don't care for. */
    double affinity(int user, int category) {
        int[] fav = favourites[user];
        for (int j = 0; j < fav.length; j++) if (fav[j] == category) return favouriteWeights[user][j];
        return 0.0;
    }

    int sampleFavourite(int user, SplittableRandom rnd) {
        return favourites[user][favouritePick[user].sample(rnd)];
    }

    double priceSensitivity(int user) {
        return priceSensitivity[user];
    }

    int sampleActiveUser(SplittableRandom rnd) {
        return activity.sample(rnd);
    }

    String userId(int user) {
        return userIds[user];
    }
}
