package dev.tandem.datasets.generator;

import dev.tandem.schemas.ItemMetadata;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The synthetic item catalog: every item has a leaf category (under one of a few top-level
 * groups), a brand of that category, a log-normal price around its category's median, a latent
 * quality and a Zipf popularity. Ids are decimal numbers so the catalog also fits the Taobao
 * CSV format.
 */
public final class Catalog {
    private static final double POPULARITY_EXPONENT = 1.05;
    private static final double CATEGORY_SIZE_EXPONENT = 0.7;

    private final int items;
    private final int categories;
    private final int[] itemCategory;
    private final double[] itemPrice;
    private final double[] itemQuality;
    private final int[] itemBrand;
    private final int[] itemRank;
    private final double[] categoryMedianPrice;
    private final int[] categoryGroup;
    private final double[] categoryWeight;
    private final AliasTable[] itemsByCategory;
    private final int[][] categoryItems;
    private final String[] itemIds;
    private final String[] categoryIds;
    private final String[] brandNames;
    private final Instant createdAt;

    Catalog(GeneratorConfig config) {
        SplittableRandom rnd = new SplittableRandom(config.seed() ^ 0x6361_7461_6c6f_6755L);
        this.items = config.items();
        this.categories = config.categories();
        this.createdAt = config.start();

        // Category sizes are uneven (a few big categories), and every category holds at least one item.
        categoryWeight = Distributions.zipf(categories, CATEGORY_SIZE_EXPONENT);
        AliasTable categoryBySize = new AliasTable(categoryWeight);
        itemCategory = new int[items];
        int[] perCategory = new int[categories];
        for (int i = 0; i < items; i++) {
            int c = i < categories ? i : categoryBySize.sample(rnd);
            itemCategory[i] = c;
            perCategory[c]++;
        }

        int groups = Math.max(1, (int) Math.round(Math.sqrt(categories)));
        categoryGroup = new int[categories];
        categoryMedianPrice = new double[categories];
        double[] categoryPriceSpread = new double[categories];
        int[] brandBase = new int[categories];
        int[] brandCount = new int[categories];
        int brands = 0;
        for (int c = 0; c < categories; c++) {
            categoryGroup[c] = rnd.nextInt(groups);
            categoryMedianPrice[c] = Distributions.logNormal(rnd, 40.0, 0.9);
            categoryPriceSpread[c] = 0.25 + 0.35 * rnd.nextDouble();
            brandBase[c] = brands;
            brandCount[c] = Math.min(30, 3 + perCategory[c] / 20);
            brands += brandCount[c];
        }
        brandNames = new String[brands];
        for (int b = 0; b < brands; b++) brandNames[b] = "brand-" + (b + 1);
        AliasTable[] brandPopularity = new AliasTable[categories];
        for (int c = 0; c < categories; c++)
            brandPopularity[c] = new AliasTable(Distributions.zipf(brandCount[c], 1.0));

        itemPrice = new double[items];
        itemQuality = new double[items];
        itemBrand = new int[items];
        for (int i = 0; i < items; i++) {
            int c = itemCategory[i];
            double p = categoryMedianPrice[c] * Math.exp(categoryPriceSpread[c] * Distributions.normal(rnd));
            itemPrice[i] = Math.max(0.01, Math.round(p * 100.0) / 100.0);
            itemQuality[i] = Distributions.normal(rnd);
            itemBrand[i] = brandBase[c] + brandPopularity[c].sample(rnd);
        }

        // Popularity rank is a random permutation, so the long tail is spread over all categories.
        int[] rankOf = Distributions.permutation(items, rnd);
        itemRank = rankOf;
        categoryItems = new int[categories][];
        for (int c = 0; c < categories; c++) categoryItems[c] = new int[perCategory[c]];
        int[] fill = new int[categories];
        for (int i = 0; i < items; i++) {
            int c = itemCategory[i];
            categoryItems[c][fill[c]++] = i;
        }
        itemsByCategory = new AliasTable[categories];
        for (int c = 0; c < categories; c++) {
            int[] members = categoryItems[c];
            double[] w = new double[members.length];
            for (int k = 0; k < members.length; k++)
                w[k] = 1.0 / Math.pow(itemRank[members[k]] + 1, POPULARITY_EXPONENT);
            itemsByCategory[c] = new AliasTable(w);
        }

        itemIds = new String[items];
        for (int i = 0; i < items; i++) itemIds[i] = Long.toString(itemIdOf(i));
        categoryIds = new String[categories];
        for (int c = 0; c < categories; c++) categoryIds[c] = Long.toString(categoryIdOf(c));
    }

    /** Item ids start at 100001 so a user id and an item id are never mistaken for each other in a log. */
    static long itemIdOf(int index) {
        return 100_001L + index;
    }

    static long categoryIdOf(int index) {
        return 1_001L + index;
    }

    public int items() {
        return items;
    }

    public int categories() {
        return categories;
    }

    int categoryOf(int item) {
        return itemCategory[item];
    }

    double price(int item) {
        return itemPrice[item];
    }

    double quality(int item) {
        return itemQuality[item];
    }

    double categoryMedianPrice(int category) {
        return categoryMedianPrice[category];
    }

    double categoryWeight(int category) {
        return categoryWeight[category];
    }

    String itemId(int item) {
        return itemIds[item];
    }

    String categoryId(int category) {
        return categoryIds[category];
    }

    String brand(int item) {
        return brandNames[itemBrand[item]];
    }

    /** Draws an item of the category, popular items more often. */
    int sampleItem(int category, SplittableRandom rnd) {
        return categoryItems[category][itemsByCategory[category].sample(rnd)];
    }

    /** The catalog as {@code ItemMetadata}, built lazily so a large catalog is never held twice. */
    public List<ItemMetadata> itemMetadata() {
        return new AbstractList<>() {
            @Override
            public ItemMetadata get(int i) {
                return toMetadata(i);
            }

            @Override
            public int size() {
                return items;
            }
        };
    }

    private ItemMetadata toMetadata(int i) {
        int c = itemCategory[i];
        List<String> path = new ArrayList<>(2);
        path.add("g" + (categoryGroup[c] + 1));
        path.add(categoryIds[c]);
        return new ItemMetadata(
                itemIds[i],
                path,
                brand(i),
                itemPrice[i],
                Map.of("popularity_rank", Integer.toString(itemRank[i] + 1)),
                createdAt);
    }
}
