package dev.tandem.model.data;

import dev.tandem.features.funnel.ItemConversionRates;

/**
 * Item conversion rates fit on an {@link ExampleSet}'s fit rows without handing a fit row its own label: a fit row
 * gets the rates of the other users' fit rows ({@value #FOLDS} folds by user, so neither the row nor its user's other
 * rows count), every selection and validation row the rates of all fit rows. The logistic regression's item-rate
 * features and the network's item-rate inputs ({@link ItemRateInputs}) both come from here, so their folds agree.
 */
public final class OutOfFoldItemRates {
    public static final int FOLDS = 5;

    private final ExampleSet s;
    private final ItemConversionRates all;
    private final ItemConversionRates[] outOfFold;

    private OutOfFoldItemRates(ExampleSet s, ItemConversionRates all, ItemConversionRates[] outOfFold) {
        this.s = s;
        this.all = all;
        this.outOfFold = outOfFold;
    }

    /**
     * @param keys  the key a row's item is counted under (its id, or its hashed bucket), one per row of {@code s}
     * @param alpha the prior's weight in exposures
     */
    public static OutOfFoldItemRates fit(ExampleSet s, String[] keys, double alpha) {
        int k = s.taskCount();
        ItemConversionRates all = ItemConversionRates.fit(keys, s.labels(), s.mask(), k, r -> r < s.fitCount(), alpha);
        ItemConversionRates[] folds = new ItemConversionRates[FOLDS];
        for (int f = 0; f < FOLDS; f++) {
            int fold = f;
            folds[f] = ItemConversionRates.fit(
                    keys, s.labels(), s.mask(), k, r -> r < s.fitCount() && fold(s, r) != fold, alpha);
        }
        return new OutOfFoldItemRates(s, all, folds);
    }

    /** The rates row {@code r} may see. */
    public ItemConversionRates forRow(int r) {
        return r < s.fitCount() ? outOfFold[fold(s, r)] : all;
    }

    /** The rates of all fit rows: what a model serves with. */
    public ItemConversionRates all() {
        return all;
    }

    /** A user's fold: murmur3's finalizer over the user id's hash, so folds are balanced whatever the ids look like. */
    static int fold(ExampleSet s, int row) {
        int h = 99 * 0x9E3779B9 ^ s.userIds()[row].hashCode();
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        int slot = h & 0xFFFF;
        // the logistic regression's hashed slot of field 99 in a 2^16 table (the first 256 slots moved up): the
        // folds are the ones its item rates always used
        return Math.floorMod(slot < 256 ? slot + 256 : slot, FOLDS);
    }
}
